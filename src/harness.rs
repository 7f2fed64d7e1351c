//! The harness of the end-to-end test binaries whose cases share one broker: the broker is started on first use,
//! every case runs (libtest-mimic gives the usual filtering and output), and the broker is stopped before the
//! process exits (process::exit would skip its destructor).

use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use libtest_mimic::{Arguments, Failed, Trial};

/// A case of a shared-fixture test binary.
pub type Case<F> = fn(&F) -> Result<(), Failed>;

/// Runs the cases against one fixture made by `setup`; `teardown` gets it back at the end. Exits the process.
pub fn run_shared<F: Send + Sync + 'static>(
    setup: fn() -> F,
    cases: Vec<(&'static str, Case<F>)>,
    teardown: fn(F),
) -> ! {
    let args = Arguments::from_args();
    let fixture: Arc<OnceLock<F>> = Arc::new(OnceLock::new());
    let trials = cases
        .into_iter()
        .map(|(name, case)| {
            let fixture = Arc::clone(&fixture);
            Trial::test(name, move || case(fixture.get_or_init(setup)))
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    if let Some(fixture) = Arc::try_unwrap(fixture).ok().and_then(OnceLock::into_inner) {
        teardown(fixture);
    }
    conclusion.exit()
}

/// A case's assertion that reports instead of panicking.
pub fn check(condition: bool, message: impl FnOnce() -> String) -> Result<(), Failed> {
    if condition {
        Ok(())
    } else {
        Err(message().into())
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_millis() as i64
}
