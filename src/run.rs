//! Runs the workspace's built binaries (`cargo build` puts them next to the test executables' `deps/` directory).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a finished command printed, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    /// The exit code; None when a signal ended the process.
    pub code: Option<i32>,
    pub elapsed: Duration,
}

/// Path of a binary of this workspace, built by `cargo build` (the Makefile builds before testing).
/// `OFFSET_TOOLS_TEST_BIN=<dir>` runs the tests against the binaries of another build instead (an earlier commit's,
/// to see a new test fail on the code it guards against).
pub fn binary(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("OFFSET_TOOLS_TEST_BIN") {
        return PathBuf::from(dir).join(name);
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("target profile directory");
    let path = dir.join(name);
    assert!(path.exists(), "{} is not built: run `cargo build --workspace` (or `make test`) first", path.display());
    path
}

/// Runs a workspace binary with arguments and optional stdin.
pub fn tool(name: &str, args: &[&str], stdin: Option<&str>) -> Output {
    command(Command::new(binary(name)).args(args), stdin)
}

pub fn get_offset(args: &[&str]) -> Output {
    tool("get-offset", args, None)
}

pub fn reset_offsets(args: &[&str]) -> Output {
    tool("reset-offsets", args, None)
}

pub fn migrate_groups(args: &[&str]) -> Output {
    tool("migrate-groups", args, None)
}

/// Runs one of the Kafka-named shims of `bin/` (`kafka-share-groups.sh`, ...) on the binaries under test.
pub fn shim(name: &str, args: &[&str]) -> Output {
    let bin = binary("reset-offsets").parent().expect("binary directory").to_path_buf();
    let script = crate::workspace_root().join("bin").join(name);
    command(Command::new(script).args(args).env("OFFSET_TOOLS_BIN", bin), None)
}

/// Runs a bash script (pipelines), with the workspace's binaries first on PATH.
pub fn shell(script: &str) -> Output {
    let bin = binary("get-offset").parent().expect("binary directory").to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    command(std::process::Command::new("bash").arg("-c").arg(script).env("PATH", path), None)
}

/// A workspace binary started in the background (stdin closed, output captured), for tests that act on the cluster
/// while it runs.
#[derive(Debug)]
pub struct Running {
    child: std::process::Child,
    started: Instant,
}

pub fn spawn_tool(name: &str, args: &[&str], env: &[(&str, &str)]) -> Running {
    let mut cmd = Command::new(binary(name));
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (key, value) in env {
        cmd.env(key, value);
    }
    let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    Running { child, started: Instant::now() }
}

impl Running {
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal by name (INT, TERM, ...) with kill(1).
    pub fn signal(&self, name: &str) {
        let status =
            Command::new("kill").arg(format!("-{name}")).arg(self.id().to_string()).status().expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    pub fn finish(self) -> Output {
        let out = self.child.wait_with_output().expect("wait for tool");
        Output {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code(),
            elapsed: self.started.elapsed(),
        }
    }
}

/// Waits (at most 60 s) until `path` exists: the tool created it, paused before its commits.
pub fn wait_for_file(path: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        assert!(Instant::now() < deadline, "{} did not appear", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a tool that pauses before its commits (the KAFKA_OFFSETS_TEST_PAUSE_BEFORE_COMMIT test hook), does `fault`
/// while it waits, lets it go on, and returns what it printed.
pub fn with_fault_before_commit(name: &str, args: &[&str], fault: impl FnOnce(&Running)) -> Output {
    let dir = crate::scratch_dir("pause");
    let pause = dir.join("pause");
    let running = spawn_tool(name, args, &[("KAFKA_OFFSETS_TEST_PAUSE_BEFORE_COMMIT", pause.to_str().expect("path"))]);
    wait_for_file(&pause);
    fault(&running);
    let _ = std::fs::remove_file(&pause);
    let out = running.finish();
    let _ = std::fs::remove_dir_all(dir);
    out
}

/// `make` in the workspace root as a user types it: `make test` runs the tests under make, whose MAKELEVEL and
/// MAKEFLAGS would otherwise make this one a sub-make that prints "Entering directory" lines on stdout.
pub fn make() -> Command {
    let mut cmd = Command::new("make");
    cmd.current_dir(crate::workspace_root()).env_remove("MAKELEVEL").env_remove("MAKEFLAGS").env_remove("MFLAGS");
    cmd
}

/// Runs any command to completion, capturing its output.
pub fn command(cmd: &mut Command, stdin: Option<&str>) -> Output {
    let started = Instant::now();
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        let input = input.to_string();
        std::thread::spawn(move || {
            let _ = pipe.write_all(input.as_bytes());
        });
    }
    let out = child.wait_with_output().expect("wait for command");
    Output {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
        elapsed: started.elapsed(),
    }
}
