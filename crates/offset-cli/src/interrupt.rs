//! SIGINT and SIGTERM during commits: once the commits begin (the library calls the stop signal's `catch`), a signal
//! no longer kills the process mid-way; it is noted, and the run stops at the next safe point (before a commit is
//! sent, or while waiting for an answer) and says exactly what was committed. Before that point the default applies
//! (the process ends at once: nothing has been committed).

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use kafka_offsets::formats::settings::StopSignal;
use signal_hook::consts::{SIGINT, SIGTERM};

/// The stop signal of a run: `catch` installs the handlers (and, in test builds, the pause before commits).
pub fn stop_signal() -> StopSignal {
    StopSignal::new(|flag: Arc<AtomicUsize>| {
        for signal in [SIGINT, SIGTERM] {
            // A handler that cannot be installed leaves the default (the process ends): nothing unsafe follows.
            let _ = signal_hook::flag::register_usize(signal, Arc::clone(&flag), signal as usize);
        }
        #[cfg(feature = "test-hooks")]
        pause_before_commit(&flag);
    })
}

/// Test hook for fault injection, compiled only with the `test-hooks` feature (never in installed binaries): with
/// `KAFKA_OFFSETS_TEST_PAUSE_BEFORE_COMMIT=<file>` in the environment, the commits wait until that file, created
/// here, is deleted (at most 60 s, or until a signal). Lets tests change the cluster between the plan and the
/// commit.
#[cfg(feature = "test-hooks")]
fn pause_before_commit(flag: &AtomicUsize) {
    use std::sync::atomic::Ordering;
    let Some(path) = std::env::var_os("KAFKA_OFFSETS_TEST_PAUSE_BEFORE_COMMIT") else { return };
    if std::fs::write(&path, b"paused before commit\n").is_err() {
        return;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::path::Path::new(&path).exists()
        && flag.load(Ordering::Relaxed) == 0
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
