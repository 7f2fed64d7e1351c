//! The Kafka releases the tests run on: where their jars are, which of Kafka's tools each has, and how each logs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::workspace_root;

/// The Kafka releases the tests run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    V2_8,
    V3_9,
    V4_1,
    V4_4,
}

impl Version {
    pub const ALL: [Version; 4] = [Version::V2_8, Version::V3_9, Version::V4_1, Version::V4_4];

    /// The release, as Maven names it.
    pub fn number(self) -> &'static str {
        match self {
            Version::V2_8 => "2.8.2",
            Version::V3_9 => "3.9.1",
            Version::V4_1 => "4.1.1",
            Version::V4_4 => "4.4.0",
        }
    }

    /// KRaft (no ZooKeeper): 3.9 and newer here.
    pub fn kraft(self) -> bool {
        self >= Version::V3_9
    }

    /// The jars, fetched on first use (once per process and version).
    pub fn libs(self) -> PathBuf {
        static FETCHED: [OnceLock<PathBuf>; 4] = [const { OnceLock::new() }; 4];
        FETCHED[self as usize]
            .get_or_init(|| {
                let script = workspace_root().join("scripts/fetch-kafka.sh");
                let out = Command::new(&script)
                    .arg(self.number())
                    .output()
                    .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
                assert!(
                    out.status.success(),
                    "{} {} failed: {}",
                    script.display(),
                    self.number(),
                    String::from_utf8_lossy(&out.stderr)
                );
                PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("libs")
            })
            .clone()
    }

    /// GetOffsetShell's class: Scala's in 2.8, the Java tool from 3.7.
    pub fn get_offset_shell(self) -> &'static str {
        match self {
            Version::V2_8 => "kafka.tools.GetOffsetShell",
            _ => "org.apache.kafka.tools.GetOffsetShell",
        }
    }

    /// `kafka-consumer-groups.sh`'s class: Scala's up to 3.7, the Java tool from 3.8.
    pub fn consumer_groups(self) -> &'static str {
        match self {
            Version::V2_8 => "kafka.admin.ConsumerGroupCommand",
            _ => "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
        }
    }

    /// `kafka-topics.sh`'s class.
    pub fn topic_command(self) -> &'static str {
        match self {
            Version::V2_8 => "kafka.admin.TopicCommand",
            _ => "org.apache.kafka.tools.TopicCommand",
        }
    }

    /// `kafka-configs.sh`'s class: Scala's up to 4.1, the Java tool from 4.2.
    pub fn config_command(self) -> &'static str {
        match self {
            Version::V4_4 => "org.apache.kafka.tools.ConfigCommand",
            _ => "kafka.admin.ConfigCommand",
        }
    }

    /// `kafka-console-producer.sh`'s class.
    pub fn console_producer(self) -> &'static str {
        match self {
            Version::V2_8 | Version::V3_9 => "kafka.tools.ConsoleProducer",
            _ => "org.apache.kafka.tools.ConsoleProducer",
        }
    }

    /// The first caller for a version without a class-data archive gets the path to make it at.
    pub(super) fn claim_archive(self, archive: &Path) -> Option<PathBuf> {
        static CLAIMED: [std::sync::atomic::AtomicBool; 4] = [const { std::sync::atomic::AtomicBool::new(false) }; 4];
        let first = !CLAIMED[self as usize].swap(true, std::sync::atomic::Ordering::SeqCst);
        (first && !archive.exists()).then(|| archive.with_extension(format!("jsa.{}", std::process::id())))
    }

    pub(super) fn log4j2(self) -> bool {
        self >= Version::V4_1
    }

    /// The JVM options that point Kafka's logging at a configuration file.
    pub fn log_option(self, config: &Path) -> String {
        if self.log4j2() {
            format!("-Dlog4j2.configurationFile={}", config.display())
        } else {
            format!("-Dlog4j.configuration=file:{}", config.display())
        }
    }

    /// A logging configuration: everything from `level` up, to `file` or to stderr.
    pub fn log_config(self, level: &str, file: Option<&Path>) -> String {
        let pattern = "[%d] %p %m (%c)%n";
        match (self.log4j2(), file) {
            (true, Some(file)) => format!(
                "appender.out.type=File\nappender.out.name=out\nappender.out.fileName={}\n\
                 appender.out.layout.type=PatternLayout\nappender.out.layout.pattern={pattern}\n\
                 rootLogger.level={level}\nrootLogger.appenderRef.out.ref=out\n",
                file.display()
            ),
            (true, None) => format!(
                "appender.out.type=Console\nappender.out.name=out\nappender.out.target=SYSTEM_ERR\n\
                 appender.out.layout.type=PatternLayout\nappender.out.layout.pattern={pattern}\n\
                 rootLogger.level={level}\nrootLogger.appenderRef.out.ref=out\n"
            ),
            (false, Some(file)) => format!(
                "log4j.rootLogger={level}, out\nlog4j.appender.out=org.apache.log4j.FileAppender\n\
                 log4j.appender.out.File={}\nlog4j.appender.out.layout=org.apache.log4j.PatternLayout\n\
                 log4j.appender.out.layout.ConversionPattern={pattern}\n",
                file.display()
            ),
            (false, None) => format!(
                "log4j.rootLogger={level}, out\nlog4j.appender.out=org.apache.log4j.ConsoleAppender\n\
                 log4j.appender.out.Target=System.err\nlog4j.appender.out.layout=org.apache.log4j.PatternLayout\n\
                 log4j.appender.out.layout.ConversionPattern={pattern}\n"
            ),
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kafka {}", self.number())
    }
}
