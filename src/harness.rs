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

/// A case of a test binary that runs on several Kafka releases, and the releases it runs on.
pub type VersionCase<F> = (&'static str, &'static [crate::kafka::Version], Case<F>);

/// Runs each case on each of its releases (a trial `case::4.1.1` per pair), with one fixture per release made by
/// `setup` on first use and dropped at the end. Exits the process.
pub fn run_per_version<F: Send + Sync + 'static>(
    setup: fn(crate::kafka::Version) -> F,
    cases: Vec<VersionCase<F>>,
) -> ! {
    let args = Arguments::from_args();
    let fixtures: Arc<[OnceLock<F>; crate::kafka::Version::ALL.len()]> =
        Arc::new(std::array::from_fn(|_| OnceLock::new()));
    let mut trials = Vec::new();
    for (name, versions, case) in cases {
        for &version in versions {
            let fixtures = Arc::clone(&fixtures);
            trials.push(Trial::test(format!("{name}::{}", version.number()), move || {
                case(fixtures[version as usize].get_or_init(|| setup(version)))
            }));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    if let Ok(fixtures) = Arc::try_unwrap(fixtures) {
        drop(fixtures);
    }
    conclusion.exit()
}

/// Epoch milliseconds as Kafka's date-time with a zone, UTC (`2025-06-15T15:06:40.000Z`).
pub fn iso_utc(ms: i64) -> String {
    let (days, rest) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Days since 1970-01-01 to a civil date (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_utc_is_the_calendar_date() {
        assert_eq!(super::iso_utc(1_750_000_000_000), "2025-06-15T15:06:40.000Z");
        assert_eq!(super::iso_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso_utc(951_782_400_123), "2000-02-29T00:00:00.123Z");
    }
}
