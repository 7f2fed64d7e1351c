//! Apache Kafka 2.8, 3.9, 4.1 and 4.4 from Maven's jars (`scripts/fetch-kafka.sh`), started as child JVMs on free
//! loopback ports: a single node (KRaft, combined broker and controller, for 3.9 to 4.4; ZooKeeper and a broker for
//! 2.8), or several KRaft nodes whose brokers can be stopped and started again. Every node has a PLAINTEXT listener, and on
//! request SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 users) and SSL (the test PKI's certificate).
//! Kafka's own tools from the same jars are run beside ours: they are the reference for outputs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};

use crate::run::{command, Output};
use crate::tls::TestPki;
use crate::{free_port, scratch_dir, whole_logs, START_PATIENCE};

mod version;
pub use version::Version;

/// The SASL users every broker started with `sasl` knows (PLAIN and both SCRAM mechanisms).
pub const SASL_USER: &str = "alice";
pub const SASL_PASSWORD: &str = "alice-secret";

/// What to start.
#[derive(Debug, Clone)]
pub struct Options {
    pub version: Version,
    /// One node, or three (KRaft 4.1 only) with replication factor 3 for the internal topics.
    pub nodes: usize,
    /// A SASL_PLAINTEXT listener with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (user [`SASL_USER`]), and OAUTHBEARER
    /// with unsecured tokens that must have the scope `kafka`.
    pub sasl: bool,
    /// An SSL listener with the broker certificate of this PKI.
    pub ssl: Option<TestPki>,
    /// More broker settings, `key=value` (after the others: a key given twice takes its last value).
    pub settings: Vec<String>,
    /// More JVM options of the brokers (`-Dname=value`).
    pub jvm: Vec<String>,
    pub heap: &'static str,
    /// The first node's PLAINTEXT port, for a test that must know it before the broker starts (a proxy in front).
    pub port: Option<u16>,
}

impl Options {
    pub fn new(version: Version) -> Options {
        Options {
            version,
            nodes: 1,
            sasl: false,
            ssl: None,
            settings: Vec::new(),
            jvm: Vec::new(),
            heap: "512m",
            port: None,
        }
    }

    pub fn sasl(mut self) -> Options {
        self.sasl = true;
        self
    }

    pub fn ssl(mut self, pki: &TestPki) -> Options {
        self.ssl = Some(pki.clone());
        self
    }

    pub fn nodes(mut self, nodes: usize) -> Options {
        self.nodes = nodes;
        self
    }

    pub fn setting(mut self, setting: &str) -> Options {
        self.settings.push(setting.to_string());
        self
    }

    pub fn jvm_option(mut self, option: &str) -> Options {
        self.jvm.push(option.to_string());
        self
    }

    pub fn port(mut self, port: u16) -> Options {
        self.port = Some(port);
        self
    }
}

/// One broker (and controller, under KRaft) of a running cluster.
#[derive(Debug)]
pub struct Node {
    pub id: i32,
    pub port: u16,
    pub sasl_port: u16,
    pub ssl_port: u16,
    /// SASL over TLS (with both `sasl` and `ssl`).
    pub sasl_ssl_port: u16,
    /// TLS that requires a client certificate signed by the test CA (with `ssl`).
    pub mtls_port: u16,
    controller_port: u16,
    process: Option<Child>,
}

/// A running cluster. Killed and removed on drop; a watchdog kills its JVMs if the test process dies first.
#[derive(Debug)]
pub struct Kafka {
    pub version: Version,
    options: Options,
    dir: PathBuf,
    pub nodes: Vec<Node>,
    zookeeper: Option<(Child, u16)>,
    watchdog: Option<Child>,
    /// How long the start took (the slowest node ready), for docs/testing.md.
    pub started_in: Duration,
}

/// A JVM command on the version's jars, with its logging configured by `log_config` and its temporary files (the
/// compression codecs' native libraries, which a killed JVM leaves behind) in `tmp`.
pub(crate) fn java(version: Version, heap: &str, log_config: &Path, tmp: &Path) -> Command {
    let mut cmd = Command::new("java");
    cmd.arg(format!("-Xmx{heap}"))
        .arg(format!("-Djava.io.tmpdir={}", tmp.display()))
        .arg("-Xss1m")
        .arg("-XX:+UseSerialGC")
        .arg("-XX:+ExitOnOutOfMemoryError")
        .arg("-Djava.awt.headless=true")
        .arg(version.log_option(log_config))
        .arg("-cp")
        .arg(format!("{}/*", version.libs().display()));
    cmd
}

impl Kafka {
    /// Starts a single node of `version` with a PLAINTEXT listener.
    pub fn start(version: Version) -> Kafka {
        Kafka::start_with(Options::new(version))
    }

    /// Starts what `options` say; panics with the logs when a node is not ready within 120 s.
    pub fn start_with(options: Options) -> Kafka {
        let version = options.version;
        assert!(options.nodes == 1 || version.kraft(), "several nodes need KRaft");
        let started = Instant::now();
        let dir = scratch_dir(&format!("kafka-{}", version.number()));
        let nodes = (0..options.nodes)
            .map(|i| Node {
                id: i as i32 + 1,
                port: options.port.filter(|_| i == 0).unwrap_or_else(free_port),
                sasl_port: free_port(),
                ssl_port: free_port(),
                sasl_ssl_port: free_port(),
                mtls_port: free_port(),
                controller_port: free_port(),
                process: None,
            })
            .collect();
        let mut kafka =
            Kafka { version, options, dir, nodes, zookeeper: None, watchdog: None, started_in: Duration::ZERO };
        std::fs::write(kafka.dir.join("tools-log.properties"), version.log_config("WARN", None))
            .expect("write the tools' log configuration");
        kafka.watchdog = Some(crate::spawn_watchdog(&kafka.dir));
        if version.kraft() {
            kafka.format_storage();
        } else {
            kafka.start_zookeeper();
            if kafka.options.sasl {
                kafka.add_scram_users_in_zookeeper();
            }
        }
        for index in 0..kafka.nodes.len() {
            kafka.spawn_node(index);
        }
        for index in 0..kafka.nodes.len() {
            kafka.wait_ready(index, started);
        }
        kafka.wait_for_brokers(kafka.nodes.len());
        kafka.started_in = started.elapsed();
        kafka
    }

    fn node_dir(&self, index: usize) -> PathBuf {
        self.dir.join(format!("node-{}", self.nodes[index].id))
    }

    /// The node's server.properties.
    fn server_properties(&self, index: usize) -> String {
        let node = &self.nodes[index];
        let mut listeners = vec![format!("PLAINTEXT://127.0.0.1:{}", node.port)];
        let mut protocols = vec!["PLAINTEXT:PLAINTEXT".to_string()];
        let mut lines = Vec::new();
        if self.options.sasl {
            listeners.push(format!("SASL_PLAINTEXT://127.0.0.1:{}", node.sasl_port));
            protocols.push("SASL_PLAINTEXT:SASL_PLAINTEXT".into());
            lines.push("sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER".to_string());
            let mut names = vec!["sasl_plaintext"];
            if self.options.ssl.is_some() {
                listeners.push(format!("SASL_SSL://127.0.0.1:{}", node.sasl_ssl_port));
                protocols.push("SASL_SSL:SASL_SSL".into());
                names.push("sasl_ssl");
            }
            for name in names {
                // Unsecured tokens (no signature), as Kafka's own examples; a token must carry the scope "kafka".
                lines.push(format!(
                    "listener.name.{name}.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.\
                     oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"admin\" \
                     unsecuredValidatorRequiredScope=\"kafka\";"
                ));
                lines.push(format!(
                    "listener.name.{name}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.\
                     PlainLoginModule required username=\"admin\" password=\"admin-secret\" \
                     user_admin=\"admin-secret\" user_{SASL_USER}=\"{SASL_PASSWORD}\";"
                ));
                for mechanism in ["scram-sha-256", "scram-sha-512"] {
                    lines.push(format!(
                        "listener.name.{name}.{mechanism}.sasl.jaas.config=org.apache.kafka.common.security.\
                         scram.ScramLoginModule required;"
                    ));
                }
            }
        }
        if let Some(pki) = &self.options.ssl {
            listeners.push(format!("SSL://127.0.0.1:{}", node.ssl_port));
            protocols.push("SSL:SSL".into());
            lines.push(format!("ssl.keystore.location={}", pki.broker_keystore.display()));
            lines.push(format!("ssl.keystore.password={}", pki.broker_password));
            lines.push(format!("ssl.key.password={}", pki.broker_password));
            lines.push("ssl.keystore.type=JKS".into());
            lines.push("ssl.client.auth=none".into());
            // Mutual TLS on a listener of its own: clients must show a certificate the test CA signed.
            listeners.push(format!("MTLS://127.0.0.1:{}", node.mtls_port));
            protocols.push("MTLS:SSL".into());
            lines.push("listener.name.mtls.ssl.client.auth=required".into());
            lines.push(format!("listener.name.mtls.ssl.truststore.location={}", pki.truststore_jks.display()));
            lines.push(format!("listener.name.mtls.ssl.truststore.password={}", pki.truststore_password));
            lines.push("listener.name.mtls.ssl.truststore.type=JKS".into());
        }
        let advertised = listeners.join(",");
        let replication = self.nodes.len();
        if self.version.kraft() {
            listeners.push(format!("CONTROLLER://127.0.0.1:{}", node.controller_port));
            protocols.push("CONTROLLER:PLAINTEXT".into());
            let voters: Vec<String> =
                self.nodes.iter().map(|n| format!("{}@127.0.0.1:{}", n.id, n.controller_port)).collect();
            lines.push("process.roles=broker,controller".into());
            lines.push(format!("node.id={}", node.id));
            lines.push(format!("controller.quorum.voters={}", voters.join(",")));
            lines.push("controller.listener.names=CONTROLLER".into());
            // A stopped broker is fenced, and its partitions' leaders move, within seconds.
            lines.push("broker.heartbeat.interval.ms=500".into());
            lines.push("broker.session.timeout.ms=4000".into());
        } else {
            let zookeeper_port = self.zookeeper.as_ref().expect("ZooKeeper started").1;
            lines.push(format!("broker.id={}", node.id));
            lines.push(format!("zookeeper.connect=127.0.0.1:{zookeeper_port}"));
        }
        lines.extend([
            format!("listeners={}", listeners.join(",")),
            format!("advertised.listeners={advertised}"),
            format!("listener.security.protocol.map={}", protocols.join(",")),
            "inter.broker.listener.name=PLAINTEXT".into(),
            format!("log.dirs={}", self.node_dir(index).join("data").display()),
            format!("offsets.topic.replication.factor={replication}"),
            "offsets.topic.num.partitions=5".into(),
            format!("transaction.state.log.replication.factor={replication}"),
            "transaction.state.log.min.isr=1".into(),
            "transaction.state.log.num.partitions=5".into(),
            format!("share.coordinator.state.topic.replication.factor={replication}"),
            "share.coordinator.state.topic.min.isr=1".into(),
            "group.initial.rebalance.delay.ms=0".into(),
            "auto.create.topics.enable=false".into(),
            "delete.topic.enable=true".into(),
            "num.network.threads=2".into(),
            "num.io.threads=4".into(),
            "log.cleaner.dedupe.buffer.size=16777216".into(),
            "log.cleaner.backoff.ms=500".into(),
        ]);
        lines.extend(self.options.settings.iter().cloned());
        lines.join("\n") + "\n"
    }

    /// KRaft: formats every node's storage with one cluster id (and the SCRAM users).
    fn format_storage(&self) {
        let cluster_id = cluster_id();
        for index in 0..self.nodes.len() {
            let dir = self.node_dir(index);
            std::fs::create_dir_all(&dir).expect("node directory");
            let config = dir.join("server.properties");
            std::fs::write(&config, self.server_properties(index)).expect("write server.properties");
            let mut cmd = self.java(self.version, "256m", &self.dir.join("tools-log.properties"));
            cmd.arg("kafka.tools.StorageTool").arg("format").arg("-t").arg(&cluster_id).arg("-c").arg(&config);
            if self.options.sasl {
                for mechanism in ["SCRAM-SHA-256", "SCRAM-SHA-512"] {
                    cmd.arg("--add-scram").arg(format!("{mechanism}=[name={SASL_USER},password={SASL_PASSWORD}]"));
                }
            }
            let out = command(&mut cmd, None);
            assert_eq!(out.code, Some(0), "formatting the storage of {} failed: {out:?}", self.version);
        }
    }

    fn start_zookeeper(&mut self) {
        let port = free_port();
        let dir = self.dir.join("zookeeper");
        std::fs::create_dir_all(&dir).expect("ZooKeeper directory");
        let config = dir.join("zookeeper.properties");
        std::fs::write(
            &config,
            format!(
                "dataDir={}\nclientPort={port}\nclientPortAddress=127.0.0.1\nmaxClientCnxns=0\n\
                 admin.enableServer=false\n4lw.commands.whitelist=ruok\n",
                dir.join("data").display()
            ),
        )
        .expect("write zookeeper.properties");
        let log_config = dir.join("log.properties");
        std::fs::write(&log_config, self.version.log_config("INFO", Some(&dir.join("server.log"))))
            .expect("write the log configuration");
        let mut cmd = self.java(self.version, "128m", &log_config);
        cmd.arg("org.apache.zookeeper.server.quorum.QuorumPeerMain").arg(&config);
        let child = spawn(cmd, &dir);
        self.zookeeper = Some((child, port));
        let started = Instant::now();
        while !crate::kafka09::zookeeper_ok(port) {
            let exited = self.zookeeper.as_mut().is_some_and(|(c, _)| c.try_wait().ok().flatten().is_some());
            assert!(
                !exited && started.elapsed() < START_PATIENCE,
                "ZooKeeper of {} did not start ({} after {:.1} s)\n{}",
                self.version,
                if exited { "its JVM exited" } else { "not ready" },
                started.elapsed().as_secs_f64(),
                whole_logs(&[&dir.join("server.log"), &dir.join("stdout"), &dir.join("stderr")])
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// ZooKeeper mode: SCRAM credentials are stored in ZooKeeper before the broker starts.
    fn add_scram_users_in_zookeeper(&self) {
        let port = self.zookeeper.as_ref().expect("ZooKeeper started").1;
        let zookeeper = format!("127.0.0.1:{port}");
        let credentials = format!("SCRAM-SHA-256=[password={SASL_PASSWORD}],SCRAM-SHA-512=[password={SASL_PASSWORD}]");
        let out = self.tool(
            "kafka.admin.ConfigCommand",
            &[
                "--zookeeper",
                &zookeeper,
                "--alter",
                "--add-config",
                &credentials,
                "--entity-type",
                "users",
                "--entity-name",
                SASL_USER,
            ],
        );
        assert_eq!(out.code, Some(0), "adding the SCRAM user failed: {out:?}");
    }

    fn spawn_node(&mut self, index: usize) {
        let dir = self.node_dir(index);
        std::fs::create_dir_all(&dir).expect("node directory");
        let config = dir.join("server.properties");
        std::fs::write(&config, self.server_properties(index)).expect("write server.properties");
        let log = dir.join("server.log");
        let _ = std::fs::remove_file(&log);
        let log_config = dir.join("log.properties");
        std::fs::write(&log_config, self.version.log_config("INFO", Some(&log))).expect("write the log configuration");
        let mut cmd = self.java(self.version, self.options.heap, &log_config);
        cmd.arg("-Xms128m").args(&self.options.jvm).arg("kafka.Kafka").arg(&config);
        self.nodes[index].process = Some(spawn(cmd, &dir));
    }

    fn wait_ready(&mut self, index: usize, since: Instant) {
        let dir = self.node_dir(index);
        let log = dir.join("server.log");
        let id = self.nodes[index].id;
        let ready = |text: &str| {
            text.contains("Kafka Server started") || text.contains(&format!("[KafkaServer id={id}] started"))
        };
        let deadline = Instant::now() + START_PATIENCE;
        loop {
            if std::fs::read_to_string(&log).is_ok_and(|t| ready(&t)) {
                return;
            }
            let exited = self.nodes[index].process.as_mut().is_some_and(|c| c.try_wait().ok().flatten().is_some());
            if exited || Instant::now() > deadline {
                panic!(
                    "{} node {id} did not start ({} after {:.1} s)\n{}",
                    self.version,
                    if exited { "its JVM exited" } else { "not ready" },
                    since.elapsed().as_secs_f64(),
                    whole_logs(&[&log, &dir.join("stdout"), &dir.join("stderr")])
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the metadata lists `count` brokers.
    fn wait_for_brokers(&self, count: usize) {
        let consumer: BaseConsumer = self.client_config().create().expect("metadata client");
        let deadline = Instant::now() + START_PATIENCE;
        loop {
            if let Ok(metadata) = consumer.fetch_metadata(None, Duration::from_secs(5)) {
                if metadata.brokers().len() >= count {
                    return;
                }
            }
            if Instant::now() > deadline {
                let logs: Vec<PathBuf> = (0..self.nodes.len()).map(|i| self.node_dir(i).join("server.log")).collect();
                panic!(
                    "{} lists fewer than {count} brokers after {} s\n{}",
                    self.version,
                    START_PATIENCE.as_secs(),
                    whole_logs(&logs.iter().map(PathBuf::as_path).collect::<Vec<_>>())
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Every node's PLAINTEXT address.
    pub fn bootstrap(&self) -> String {
        self.addresses(|n| n.port)
    }

    /// One node's PLAINTEXT address.
    pub fn node_bootstrap(&self, id: i32) -> String {
        format!("127.0.0.1:{}", self.nodes[self.index_of(id)].port)
    }

    pub fn sasl_bootstrap(&self) -> String {
        assert!(self.options.sasl, "started without SASL");
        self.addresses(|n| n.sasl_port)
    }

    pub fn ssl_bootstrap(&self) -> String {
        assert!(self.options.ssl.is_some(), "started without SSL");
        self.addresses(|n| n.ssl_port)
    }

    /// The SASL_SSL listeners (started with both `sasl` and `ssl`).
    pub fn sasl_ssl_bootstrap(&self) -> String {
        assert!(self.options.sasl && self.options.ssl.is_some(), "started without SASL and SSL");
        self.addresses(|n| n.sasl_ssl_port)
    }

    /// The listeners that require a client certificate (started with `ssl`).
    pub fn mtls_bootstrap(&self) -> String {
        assert!(self.options.ssl.is_some(), "started without SSL");
        self.addresses(|n| n.mtls_port)
    }

    fn addresses(&self, port: fn(&Node) -> u16) -> String {
        let addresses: Vec<String> = self.nodes.iter().map(|n| format!("127.0.0.1:{}", port(n))).collect();
        addresses.join(",")
    }

    /// librdkafka settings for a test client.
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", self.bootstrap()).set("log_level", "0");
        config
    }

    /// Runs one of Kafka's tools (a main class of the jars), its log at WARN on stderr as in Kafka's scripts.
    pub fn tool(&self, class: &str, args: &[&str]) -> Output {
        self.tool_with_input(class, args, None)
    }

    /// A tool of another release run against this cluster (Kafka 4.4's tools read older brokers too).
    pub fn tool_of(&self, release: Version, class: &str, args: &[&str]) -> Output {
        self.tool_run(release, class, args, None)
    }

    /// A tool reading `stdin` (the console producer).
    pub fn tool_with_input(&self, class: &str, args: &[&str], stdin: Option<&str>) -> Output {
        self.tool_run(self.version, class, args, stdin)
    }

    /// A tool with more JVM options (`-Djava.security.krb5.conf=...`).
    pub fn tool_with_jvm(&self, class: &str, args: &[&str], jvm: &[String]) -> Output {
        self.tool_in(self.version, class, args, None, jvm)
    }

    fn tool_run(&self, release: Version, class: &str, args: &[&str], stdin: Option<&str>) -> Output {
        self.tool_in(release, class, args, stdin, &[])
    }

    fn tool_in(&self, release: Version, class: &str, args: &[&str], stdin: Option<&str>, jvm: &[String]) -> Output {
        let mut config = self.dir.join("tools-log.properties");
        if release != self.version {
            // Each release's log configuration: 4.x reads log4j2's.
            config = self.dir.join(format!("tools-log-{}.properties", release.number()));
            if !config.exists() {
                std::fs::write(&config, release.log_config("WARN", None)).expect("write a tool's log configuration");
            }
        }
        let mut cmd = self.java(release, "256m", &config);
        // Tools are short: the first compiler tier starts them faster, and so does a class-data archive (made by
        // the first tool run of the version, kept next to its jars: 1.4 s to 0.5 s a run).
        cmd.arg("-XX:TieredStopAtLevel=1").arg("-Xlog:disable").arg("-Xlog:all=error:stderr");
        let archive = release.libs().with_file_name("tools.jsa");
        let making = release.claim_archive(&archive);
        match &making {
            Some(partial) => cmd.arg(format!("-XX:ArchiveClassesAtExit={}", partial.display())),
            None if archive.exists() => cmd.arg(format!("-XX:SharedArchiveFile={}", archive.display())),
            None => &mut cmd,
        };
        cmd.args(jvm).arg(class).args(args);
        let out = command(&mut cmd, stdin);
        if let Some(partial) = making {
            let _ = std::fs::rename(partial, &archive);
        }
        out
    }

    /// A JVM of `release` whose temporary files stay in this cluster's directory (removed with it).
    fn java(&self, release: Version, heap: &str, log_config: &Path) -> Command {
        java(release, heap, log_config, &self.dir)
    }

    /// A JVM with this release's jars and the tools' logging, to run a class that keeps running (a client).
    pub fn java_client(&self, heap: &str) -> Command {
        self.java(self.version, heap, &self.dir.join("tools-log.properties"))
    }

    /// Kafka's GetOffsetShell (`kafka-get-offsets.sh`) on this cluster.
    pub fn get_offset_shell(&self, args: &[&str]) -> Output {
        let bootstrap = self.bootstrap();
        let flag = if self.version == Version::V2_8 { "--broker-list" } else { "--bootstrap-server" };
        let mut all = vec![flag, bootstrap.as_str()];
        all.extend_from_slice(args);
        self.tool(self.version.get_offset_shell(), &all)
    }

    /// Kafka's `kafka-consumer-groups.sh` on this cluster.
    pub fn consumer_groups(&self, args: &[&str]) -> Output {
        let bootstrap = self.bootstrap();
        let mut all = vec!["--bootstrap-server", bootstrap.as_str()];
        all.extend_from_slice(args);
        self.tool(self.version.consumer_groups(), &all)
    }

    /// Kafka's own console producer writes `key:value` lines to a topic with a codec (its Java producer, acks=all).
    pub fn console_produce(&self, topic: &str, codec: &str, lines: &[String]) {
        let bootstrap = self.bootstrap();
        let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let out = self.tool_with_input(
            self.version.console_producer(),
            &[
                "--bootstrap-server",
                &bootstrap,
                "--topic",
                topic,
                "--compression-codec",
                codec,
                "--request-required-acks",
                "all",
                "--property",
                "parse.key=true",
                "--property",
                "key.separator=:",
            ],
            Some(&input),
        );
        assert_eq!(out.code, Some(0), "{}'s console producer failed: {out:?}", self.version);
    }

    /// Creates a topic (settings `key=value`) and waits until every partition has a leader.
    pub fn create_topic(&self, name: &str, partitions: i32, settings: &[&str]) {
        let replication = self.nodes.len() as i32;
        let configs: Vec<(&str, &str)> =
            settings.iter().map(|s| s.split_once('=').expect("setting key=value")).collect();
        let mut topic = NewTopic::new(name, partitions, TopicReplication::Fixed(replication));
        for (key, value) in &configs {
            topic = topic.set(key, value);
        }
        let admin: AdminClient<DefaultClientContext> = self.client_config().create().expect("admin client");
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        let results = block_on(admin.create_topics([&topic], &options)).expect("create topic");
        for result in results {
            result.unwrap_or_else(|(topic, e)| panic!("cannot create topic {topic}: {e}"));
        }
        self.wait_for_leaders(name, partitions);
    }

    /// Waits until every partition of a topic has a leader.
    pub fn wait_for_leaders(&self, topic: &str, partitions: i32) {
        let consumer: BaseConsumer = self.client_config().create().expect("metadata client");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(metadata) = consumer.fetch_metadata(Some(topic), Duration::from_secs(5)) {
                let ready = metadata.topics().iter().any(|t| {
                    t.name() == topic
                        && t.error().is_none()
                        && t.partitions().len() == partitions as usize
                        && t.partitions().iter().all(|p| p.leader() >= 0)
                });
                if ready {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "topic {topic} has no leaders after 60 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The leader of a partition, by node id.
    pub fn leader(&self, topic: &str, partition: i32) -> i32 {
        let consumer: BaseConsumer = self.client_config().create().expect("metadata client");
        let metadata = consumer.fetch_metadata(Some(topic), Duration::from_secs(10)).expect("metadata");
        let topic = metadata.topics().iter().find(|t| t.name() == topic).expect("topic in metadata");
        topic.partitions().iter().find(|p| p.id() == partition).expect("partition in metadata").leader()
    }

    fn index_of(&self, id: i32) -> usize {
        self.nodes.iter().position(|n| n.id == id).unwrap_or_else(|| panic!("no node {id}"))
    }

    /// Stops a node: SIGTERM is a controlled shutdown (its leaders move first), SIGKILL a crash.
    pub fn stop_node(&mut self, id: i32, signal: &str) {
        let index = self.index_of(id);
        let mut child = self.nodes[index].process.take().expect("node running");
        let status =
            Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
        let _ = child.wait();
    }

    /// Starts a stopped node again (its data kept) and waits until it is back in the metadata.
    pub fn restart_node(&mut self, id: i32) {
        let index = self.index_of(id);
        let started = Instant::now();
        self.spawn_node(index);
        self.wait_ready(index, started);
        self.wait_for_brokers(self.nodes.len());
    }

    /// Sends a signal (STOP, CONT, ...) to a node's JVM.
    pub fn signal_node(&self, id: i32, signal: &str) {
        let index = self.index_of(id);
        let pid = self.nodes[index].process.as_ref().expect("node running").id();
        let status = Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).status().expect("run kill");
        assert!(status.success(), "kill -{signal} {pid} failed");
    }

    /// The directory of this cluster's files (logs, configurations).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// A KRaft cluster id: 16 bytes (from the clock and the process id) in URL-safe base64 without padding.
fn cluster_id() -> String {
    const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos();
    let mut bytes = (nanos ^ (u128::from(std::process::id()) << 96)).to_be_bytes().to_vec();
    bytes.push(0);
    bytes.push(0);
    let mut id = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            id.push(DIGITS[(n >> shift) as usize & 63] as char);
        }
    }
    id.truncate(22);
    id
}

/// Starts a JVM with its stdout and stderr in `dir`.
fn spawn(mut cmd: Command, dir: &Path) -> Child {
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("stdout")).expect("log file"))
        .stderr(std::fs::File::create(dir.join("stderr")).expect("log file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start java: {e}"))
}

/// Runs a future of librdkafka's admin client to completion on this thread (it completes on librdkafka's own
/// threads: polling now and then is enough).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    struct Nothing;
    impl std::task::Wake for Nothing {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Nothing));
    let mut context = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut context) {
            return out;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

impl Drop for Kafka {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut child) = node.process.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        if let Some((mut child, _)) = self.zookeeper.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        if std::env::var_os("OFFSET_TOOLS_KEEP_BROKER_DIRS").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
