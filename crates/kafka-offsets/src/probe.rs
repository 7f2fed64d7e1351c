//! Raw connections to brokers, for what must happen before (or beside) librdkafka: finding out whether a broker
//! speaks ApiVersions (Kafka 0.10+) and the old ListOffsets v0 with several offsets.
//!
//! The probe sends ApiVersions v0 (correlation 1) and, right behind it on the same connection, Metadata v0
//! (correlation 2). A 0.10+ broker answers the first one first; 0.9 never answers ApiVersions but answers the
//! Metadata request, so the first answer carries correlation 2. No timeout is needed to tell them apart.

use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use openssl::ssl::{SslConnector, SslMethod, SslStream, SslVerifyMode};

use crate::config::BrokerAddress;
use crate::error::{Error, Result};
use crate::wire::{self, ApiVersionRange, MetadataV0, OffsetAnswer, OffsetQuery};

const CLIENT_ID: &str = "kafka-offsets-probe";
/// Answers bigger than this are not read whole (a probe needs only their first bytes).
const MAX_BODY: usize = 64 << 20;

/// What the probe learned about the cluster's protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerGeneration {
    /// Kafka 0.9 or older: no ApiVersions; librdkafka must be told not to ask (`api.version.request=false`).
    Legacy,
    /// Kafka 0.10 or newer, with the API versions the broker announced.
    Modern(Vec<ApiVersionRange>),
}

impl BrokerGeneration {
    /// The highest version of `api_key` the broker supports, if it said.
    pub fn max_version(&self, api_key: i16) -> Option<i16> {
        match self {
            BrokerGeneration::Legacy => None,
            BrokerGeneration::Modern(apis) => apis.iter().find(|a| a.api_key == api_key).map(|a| a.max),
        }
    }

    pub fn min_version(&self, api_key: i16) -> Option<i16> {
        match self {
            BrokerGeneration::Legacy => Some(0),
            BrokerGeneration::Modern(apis) => apis.iter().find(|a| a.api_key == api_key).map(|a| a.min),
        }
    }
}

/// A broker connection: plain TCP, or TLS for SSL listeners.
#[derive(Debug)]
enum Stream {
    Plain(TcpStream),
    Tls(Box<SslStream<TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// Why a probe connection failed: no TCP connection at all, or a connection whose TLS handshake failed (librdkafka
/// will then give the real reason, with the certificate checks the probe leaves out).
#[derive(Debug)]
enum OpenError {
    Connect(String),
    Handshake,
}

/// One connection with a deadline.
#[derive(Debug)]
pub struct Connection {
    stream: Stream,
    deadline: Instant,
}

impl Connection {
    pub fn open(address: &BrokerAddress, deadline: Instant) -> std::result::Result<Connection, String> {
        let stream = tcp_connect(address, deadline)?;
        Ok(Connection { stream: Stream::Plain(stream), deadline })
    }

    /// TLS without certificate checks: the probe sends no credentials and only learns the protocol generation.
    fn open_tls(address: &BrokerAddress, deadline: Instant) -> std::result::Result<Connection, OpenError> {
        let tcp = tcp_connect(address, deadline).map_err(OpenError::Connect)?;
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = tcp.set_read_timeout(Some(left.max(Duration::from_millis(1))));
        let _ = tcp.set_write_timeout(Some(left.max(Duration::from_millis(1))));
        let handshake = |_: String| OpenError::Handshake;
        let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(|e| handshake(e.to_string()))?;
        builder.set_verify(SslVerifyMode::NONE);
        let mut config = builder.build().configure().map_err(|e| handshake(e.to_string()))?;
        config.set_verify_hostname(false);
        config.set_use_server_name_indication(address.host.parse::<IpAddr>().is_err());
        let tls = config.connect(&address.host, tcp).map_err(|e| handshake(e.to_string()))?;
        Ok(Connection { stream: Stream::Tls(Box::new(tls)), deadline })
    }
}

fn tcp_connect(address: &BrokerAddress, deadline: Instant) -> std::result::Result<TcpStream, String> {
    {
        let addrs = (address.host.as_str(), address.port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {}: {e}", address.host))?;
        let mut last = format!("no address found for {}", address.host);
        for addr in addrs {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err("timed out".into());
            }
            match TcpStream::connect_timeout(&addr, left) {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }
}

impl Connection {
    fn arm(&self) -> std::io::Result<()> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out"));
        }
        self.stream.tcp().set_read_timeout(Some(left))?;
        self.stream.tcp().set_write_timeout(Some(left))
    }

    pub fn send(&mut self, frame: &[u8]) -> std::io::Result<()> {
        self.arm()?;
        self.stream.write_all(frame)
    }

    /// Reads one response: its correlation id and up to `max_body` bytes of the rest.
    pub fn receive(&mut self, max_body: usize) -> std::io::Result<(i32, Vec<u8>)> {
        self.arm()?;
        let mut head = [0u8; 8];
        self.stream.read_exact(&mut head)?;
        let size = i32::from_be_bytes(head[..4].try_into().expect("4 bytes"));
        let correlation_id = i32::from_be_bytes(head[4..].try_into().expect("4 bytes"));
        let body_len = usize::try_from(size).unwrap_or(0).saturating_sub(4);
        if body_len > max_body {
            return Ok((correlation_id, Vec::new()));
        }
        let mut body = vec![0u8; body_len];
        self.stream.read_exact(&mut body)?;
        Ok((correlation_id, body))
    }
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            "the connection was closed before any answer (not a Kafka listener of this security.protocol?)".into()
        }
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => "no answer in time".into(),
        _ => e.to_string(),
    }
}

/// The probe's findings: the generation (None when a TLS handshake failed, so that librdkafka, which checks
/// certificates, reports why) and, from a 0.9 broker, its Metadata v0 answer (all topics), which saves asking
/// again (librdkafka 2.12's own metadata request to 0.9 takes some 50 ms longer than this).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeAnswer {
    pub generation: Option<BrokerGeneration>,
    pub legacy_metadata: Option<MetadataV0>,
}

fn probe_one(address: &BrokerAddress, deadline: Instant, tls: bool) -> std::result::Result<ProbeAnswer, String> {
    let mut conn = if tls {
        match Connection::open_tls(address, deadline) {
            Ok(conn) => conn,
            Err(OpenError::Connect(e)) => return Err(e),
            Err(OpenError::Handshake) => return Ok(ProbeAnswer { generation: None, legacy_metadata: None }),
        }
    } else {
        Connection::open(address, deadline)?
    };
    let mut frames = wire::api_versions_v0(1, CLIENT_ID);
    frames.extend(wire::metadata_v0(2, CLIENT_ID));
    conn.send(&frames).map_err(|e| describe_io(&e))?;
    let (correlation_id, body) = conn.receive(MAX_BODY).map_err(|e| describe_io(&e))?;
    match correlation_id {
        1 => {
            let (_, apis) = wire::decode_api_versions_v0(&body).map_err(|e| e.to_string())?;
            Ok(ProbeAnswer { generation: Some(BrokerGeneration::Modern(apis)), legacy_metadata: None })
        }
        2 => Ok(ProbeAnswer {
            generation: Some(BrokerGeneration::Legacy),
            legacy_metadata: wire::decode_metadata_v0(&body).ok().filter(|_| !body.is_empty()),
        }),
        other => Err(format!("unexpected correlation id {other} in the broker's answer")),
    }
}

/// Probes the bootstrap servers in order (over TLS for SSL listeners) and returns the first answer. Fails with every
/// server's reason when none answers before the deadline.
pub fn probe(servers: &[BrokerAddress], timeout: Duration, tls: bool) -> Result<ProbeAnswer> {
    let deadline = Instant::now() + timeout;
    let mut attempts = Vec::new();
    for server in servers {
        match probe_one(server, deadline, tls) {
            Ok(answer) => return Ok(answer),
            Err(reason) => attempts.push(format!("{server}: {reason}")),
        }
    }
    Err(Error::Unreachable { attempts: attempts.join("; ") })
}

/// Sends one ListOffsets v0 request to `leader` and returns its answers.
pub fn list_offsets_v0(
    leader: &BrokerAddress,
    queries: &[OffsetQuery],
    timeout: Duration,
) -> Result<Vec<OffsetAnswer>> {
    let deadline = Instant::now() + timeout;
    let fail = |reason: String| Error::cluster(format!("ListOffsets v0 to {leader}: {reason}"));
    let mut conn = Connection::open(leader, deadline).map_err(fail)?;
    conn.send(&wire::list_offsets_v0(1, CLIENT_ID, queries)).map_err(|e| fail(describe_io(&e)))?;
    let (correlation_id, body) = conn.receive(MAX_BODY).map_err(|e| fail(describe_io(&e)))?;
    if correlation_id != 1 {
        return Err(fail(format!("unexpected correlation id {correlation_id}")));
    }
    wire::decode_list_offsets_v0(&body).map_err(|e| fail(e.to_string()))
}
