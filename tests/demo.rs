//! `make demo`: it builds only what the demo runs (not every test and bench target), in the debug profile, and the
//! demo script runs the tools against its development brokers to the end.

use std::process::Command;

use offset_tools_tests::run::{binary, command, make};
use offset_tools_tests::workspace_root;

#[test]
fn make_demo_builds_only_the_demo_binaries() {
    let out = command(make().args(["-n", "demo"]), None);
    assert_eq!(out.code, Some(0), "{out:?}");
    // The one build command ($(CARGO) is the cargo that runs the tests), then the script.
    let builds: Vec<&str> = out.stdout.lines().filter(|l| l.contains("cargo build")).collect();
    assert_eq!(builds.len(), 1, "{}", out.stdout);
    assert!(
        builds[0].ends_with("cargo build -p dev-broker -p get-offset -p reset-offsets -p migrate-groups"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.ends_with("./scripts/demo.sh\n"), "{}", out.stdout);
}

#[test]
fn the_demo_script_runs_to_the_end() {
    let bin = binary("dev-broker").parent().unwrap().to_path_buf();
    let out =
        command(Command::new("bash").arg(workspace_root().join("scripts/demo.sh")).env("OFFSET_TOOLS_BIN", &bin), None);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.starts_with("dev-broker: 3 mock brokers at 127.0.0.1:"), "{}", out.stdout);
    let committed = (0..6)
        .map(|p| {
            format!(
                "billing                        orders                         {p:<10} 15           5          15           \
                 committed  exact: the next record to read (content search of offsets 0..20)\n"
            )
        })
        .collect::<String>();
    assert!(out.stdout.contains(&committed), "{}", out.stdout);
    assert!(out.stdout.ends_with("(exit code 1)\n"), "the last command of the demo is refused: {}", out.stdout);
}
