//! Client settings: the bootstrap list, the `--command-config` Java properties file and its translation into
//! librdkafka settings, the timeout, and the protocol generation of old brokers.

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaConfRes;

use crate::error::{Error, Result};
use crate::probe::BrokerGeneration;

/// One `host:port` of a bootstrap list. IPv6 hosts are written `[::1]:9092`.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Reads a Java `.properties` file (full syntax: `=` or `:`, escapes, line continuations, comments), keeping the
/// order of the keys.
pub fn load_properties(path: &str) -> Result<Vec<(String, String)>> {
    let input_error = |reason: String| Error::InputFile { what: "--command-config", path: path.to_string(), reason };
    let file = File::open(path).map_err(|e| input_error(format!("cannot open: {e}")))?;
    let mut properties: Vec<(String, String)> = Vec::new();
    java_properties::PropertiesIter::new(BufReader::new(file))
        .read_into(|key, value| {
            properties.retain(|(k, _)| *k != key);
            properties.push((key, value));
        })
        .map_err(|e| {
            let reason = match e.line_number() {
                Some(line) => format!("line {line}: {e}"),
                None => e.to_string(),
            };
            input_error(reason)
        })?;
    Ok(properties)
}

/// The outcome of translating `--command-config` properties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Translated {
    /// librdkafka settings, in file order.
    pub settings: Vec<(String, String)>,
    /// A timeout given in the file (`default.api.timeout.ms`, else `request.timeout.ms`).
    pub timeout: Option<Duration>,
    /// One line per key that was ignored.
    pub warnings: Vec<String>,
}

/// Translates Java client properties into librdkafka settings. `bootstrap.servers` is dropped because the command
/// line always decides it (as in Kafka's tools).
pub fn translate(properties: &[(String, String)]) -> Result<Translated> {
    let mut out = Translated::default();
    let mut api_timeout = None;
    let mut request_timeout = None;
    for (key, value) in properties {
        match key.as_str() {
            "bootstrap.servers" => {}
            "default.api.timeout.ms" | "request.timeout.ms" => {
                let ms: u64 = value
                    .trim()
                    .parse()
                    .map_err(|_| Error::Usage(format!("--command-config: {key} must be a number of milliseconds")))?;
                if key == "default.api.timeout.ms" {
                    api_timeout = Some(Duration::from_millis(ms));
                } else {
                    request_timeout = Some(Duration::from_millis(ms));
                }
            }
            _ => match check_librdkafka_setting(key, value) {
                Ok(()) => out.settings.push((key.clone(), value.clone())),
                Err(SettingProblem::Unknown) => {
                    out.warnings.push(format!("ignoring '{key}' from --command-config: librdkafka has no such setting"))
                }
                Err(SettingProblem::Invalid(reason)) => {
                    return Err(Error::Usage(format!("--command-config: invalid value for '{key}': {reason}")))
                }
            },
        }
    }
    out.timeout = api_timeout.or(request_timeout);
    Ok(out)
}

enum SettingProblem {
    Unknown,
    Invalid(String),
}

/// Asks librdkafka whether it accepts one setting. The value is never echoed back: it may be a secret.
fn check_librdkafka_setting(key: &str, value: &str) -> std::result::Result<(), SettingProblem> {
    match ClientConfig::new().set(key, value).create_native_config() {
        Ok(_) => Ok(()),
        Err(KafkaError::ClientConfig(RDKafkaConfRes::RD_KAFKA_CONF_UNKNOWN, ..)) => Err(SettingProblem::Unknown),
        Err(KafkaError::ClientConfig(_, description, ..)) => {
            Err(SettingProblem::Invalid(description.replace(value, "<value>")))
        }
        Err(other) => Err(SettingProblem::Invalid(other.to_string().replace(value, "<value>"))),
    }
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

/// Everything needed to create a client.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub bootstrap: Vec<BrokerAddress>,
    pub client_id: String,
    pub timeout: Duration,
    pub protocol: ProtocolChoice,
    /// Translated `--command-config` settings.
    pub settings: Vec<(String, String)>,
    /// Forward librdkafka's own log lines to stderr.
    pub verbose: bool,
}

impl ClientSettings {
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// `security.protocol` as librdkafka will see it (lower case).
    pub fn security_protocol(&self) -> String {
        self.setting("security.protocol").unwrap_or("plaintext").to_ascii_lowercase()
    }

    /// The librdkafka configuration for a cluster of the given generation.
    pub fn rdkafka_config(&self, generation: Option<&BrokerGeneration>) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", bootstrap_string(&self.bootstrap));
        config.set("client.id", &self.client_id);
        let ms = self.timeout.as_millis().clamp(1000, i32::MAX as u128).to_string();
        config.set("socket.connection.setup.timeout.ms", &ms);
        config.set("socket.timeout.ms", &ms);
        config.set("enable.auto.commit", "false");
        config.set("enable.auto.offset.store", "false");
        if generation == Some(&BrokerGeneration::Legacy) {
            // Kafka 0.9 does not answer ApiVersions; without these every call fails after a 10 s wait.
            config.set("api.version.request", "false");
            config.set("broker.version.fallback", "0.9.0.1");
        }
        for (key, value) in &self.settings {
            config.set(key, value);
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn translation_passes_librdkafka_keys_and_warns_on_others() {
        let props = vec![
            ("bootstrap.servers".to_string(), "elsewhere:1".to_string()),
            ("client.id".to_string(), "ops".to_string()),
            ("security.protocol".to_string(), "PLAINTEXT".to_string()),
            ("no.such.key".to_string(), "x".to_string()),
            ("default.api.timeout.ms".to_string(), "1500".to_string()),
        ];
        let t = translate(&props).unwrap();
        assert_eq!(
            t.settings,
            vec![("client.id".into(), "ops".into()), ("security.protocol".into(), "PLAINTEXT".into())]
        );
        assert_eq!(t.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(t.warnings, vec!["ignoring 'no.such.key' from --command-config: librdkafka has no such setting"]);
    }

    #[test]
    fn invalid_values_are_errors_without_the_value() {
        let props = vec![("security.protocol".to_string(), "s3cr3t-nonsense".to_string())];
        let err = translate(&props).unwrap_err().to_string();
        assert!(err.starts_with("--command-config: invalid value for 'security.protocol'"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
    }
}
