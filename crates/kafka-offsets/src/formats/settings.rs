//! Client settings: the bootstrap list, the timeout, how to find out the protocol generation of old brokers, and
//! the security settings translated from `--command-config` (see `command_config`).

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};

/// One `host:port` of a bootstrap list. IPv6 hosts are written `[::1]:9092`.
#[derive(Default, Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BrokerAddress {
    pub host: String,
    pub port: u16,
}

impl fmt::Display for BrokerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Parses a comma-separated `host:port` list with Kafka's messages for what does not parse.
pub fn parse_bootstrap(raw: &str) -> Result<Vec<BrokerAddress>> {
    if raw.trim().is_empty() {
        return Err(Error::EmptyBootstrap);
    }
    raw.split(',')
        .map(|item| {
            let item = item.trim();
            let (host, port) = item.rsplit_once(':').ok_or(Error::InvalidBootstrap)?;
            let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
            let port: u16 = port.parse().map_err(|_| Error::InvalidBootstrap)?;
            if host.is_empty() || port == 0 || host.contains(char::is_whitespace) {
                return Err(Error::InvalidBootstrap);
            }
            Ok(BrokerAddress { host: host.to_string(), port })
        })
        .collect()
}

pub fn bootstrap_string(servers: &[BrokerAddress]) -> String {
    servers.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(",")
}

/// How to find out the brokers' protocol generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProtocolChoice {
    /// Probe the first reachable bootstrap server.
    #[default]
    Auto,
    /// Kafka 0.9 (or older): no ApiVersions request.
    Legacy,
    /// Kafka 0.10 or newer.
    Modern,
}

impl std::str::FromStr for ProtocolChoice {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "auto" => Ok(ProtocolChoice::Auto),
            "legacy" | "0.9" => Ok(ProtocolChoice::Legacy),
            "modern" | "0.10+" => Ok(ProtocolChoice::Modern),
            _ => Err(format!("unknown broker protocol '{s}' (expected auto, legacy or modern)")),
        }
    }
}

/// Where `--verbose` lines go: the binary decides (stderr); the library only calls it.
#[derive(Clone)]
pub struct Trace(Arc<dyn Fn(&str) + Send + Sync>);

impl Trace {
    pub fn new(emit: impl Fn(&str) + Send + Sync + 'static) -> Trace {
        Trace(Arc::new(emit))
    }

    pub fn emit(&self, line: &str) {
        (self.0)(line)
    }
}

impl fmt::Debug for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Trace")
    }
}

/// Signals a run is asked to stop by. The binary catches SIGINT and SIGTERM into it once `catch` is called (before the
/// first commit: until then a signal ends the process at once, as nothing has been committed); the library checks it
/// at safe points and while it waits for answers. It installs no handler itself.
#[derive(Clone, Default)]
pub struct StopSignal {
    received: Arc<AtomicUsize>,
    catch: Option<Arc<dyn Fn(Arc<AtomicUsize>) + Send + Sync>>,
}

impl StopSignal {
    /// `catch` installs the handlers that store a signal's number into the given flag.
    pub fn new(catch: impl Fn(Arc<AtomicUsize>) + Send + Sync + 'static) -> StopSignal {
        StopSignal { received: Arc::new(AtomicUsize::new(0)), catch: Some(Arc::new(catch)) }
    }

    /// From now on, signals are noted instead of ending the process.
    pub fn catch(&self) {
        if let Some(catch) = &self.catch {
            catch(Arc::clone(&self.received));
        }
    }

    /// The signal received since `catch`, if any.
    pub fn received(&self) -> Option<i32> {
        match self.received.load(Ordering::Relaxed) {
            0 => None,
            signal => i32::try_from(signal).ok(),
        }
    }
}

impl fmt::Debug for StopSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopSignal").field("received", &self.received()).finish()
    }
}

/// Everything needed to reach a cluster. Its `Debug` hides the secrets (passwords, keys), as `--dump-config` does.
#[derive(Clone)]
pub struct ClientSettings {
    pub bootstrap: Vec<BrokerAddress>,
    pub client_id: String,
    pub timeout: Duration,
    pub protocol: ProtocolChoice,
    /// Settings translated from `--command-config` (security, client.id, isolation.level).
    pub settings: Vec<(String, String)>,
    /// `--verbose`: connections and rounds of requests, with their timings.
    pub trace: Option<Trace>,
    pub stop: StopSignal,
}

impl std::fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let settings: Vec<(&str, &str)> = self
            .settings
            .iter()
            .map(|(k, v)| {
                (k.as_str(), if crate::formats::command_config::is_secret(k) { "[hidden]" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("ClientSettings")
            .field("bootstrap", &self.bootstrap)
            .field("client_id", &self.client_id)
            .field("timeout", &self.timeout)
            .field("protocol", &self.protocol)
            .field("settings", &settings)
            .finish_non_exhaustive()
    }
}

impl ClientSettings {
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// `security.protocol`, lower case.
    pub fn security_protocol(&self) -> String {
        self.setting("security.protocol").unwrap_or("plaintext").to_ascii_lowercase()
    }

    /// ListOffsets' isolation level: 1 for `isolation.level=read_committed`, else 0.
    pub fn isolation_level(&self) -> i8 {
        i8::from(self.setting("isolation.level").is_some_and(|l| l.eq_ignore_ascii_case("read_committed")))
    }

    /// The settings a run uses, in the order they apply, for `--dump-config`.
    pub fn effective(&self) -> Vec<(String, String)> {
        let mut settings: Vec<(String, String)> = vec![
            ("bootstrap.servers".into(), bootstrap_string(&self.bootstrap)),
            ("client.id".into(), self.client_id.clone()),
            ("timeout.ms".into(), self.timeout.as_millis().to_string()),
        ];
        settings.extend(self.settings.iter().filter(|(k, _)| k != "client.id").cloned());
        settings
    }
}

/// What both binaries take from their command line to reach a cluster.
#[derive(Debug, Clone)]
pub struct ConnectionFlags<'a> {
    pub bootstrap: &'a str,
    /// Only `--dump-config`: the servers may be left out.
    pub dump_only: bool,
    pub command_config: Option<&'a str>,
    pub timeout_ms: Option<u64>,
    pub protocol: ProtocolChoice,
    pub verbose: bool,
    pub client_id: &'a str,
}

/// Default bound for each call when neither `--timeout` nor the properties file give one (Kafka 4.x's default).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

impl ConnectionFlags<'_> {
    /// Validates the bootstrap list, reads and translates `--command-config`; returns the settings and the
    /// warnings to print.
    pub fn settings(&self) -> crate::Result<(ClientSettings, Vec<String>)> {
        self.settings_with(None, StopSignal::default())
    }

    /// [`settings`](Self::settings) with a trace for `--verbose` and the run's stop signal.
    pub fn settings_with(
        &self,
        trace: Option<Trace>,
        stop: StopSignal,
    ) -> crate::Result<(ClientSettings, Vec<String>)> {
        // --dump-config never connects: it needs no servers.
        let bootstrap =
            if self.bootstrap.is_empty() && self.dump_only { Vec::new() } else { parse_bootstrap(self.bootstrap)? };
        let properties = match self.command_config {
            Some(path) => crate::formats::command_config::load(path)?,
            None => Vec::new(),
        };
        let mut translated = crate::formats::command_config::translate(&properties)?;
        aws_region(&mut translated.settings, &bootstrap, &|name| std::env::var(name).ok());
        let timeout = self.timeout_ms.map(Duration::from_millis).or(translated.timeout).unwrap_or(DEFAULT_TIMEOUT);
        let client_id = translated
            .settings
            .iter()
            .rev()
            .find(|(k, _)| k == "client.id")
            .map_or_else(|| self.client_id.to_string(), |(_, v)| v.clone());
        let settings = ClientSettings {
            bootstrap,
            client_id,
            timeout,
            protocol: self.protocol,
            settings: translated.settings,
            trace: if self.verbose { trace } else { None },
            stop,
        };
        Ok((settings, translated.warnings))
    }
}

/// AWS MSK IAM signs for the cluster's region: `AWS_REGION` (`AWS_DEFAULT_REGION`), else the one in a bootstrap
/// server's MSK host name. Shown by `--dump-config` as it will be used.
fn aws_region(settings: &mut Vec<(String, String)>, bootstrap: &[BrokerAddress], env: &dyn Fn(&str) -> Option<String>) {
    let msk = settings.iter().rev().find(|(k, _)| k == "sasl.mechanisms").is_some_and(|(_, v)| v == "AWS_MSK_IAM");
    if !msk || settings.iter().any(|(k, _)| k == "sasl.aws.region") {
        return;
    }
    let region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|name| env(name).filter(|r| !r.trim().is_empty()))
        .or_else(|| bootstrap.iter().find_map(|b| region_from_host(&b.host)));
    if let Some(region) = region {
        settings.push(("sasl.aws.region".into(), region.trim().to_string()));
    }
}

/// The AWS region in an MSK broker's host name (`b-1.name.x1.c2.kafka.eu-west-1.amazonaws.com`, serverless
/// `boot-x.c1.kafka-serverless.us-east-1.amazonaws.com`, China's `...amazonaws.com.cn`).
pub fn region_from_host(host: &str) -> Option<String> {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let aws = labels.iter().rposition(|l| l.eq_ignore_ascii_case("amazonaws"))?;
    let region = labels.get(aws.checked_sub(1)?)?;
    let service = labels.get(aws.checked_sub(2)?)?;
    let looks_like_region = region.split('-').count() >= 3
        && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    (service.starts_with("kafka") && looks_like_region).then(|| region.to_string())
}

/// `--dump-config`: the effective client settings, secrets hidden, as `key=value` lines.
pub fn dump(settings: &ClientSettings) -> Vec<String> {
    let mut lines = vec!["# client settings (secrets hidden)".to_string()];
    lines.extend(crate::formats::command_config::describe(&settings.effective()));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_come_from_msk_host_names() {
        let region = |h: &str| region_from_host(h);
        assert_eq!(region("b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com").as_deref(), Some("eu-west-1"));
        assert_eq!(region("boot-x.c1.kafka-serverless.us-east-1.amazonaws.com").as_deref(), Some("us-east-1"));
        assert_eq!(region("b-2.x.y.c3.kafka.cn-north-1.amazonaws.com.cn").as_deref(), Some("cn-north-1"));
        assert_eq!(region("b-1.x.kafka.us-gov-west-1.amazonaws.com.").as_deref(), Some("us-gov-west-1"));
        for other in [
            "127.0.0.1",
            "kafka.example.com",
            "s3.eu-west-1.amazonaws.com",
            "amazonaws.com",
            "x.kafka.EU.amazonaws.com",
        ] {
            assert_eq!(region(other), None, "{other}");
        }
    }

    #[test]
    fn msk_iam_region_from_the_environment_else_the_bootstrap_host() {
        let msk = || vec![("sasl.mechanisms".to_string(), "AWS_MSK_IAM".to_string())];
        let hosts = parse_bootstrap("127.0.0.1:9092,b-1.x.c2.kafka.eu-west-1.amazonaws.com:9098").unwrap();
        let region = |settings: &mut Vec<(String, String)>, env: &dyn Fn(&str) -> Option<String>| {
            aws_region(settings, &hosts, env);
            settings.iter().find(|(k, _)| k == "sasl.aws.region").map(|(_, v)| v.clone())
        };
        assert_eq!(region(&mut msk(), &|_| None).as_deref(), Some("eu-west-1"));
        let env = |name: &str| (name == "AWS_DEFAULT_REGION").then(|| "us-east-2".to_string());
        assert_eq!(region(&mut msk(), &env).as_deref(), Some("us-east-2"));
        let mut plain = vec![("sasl.mechanisms".to_string(), "PLAIN".to_string())];
        assert_eq!(region(&mut plain, &env), None);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let settings = ClientSettings {
            bootstrap: parse_bootstrap("127.0.0.1:9092").unwrap(),
            client_id: "t".into(),
            timeout: Duration::from_secs(1),
            protocol: ProtocolChoice::Auto,
            settings: vec![
                ("sasl.username".into(), "alice".into()),
                ("sasl.password".into(), "s3cret-Zq".into()),
                ("ssl.key.password".into(), "k3y-Zq".into()),
            ],
            trace: None,
            stop: StopSignal::default(),
        };
        let shown = format!("{settings:?} {settings:#?}");
        assert!(!shown.contains("s3cret-Zq") && !shown.contains("k3y-Zq"), "{shown}");
        assert!(shown.contains("alice") && shown.contains("[hidden]"), "{shown}");
    }

    #[test]
    fn bootstrap_lists() {
        let servers = parse_bootstrap("127.0.0.1:9092, localhost:9093,[::1]:9094").unwrap();
        assert_eq!(servers[0], BrokerAddress { host: "127.0.0.1".into(), port: 9092 });
        assert_eq!(servers[1], BrokerAddress { host: "localhost".into(), port: 9093 });
        assert_eq!(servers[2], BrokerAddress { host: "::1".into(), port: 9094 });
        assert_eq!(bootstrap_string(&servers), "127.0.0.1:9092,localhost:9093,[::1]:9094");
    }

    #[test]
    fn bad_bootstrap_lists_use_kafka_messages() {
        for bad in ["127.0.0.1", "host:", ":9092", "host:abc", "host:70000", "a:1,b", "host:0"] {
            assert_eq!(
                parse_bootstrap(bad).unwrap_err().to_string(),
                "Please provide valid host:port like host1:9091,host2:9092",
                "{bad}"
            );
        }
        assert_eq!(parse_bootstrap(" ").unwrap_err().to_string(), "Error while validating the bootstrap address");
    }
}
