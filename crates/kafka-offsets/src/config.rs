//! Client settings: the bootstrap list, the timeout, the protocol generation of old brokers, and the librdkafka
//! configuration they make (with the settings translated from `--command-config`, see `command_config`).

use std::fmt;
use std::time::Duration;

use rdkafka::config::ClientConfig;

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

    /// The librdkafka settings for a cluster of the given generation, in the order they are applied (the
    /// `--command-config` ones last, so they win).
    pub fn effective(&self, generation: Option<&BrokerGeneration>) -> Vec<(String, String)> {
        let ms = self.timeout.as_millis().clamp(1000, i32::MAX as u128).to_string();
        let mut settings: Vec<(String, String)> = vec![
            ("bootstrap.servers".into(), bootstrap_string(&self.bootstrap)),
            ("client.id".into(), self.client_id.clone()),
            ("socket.connection.setup.timeout.ms".into(), ms.clone()),
            ("socket.timeout.ms".into(), ms),
            ("enable.auto.commit".into(), "false".into()),
            ("enable.auto.offset.store".into(), "false".into()),
        ];
        if generation == Some(&BrokerGeneration::Legacy) {
            // Kafka 0.9 does not answer ApiVersions; without these every call fails after a 10 s wait.
            settings.push(("api.version.request".into(), "false".into()));
            settings.push(("broker.version.fallback".into(), "0.9.0.1".into()));
        }
        settings.extend(self.settings.iter().cloned());
        settings
    }

    /// The librdkafka configuration for a cluster of the given generation.
    pub fn rdkafka_config(&self, generation: Option<&BrokerGeneration>) -> ClientConfig {
        let mut config = ClientConfig::new();
        for (key, value) in self.effective(generation) {
            config.set(key, value);
        }
        config
    }
}

/// What both binaries take from their command line to reach a cluster.
#[derive(Debug, Clone)]
pub struct ConnectionFlags<'a> {
    pub bootstrap: &'a str,
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
        let bootstrap = parse_bootstrap(self.bootstrap)?;
        let properties = match self.command_config {
            Some(path) => crate::command_config::load(path)?,
            None => Vec::new(),
        };
        let translated = crate::command_config::translate(&properties)?;
        let timeout = self.timeout_ms.map(Duration::from_millis).or(translated.timeout).unwrap_or(DEFAULT_TIMEOUT);
        let settings = ClientSettings {
            bootstrap,
            client_id: self.client_id.to_string(),
            timeout,
            protocol: self.protocol,
            settings: translated.settings,
            verbose: self.verbose,
        };
        Ok((settings, translated.warnings))
    }
}

/// `--dump-config`: the effective librdkafka settings, secrets hidden, as `key=value` lines.
pub fn dump(settings: &ClientSettings) -> Vec<String> {
    let mut lines =
        vec!["# librdkafka settings (secrets hidden); on a Kafka 0.9 broker, api.version.request=false and \
                          broker.version.fallback=0.9.0.1 are added"
            .to_string()];
    lines.extend(crate::command_config::describe(&settings.effective(None)));
    lines
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
}
