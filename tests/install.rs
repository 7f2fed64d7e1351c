//! `make install PREFIX=...` into a temporary prefix: working binaries without the test hook, Kafka-named shims, man
//! pages and bash, zsh and fish completions. It builds as `make install` does, in a target directory of its own
//! (target/install-check), because the test build has the hook; and the shims' message when a tool is missing.

use std::path::Path;
use std::process::Command;

use offset_tools_tests::compare::assert_output;
use offset_tools_tests::run::{binary, command, make};
use offset_tools_tests::{scratch_dir, workspace_root};

fn run(program: &Path, args: &[&str]) -> offset_tools_tests::run::Output {
    command(Command::new(program).args(args).env_remove("OFFSET_TOOLS_BIN"), None)
}

/// The test hook's switch: it must not be in what `make install` builds.
const HOOK: &str = "KAFKA_OFFSETS_TEST_PAUSE_BEFORE_COMMIT";

fn contains(path: &Path, needle: &str) -> bool {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn make_install_into_a_temporary_prefix() {
    let prefix = scratch_dir("install");
    // A build of its own, as `make install` makes it (the test build in target/ has the test hook).
    let target = workspace_root().join("target/install-check");
    let out = command(
        make()
            .arg("install")
            .arg(format!("PREFIX={}", prefix.display()))
            .arg("PROFILE=debug")
            .arg(format!("TARGET_DIR={}", target.display())),
        None,
    );
    assert_eq!(out.code, Some(0), "make install failed: {out:?}");

    let bin = prefix.join("bin");
    // No test hook in the installed binaries (and the check can see one: the test build has it).
    assert!(contains(&binary("reset-offsets"), HOOK), "the test build lacks the hook: the check below proves nothing");
    for tool in ["get-offset", "reset-offsets", "migrate-groups", "copy-topics", "describe-groups"] {
        assert!(!contains(&bin.join(tool), HOOK), "the installed {tool} has the test hook");
    }
    let version = env!("CARGO_PKG_VERSION");
    assert_output(&run(&bin.join("get-offset"), &["--version"]), &format!("get-offset {version}\n"), "", 0);
    assert_output(&run(&bin.join("reset-offsets"), &["--version"]), &format!("reset-offsets {version}\n"), "", 0);
    assert_output(&run(&bin.join("migrate-groups"), &["--version"]), &format!("migrate-groups {version}\n"), "", 0);
    assert_output(&run(&bin.join("copy-topics"), &["--version"]), &format!("copy-topics {version}\n"), "", 0);
    // The shims find the installed binaries next to them.
    assert_output(&run(&bin.join("kafka-get-offsets.sh"), &["--version"]), &format!("get-offset {version}\n"), "", 0);
    for class in ["kafka.tools.GetOffsetShell", "org.apache.kafka.tools.GetOffsetShell"] {
        assert_output(
            &run(&bin.join("kafka-run-class.sh"), &[class, "--version"]),
            &format!("get-offset {version}\n"),
            "",
            0,
        );
    }
    assert_output(
        &run(&bin.join("kafka-consumer-groups.sh"), &["--reset-offsets", "--version"]),
        &format!("reset-offsets {version}\n"),
        "",
        0,
    );
    assert_output(
        &run(&bin.join("kafka-run-class.sh"), &["kafka.admin.TopicCommand", "--list"]),
        "",
        "kafka-run-class.sh: these tools provide only kafka.tools.GetOffsetShell and org.apache.kafka.tools.GetOffsetShell \
         (get-offset), not 'kafka.admin.TopicCommand'\n",
        2,
    );
    for (shim, kind) in [("kafka-share-groups.sh", "share"), ("kafka-streams-groups.sh", "streams")] {
        assert_output(
            &run(&bin.join(shim), &["--bootstrap-server", "127.0.0.1:9092", "--list"]),
            "",
            &format!(
                "{shim}: these tools provide only --reset-offsets (reset-offsets --group-type {kind}); --list, \
                 --describe, --delete and --delete-offsets are not provided\n"
            ),
            2,
        );
        assert_output(
            &run(&bin.join(shim), &["--reset-offsets", "--group", "g", "--all-topics", "--to-latest"]),
            "",
            "Option [reset-offsets] takes the option: [execute] or [dry-run]\n",
            2,
        );
    }
    assert_output(
        &run(&bin.join("kafka-streams-groups.sh"), &["--reset-offsets", "--delete-all-internal-topics", "--execute"]),
        "",
        "kafka-streams-groups.sh: --delete-all-internal-topics is not provided (these tools reset offsets; delete the \
         internal topics with kafka-topics.sh)\n",
        2,
    );
    assert_output(
        &run(&bin.join("kafka-consumer-groups.sh"), &["--bootstrap-server", "127.0.0.1:9092", "--delete"]),
        "",
        "kafka-consumer-groups.sh: these tools provide --reset-offsets (reset-offsets), --describe and --list \
         (describe-groups); --delete and --delete-offsets are not provided\n",
        2,
    );

    let share = prefix.join("share");
    for (tool, flag) in
        [("get-offset", "bootstrap-server"), ("reset-offsets", "bootstrap-server"), ("migrate-groups", "from")]
    {
        let man = std::fs::read_to_string(share.join(format!("man/man1/{tool}.1"))).expect("man page");
        assert!(man.starts_with(&format!(".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH {tool} 1")), "{man}");
        assert!(man.contains(&format!("\\-\\-{}", flag.replace('-', "\\-"))), "{tool}.1 lacks --{flag}");
        let bash = share.join(format!("bash-completion/completions/{tool}"));
        let loaded = command(
            Command::new("bash").arg("-c").arg(format!("source '{}' && complete -p {tool}", bash.display())),
            None,
        );
        assert_eq!(loaded.code, Some(0), "{loaded:?}");
        assert!(loaded.stdout.ends_with(&format!(" {tool}\n")), "{loaded:?}");
        let zsh = std::fs::read_to_string(share.join(format!("zsh/site-functions/_{tool}"))).expect("zsh completion");
        assert!(zsh.starts_with(&format!("#compdef {tool}")) && zsh.contains(&format!("--{flag}")), "{zsh}");
        let fish = std::fs::read_to_string(share.join(format!("fish/vendor_completions.d/{tool}.fish"))).expect("fish");
        assert!(fish.contains(&format!("complete -c {tool} -l {flag}")), "{fish}");
    }
    assert!(std::fs::read_to_string(share.join("man/man1/reset-offsets.1")).unwrap().contains("\\-\\-to\\-datetime"));
    assert!(std::fs::read_to_string(share.join("man/man1/migrate-groups.1")).unwrap().contains("\\-\\-by\\-record"));
    std::fs::remove_dir_all(prefix).unwrap();
}

#[test]
fn the_shims_say_when_a_tool_is_missing() {
    // A shim alone in a directory, with no tool next to it, none built beside it, none on PATH.
    let dir = scratch_dir("lonely-shim");
    let shim = dir.join("kafka-get-offsets.sh");
    // Copied by another process: a file this process had open for writing could not be executed while another test
    // thread forks ("Text file busy").
    let copied = Command::new("cp").arg(workspace_root().join("bin/kafka-offset-tools-shim")).arg(&shim).status();
    assert!(copied.is_ok_and(|s| s.success()), "cp the shim");
    let out =
        command(Command::new(&shim).arg("--version").env_remove("OFFSET_TOOLS_BIN").env("PATH", "/usr/bin:/bin"), None);
    assert_output(
        &out,
        "",
        "kafka-get-offsets.sh: get-offset is not built or installed (run make, or make install)\n",
        2,
    );
    std::fs::remove_dir_all(dir).unwrap();
}
