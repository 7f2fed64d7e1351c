//! `make dist`: the tarball for old Linux hosts. Its binaries need nothing newer than glibc 2.17 (read here from
//! their dynamic symbols), its checksums hold, it has the shims, man pages, completions and README, and its
//! binaries run: `--version`, and a lookup against the mock cluster.

use std::path::Path;
use std::process::Command;

use offset_tools_tests::compare::assert_output;
use offset_tools_tests::mock::Mock;
use offset_tools_tests::run::{command, make, Output};
use offset_tools_tests::{scratch_dir, workspace_root};

const TOOLS: [&str; 5] = ["get-offset", "reset-offsets", "migrate-groups", "copy-topics", "describe-groups"];

fn run(program: &Path, args: &[&str]) -> Output {
    command(Command::new(program).args(args).env_remove("OFFSET_TOOLS_BIN"), None)
}

/// The newest `GLIBC_x.y[.z]` version among a binary's dynamic symbols, as numbers.
fn newest_glibc(binary: &Path) -> Vec<u32> {
    let out = command(Command::new("objdump").arg("-T").arg(binary), None);
    assert_eq!(out.code, Some(0), "objdump -T {}: {out:?}", binary.display());
    out.stdout
        .split("GLIBC_")
        .skip(1)
        .filter_map(|rest| {
            let version: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
            let parts: Option<Vec<u32>> = version.split('.').map(|p| p.parse().ok()).collect();
            parts.filter(|p| !p.is_empty())
        })
        .max()
        .expect("GLIBC symbol versions")
}

/// The shared libraries a binary names (its `NEEDED` entries).
fn needed(binary: &Path) -> Vec<String> {
    let out = command(Command::new("objdump").arg("-p").arg(binary), None);
    assert_eq!(out.code, Some(0), "objdump -p {}: {out:?}", binary.display());
    out.stdout.lines().filter_map(|l| l.trim().strip_prefix("NEEDED")).map(|name| name.trim().to_string()).collect()
}

#[test]
fn make_dist_makes_a_tarball_for_glibc_2_17_whose_binaries_run() {
    let target = workspace_root().join("target/dist");
    let out = command(make().arg("dist"), None);
    assert_eq!(out.code, Some(0), "make dist failed: {out:?}");
    let version = env!("CARGO_PKG_VERSION");
    let name = format!("kafka-offset-tools-{version}-x86_64-linux-gnu");
    let tarball = target.join(format!("{name}.tar.gz"));
    assert_eq!(out.stdout, format!("{}\n", tarball.display()));

    // The tarball's own checksum, then its contents.
    let sum =
        command(Command::new("sha256sum").arg("-c").arg(format!("{name}.tar.gz.sha256")).current_dir(&target), None);
    assert_eq!(sum.code, Some(0), "{sum:?}");
    let dir = scratch_dir("dist");
    let unpacked = command(Command::new("tar").arg("-xzf").arg(&tarball).arg("-C").arg(&dir), None);
    assert_eq!(unpacked.code, Some(0), "{unpacked:?}");
    let root = dir.join(&name);
    let listed = command(Command::new("find").arg(".").arg("-mindepth").arg("1").current_dir(&root), None);
    let mut files: Vec<&str> = listed.stdout.lines().collect();
    files.sort();
    let mut expected: Vec<String> = ["./README.md", "./SHA256SUMS", "./bin", "./share", "./share/bash-completion"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected.extend(
        [
            "kafka-offset-tools-shim",
            "kafka-run-class.sh",
            "kafka-get-offsets.sh",
            "kafka-consumer-groups.sh",
            "kafka-share-groups.sh",
            "kafka-streams-groups.sh",
        ]
        .iter()
        .map(|b| format!("./bin/{b}")),
    );
    expected.extend(
        [
            "./share/bash-completion/completions",
            "./share/fish",
            "./share/fish/vendor_completions.d",
            "./share/man",
            "./share/man/man1",
            "./share/zsh",
            "./share/zsh/site-functions",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    for tool in TOOLS {
        expected.push(format!("./bin/{tool}"));
        expected.push(format!("./share/man/man1/{tool}.1"));
        expected.push(format!("./share/bash-completion/completions/{tool}"));
        expected.push(format!("./share/zsh/site-functions/_{tool}"));
        expected.push(format!("./share/fish/vendor_completions.d/{tool}.fish"));
    }
    expected.sort();
    assert_eq!(files, expected);
    let sums = command(Command::new("sha256sum").arg("-c").arg("SHA256SUMS").current_dir(&root), None);
    assert_eq!(sums.code, Some(0), "{sums:?}");
    // ... and it lists every file of the tarball but itself, each checked by sha256sum, not by the file itself.
    let regular = command(Command::new("find").arg(".").arg("-type").arg("f").current_dir(&root), None);
    let mut wanted: Vec<String> = regular
        .stdout
        .lines()
        .filter(|f| *f != "./SHA256SUMS")
        .map(|f| f.trim_start_matches("./").to_string())
        .collect();
    wanted.sort();
    let mut checked: Vec<String> =
        sums.stdout.lines().filter_map(|l| l.strip_suffix(": OK")).map(str::to_string).collect();
    checked.sort();
    assert_eq!(checked, wanted, "SHA256SUMS does not cover the tarball's files");

    // glibc 2.17 at most, and the binaries run.
    let bin = root.join("bin");
    for tool in TOOLS {
        let glibc = newest_glibc(&bin.join(tool));
        assert!(glibc <= vec![2, 17], "{tool} needs GLIBC_{glibc:?}");
        // glibc's own libraries only: Kerberos's GSSAPI library is loaded when a GSSAPI login needs it, so the
        // binaries start on hosts without it.
        let libraries = needed(&bin.join(tool));
        let glibc_own = ["libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libutil.so.1"];
        assert!(
            libraries
                .iter()
                .all(|l| glibc_own.contains(&l.as_str()) || l.starts_with("ld-linux") || l == "libgcc_s.so.1"),
            "{tool} needs {libraries:?}"
        );
        assert_output(&run(&bin.join(tool), &["--version"]), &format!("{tool} {version}\n"), "", 0);
    }
    assert_output(&run(&bin.join("kafka-get-offsets.sh"), &["--version"]), &format!("get-offset {version}\n"), "", 0);
    let mock = Mock::start(1);
    mock.topic("orders", 2).produce("orders", 1, 3, 1_700_000_000_000);
    assert_output(
        &run(&bin.join("get-offset"), &["--bootstrap-server", &mock.bootstrap, "--topic", "orders"]),
        "orders:0:0\norders:1:3\n",
        "",
        0,
    );
    std::fs::remove_dir_all(dir).unwrap();
}
