//! Test support for the end-to-end tests in `tests/`: brokers the tests start themselves (librdkafka's mock
//! cluster in process, Apache Kafka 0.9.0.1 as child processes), running the built binaries, and whole-output
//! comparisons. Every helper fails loudly: a test that cannot get its broker fails, it never skips.

pub mod admin;
pub mod compare;
pub mod cut_proxy;
pub mod fake_broker;
pub mod groups;
pub mod guide;
pub mod harness;
pub mod http_stub;
pub mod identity_provider;
pub mod kafka;
pub mod kafka09;
pub mod kdc;
pub mod mirror;
pub mod mock;
pub mod oracle;
pub mod produce;
pub mod run;
pub mod streams_app;
pub mod tls;
pub mod typed_groups;

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// A loopback port reserved for this test process: a listener of a child process (a broker, ZooKeeper) can bind it
/// later without a race. Ports are taken below the kernel's ephemeral range, so that no outgoing connection of a
/// busy machine can hold one as its source port (a port bound to 0 and released is in that range, and was seen taken
/// before the JVM bound it), and each is claimed with an exclusive lock on a file that every test process of this
/// machine checks: another test binary running at the same time never picks the same one. The lock is held until
/// the process ends.
pub fn free_port() -> u16 {
    reserve_port()
}

/// A bootstrap address where nothing listens: a reserved port (see [`free_port`]) that nothing binds.
pub fn dead_address() -> String {
    format!("127.0.0.1:{}", reserve_port())
}

fn reserve_port() -> u16 {
    use std::sync::Mutex;
    static HELD: Mutex<Vec<std::fs::File>> = Mutex::new(Vec::new());
    let (low, high) = reservable_ports();
    let dir = std::env::temp_dir().join("offset-tools-ports");
    std::fs::create_dir_all(&dir).expect("create the port lock directory");
    // Start at a place that differs per process and call, so that concurrent processes rarely try the same port.
    static CALLS: AtomicU32 = AtomicU32::new(0);
    let seed =
        std::process::id().wrapping_mul(7919).wrapping_add(CALLS.fetch_add(1, Ordering::Relaxed).wrapping_mul(104_729));
    let span = u32::from(high - low);
    for attempt in 0..span {
        let port = low + ((seed.wrapping_add(attempt)) % span) as u16;
        let lock = dir.join(format!("{port}.lock"));
        let Ok(file) = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(lock) else {
            continue;
        };
        if file.try_lock().is_err() {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port)).is_err() {
            continue;
        }
        HELD.lock().expect("port locks").push(file);
        return port;
    }
    panic!("no loopback port free in {low}..{high}");
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

/// Kills every process whose command line names `dir` (a test's JVMs, by their directory) once this test process
/// is gone, even killed: a child of bash that polls for it.
pub fn spawn_watchdog(dir: &std::path::Path) -> std::process::Child {
    use std::process::Stdio;
    std::process::Command::new("bash")
        .arg("-c")
        .arg("while kill -0 \"$0\" 2>/dev/null; do sleep 1; done; pkill -9 -f \"$1\"")
        .arg(std::process::id().to_string())
        .arg(dir.display().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start watchdog")
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

/// The ports [`free_port`] hands out: below the ephemeral range the kernel picks source ports from
/// (`/proc/sys/net/ipv4/ip_local_port_range`, 32768-60999 by default), from 20000 (or above it, if it starts low).
fn reservable_ports() -> (u16, u16) {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let mut bounds = range.split_whitespace().filter_map(|n| n.parse::<u16>().ok());
    let (start, end) = (bounds.next().unwrap_or(32768), bounds.next().unwrap_or(60999));
    if start > 21000 {
        (20000, start)
    } else {
        (end.saturating_add(1).min(64000), 65535)
    }
}

/// How long a broker, ZooKeeper or MirrorMaker is given to start. Sized for a machine whose cores are both taken by
/// other work (a build beside the tests): a JVM that is merely slow must never fail a test; one that exits is seen at
/// once.
pub const START_PATIENCE: std::time::Duration = std::time::Duration::from_secs(300);

/// The whole of each log (a broker that did not start: its cause can be anywhere in it, not only in the last lines),
/// for the panic message that CI prints.
pub fn whole_logs(logs: &[&std::path::Path]) -> String {
    logs.iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_else(|e| format!("(cannot read it: {e})"));
            format!("--- {} ({} lines)\n{text}", path.display(), text.lines().count())
        })
        .collect::<Vec<_>>()
        .join("\n")
}
