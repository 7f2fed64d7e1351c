//! Test support for the end-to-end tests in `tests/`: brokers the tests start themselves (librdkafka's mock
//! cluster in process, Apache Kafka 0.9.0.1 as child processes), running the built binaries, and whole-output
//! comparisons. Every helper fails loudly: a test that cannot get its broker fails, it never skips.

pub mod admin;
pub mod compare;
pub mod fake_broker;
pub mod groups;
pub mod guide;
pub mod harness;
pub mod kafka;
pub mod kafka09;
pub mod mirror;
pub mod mock;
pub mod oracle;
pub mod produce;
pub mod run;
pub mod tls;

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

/// A bootstrap address where nothing listens: a port bound and released at once.
pub fn dead_address() -> String {
    format!("127.0.0.1:{}", free_port())
}

/// A fresh, empty directory under the system temp dir (removed by its owner).
pub fn scratch_dir(label: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("offset-tools-{label}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The workspace root (where `scripts/` and `.cache/` are).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Waits until every TCP connection on this machine toward the ports of `bootstrap` (`host:port,...`) has received
/// the broker's close (none is ESTABLISHED any more: closed sockets sit in CLOSE_WAIT until their owner reads the
/// end). A broker stopped by a test closes its sockets at once, but the kernel may deliver the FIN a moment later;
/// a test that claims "closed before the commit was written" waits for it here instead of guessing a sleep.
pub fn wait_until_closed_by_brokers(bootstrap: &str) {
    let ports: Vec<u16> =
        bootstrap.split(',').map(|a| a.rsplit(':').next().and_then(|p| p.parse().ok()).expect("host:port")).collect();
    let open = || {
        ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|table| {
            std::fs::read_to_string(table).unwrap_or_default().lines().skip(1).any(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let remote_port =
                    fields.get(2).and_then(|a| a.rsplit(':').next()).and_then(|p| u16::from_str_radix(p, 16).ok());
                fields.get(3) == Some(&"01") && remote_port.is_some_and(|p| ports.contains(&p))
            })
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while open() {
        assert!(
            std::time::Instant::now() < deadline,
            "connections to {bootstrap} still open 10 s after the brokers stopped"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
