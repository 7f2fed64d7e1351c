//! A Kafka Streams application of the streams rebalance protocol (KIP-1071, `group.protocol=streams`), built by the
//! tests from a small topology against Kafka 4.4.0's kafka-streams jar: it reads an input topic, counts the records
//! by value (a repartition topic and a changelog, its internal topics) and writes the counts to an output topic. Its
//! group is a streams group, whose offsets Kafka's `kafka-streams-groups.sh` and reset-offsets reset.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::kafka::{Kafka, Version};
use crate::run::command;
use crate::typed_groups::streams_groups;
use crate::{scratch_dir, START_PATIENCE};

const SOURCE: &str = r#"
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;

/** args: bootstrap, application id, input topic, output topic, state directory. Runs until killed. */
public class CountByValue {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", args[0]);
        props.put("application.id", args[1]);
        props.put("group.protocol", "streams");
        props.put("state.dir", args[4]);
        props.put("commit.interval.ms", "200");
        props.put("auto.offset.reset", "earliest");
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(args[2], Consumed.with(Serdes.String(), Serdes.String()))
            .groupBy((key, value) -> value, Grouped.with(Serdes.String(), Serdes.String()))
            .count()
            .toStream()
            .to(args[3], Produced.with(Serdes.String(), Serdes.Long()));
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> { streams.close(); stopped.countDown(); }));
        streams.start();
        stopped.await();
    }
}
"#;

/// The compiled application's class directory (compiled once per test binary, with javac from the JDK that
/// scripts/ensure-java.sh installs).
fn classes() -> PathBuf {
    static CLASSES: OnceLock<PathBuf> = OnceLock::new();
    CLASSES
        .get_or_init(|| {
            let dir = scratch_dir("streams-app");
            let source = dir.join("CountByValue.java");
            std::fs::write(&source, SOURCE).expect("write the application's source");
            let libs = format!("{}/*", Version::V4_4.libs().display());
            let out = command(Command::new("javac").args(["-d"]).arg(&dir).args(["-cp", &libs]).arg(&source), None);
            assert_eq!(out.code, Some(0), "javac (a JDK is needed; scripts/ensure-java.sh installs one): {out:?}");
            dir
        })
        .clone()
}

/// A running instance of the application, stopped (closed, leaving its group) when dropped.
pub struct StreamsApp {
    child: Child,
    pub application_id: String,
}

impl StreamsApp {
    /// Starts the application on `input`, and waits until its group is Stable (it has its tasks).
    pub fn start(kafka: &Kafka, application_id: &str, input: &str, output: &str) -> StreamsApp {
        let state = scratch_dir("streams-state");
        let classpath = format!("{}:{}/*", classes().display(), kafka.version.libs().display());
        let child = kafka
            .java_client("384m")
            .args(["-cp", &classpath, "CountByValue", &kafka.bootstrap(), application_id, input, output])
            .arg(&state)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the streams application");
        let app = StreamsApp { child, application_id: application_id.to_string() };
        wait_streams_state(kafka, application_id, "Stable");
        app
    }

    /// Stops the application (SIGTERM: it closes and leaves its group) and waits until the group is empty.
    pub fn stop(mut self, kafka: &Kafka) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
        wait_streams_state(kafka, &self.application_id, "Empty");
    }
}

impl Drop for StreamsApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The group's state as Kafka's `kafka-streams-groups.sh --describe --state` shows it.
pub fn streams_state(kafka: &Kafka, group: &str) -> Option<String> {
    let out = streams_groups(kafka, &["--describe", "--group", group, "--state"]);
    let line = out.stdout.lines().find(|l| l.starts_with(group))?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    // GROUP  COORDINATOR (ID)  ASSIGNOR  STATE  #MEMBERS: the state is the one before the member count.
    fields.get(fields.len().checked_sub(2)?).map(|s| s.to_string())
}

pub fn wait_streams_state(kafka: &Kafka, group: &str, state: &str) {
    let deadline = Instant::now() + START_PATIENCE;
    loop {
        let now = streams_state(kafka, group);
        if now.as_deref() == Some(state) {
            return;
        }
        assert!(Instant::now() < deadline, "streams group {group} is {now:?}, not {state}, after {START_PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(500));
    }
}
