//! Ctrl-C (SIGINT) and SIGTERM during the commits of `reset-offsets --execute`: once the commits begin, a signal no
//! longer kills the process mid-way; it is noted, and the run stops at the next safe point (before a group's commit,
//! or while waiting for a commit's answer) and says exactly what was committed. Before that point the default
//! applies (the process ends at once: nothing has been committed).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::SigId;

/// Catches SIGINT and SIGTERM while it lives.
#[derive(Debug)]
pub struct Interrupt {
    signal: Arc<AtomicUsize>,
    handlers: Vec<SigId>,
}

impl Interrupt {
    pub fn catch() -> Interrupt {
        let signal = Arc::new(AtomicUsize::new(0));
        let handlers = [SIGINT, SIGTERM]
            .into_iter()
            .filter_map(|s| signal_hook::flag::register_usize(s, Arc::clone(&signal), s as usize).ok())
            .collect();
        Interrupt { signal, handlers }
    }

    /// The signal received, if any.
    pub fn signal(&self) -> Option<i32> {
        match self.signal.load(Ordering::Relaxed) {
            0 => None,
            s => Some(s as i32),
        }
    }
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        for id in self.handlers.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

/// Test hook for fault injection: with `KAFKA_OFFSETS_TEST_PAUSE_BEFORE_COMMIT=<file>` in the environment, the
/// commits wait until that file, created here, is deleted (at most 60 s, or until a signal). Lets tests change the
/// cluster between the plan and the commit.
pub fn pause_before_commit(interrupt: &Interrupt) {
    let Some(path) = std::env::var_os("KAFKA_OFFSETS_TEST_PAUSE_BEFORE_COMMIT") else { return };
    if std::fs::write(&path, b"paused before commit\n").is_err() {
        return;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::path::Path::new(&path).exists() && interrupt.signal().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
