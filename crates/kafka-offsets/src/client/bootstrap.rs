//! The first connection of a run. Every bootstrap server is tried at once (DNS, TCP, TLS, SASL each bounded by the
//! timeout) and the first that answers is used: a dead or silent server in the list costs nothing.
//!
//! On that connection the broker's generation is found without a timeout: ApiVersions v0 (Kafka 0.10+, KIP-35) and
//! right behind it OffsetFetch v1 for no partitions, which every broker from Kafka 0.9 to 4.x and librdkafka's mock
//! answers without side effects. A 0.10+ broker answers ApiVersions first; Kafka 0.9 never answers ApiVersions but
//! answers the OffsetFetch, so the first answer's correlation id tells them apart.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use kafka_protocol::messages::{ApiVersionsRequest, OffsetFetchRequest, SaslAuthenticateRequest, SaslHandshakeRequest};
use kafka_protocol::protocol::{Request as _, StrBytes};

use crate::client::connection::{decode, ConnError, Connection, Encoded};
use crate::client::sasl::SaslSettings;
use crate::client::session::Security;
use crate::client::versions::ApiVersions;
use crate::error::{Error, Result};
use crate::formats::settings::{ClientSettings, ProtocolChoice};

/// A connection made to a bootstrap server, with its broker's versions.
#[derive(Debug)]
pub struct Bootstrapped {
    pub connection: Connection,
    pub versions: ApiVersions,
    /// Round trips after the TCP connection (TLS handshakes not counted): 1 for the probe, more for SASL.
    pub round_trips: u32,
}

/// The other bootstrap servers' connections, as they complete: the session keeps them for later rounds (a leader
/// among them then costs no new connection).
pub type LateConnections = mpsc::Receiver<(usize, std::result::Result<Bootstrapped, ConnError>)>;

/// Tries every bootstrap server at once, each again after a passing failure (refused, closed) until the timeout;
/// returns the first that answers, or fails at once on a definitive error (TLS, authentication), or with every
/// server's last reason when none has answered by the timeout.
pub fn connect(settings: &ClientSettings, security: &Security) -> Result<(Bootstrapped, LateConnections)> {
    let deadline = Instant::now() + settings.timeout;
    let (tx, rx) = mpsc::channel();
    for (index, address) in settings.bootstrap.iter().enumerate() {
        let (tx, address, security) = (tx.clone(), address.clone(), security.clone());
        let (client_id, protocol) = (settings.client_id.clone(), settings.protocol);
        std::thread::spawn(move || {
            // A refused or broken connection may be a broker restarting: tried again until the deadline. A TLS or
            // SASL refusal is final.
            let mut backoff = Duration::from_millis(100);
            let result = loop {
                let attempt = Connection::open(&address, &client_id, security.tls.as_ref(), deadline)
                    .and_then(|conn| handshake(conn, &security, protocol, deadline));
                match attempt {
                    Err(e) if !e.is_definitive() && Instant::now() + backoff < deadline => {
                        std::thread::sleep(backoff);
                        backoff = (backoff * 2).min(Duration::from_secs(1));
                    }
                    done => break done,
                }
            };
            let _ = tx.send((index, result));
        });
    }
    drop(tx);
    let mut failures: Vec<Option<ConnError>> = vec![None; settings.bootstrap.len()];
    loop {
        let received = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
        match received {
            Ok((_, Ok(found))) => return Ok((found, rx)),
            Ok((index, Err(e))) if e.is_definitive() => {
                return Err(Error::Cluster(format!("{}: {e}", settings.bootstrap[index])));
            }
            Ok((index, Err(e))) => failures[index] = Some(e),
            Err(_) => break,
        }
        if failures.iter().all(Option::is_some) {
            break;
        }
    }
    let attempts: Vec<String> = settings
        .bootstrap
        .iter()
        .zip(failures)
        .map(|(address, failure)| {
            format!("{address}: {}", failure.map_or("no answer in time".to_string(), |e| e.to_string()))
        })
        .collect();
    Err(Error::Unreachable { attempts: attempts.join("; ") })
}

/// After TCP (and TLS): the generation, the versions, and the SASL login.
fn handshake(
    mut conn: Connection,
    security: &Security,
    protocol: ProtocolChoice,
    deadline: Instant,
) -> std::result::Result<Bootstrapped, ConnError> {
    if let Some(sasl) = &security.sasl {
        // SASL needs Kafka 0.10+ (PLAIN and SCRAM are not in 0.9): no generation probe.
        let versions = sasl_login(&mut conn, sasl, None, deadline)?;
        let round_trips = 2 + u32::from(sasl.mechanism().starts_with("SCRAM"));
        return Ok(Bootstrapped { connection: conn, versions, round_trips });
    }
    let versions = match protocol {
        ProtocolChoice::Legacy => {
            return Ok(Bootstrapped { connection: conn, versions: ApiVersions::legacy(), round_trips: 0 })
        }
        ProtocolChoice::Modern => {
            let response = conn.call(&ApiVersionsRequest::default(), 0, deadline)?;
            ApiVersions::from_response(&response)
        }
        ProtocolChoice::Auto => probe(&mut conn, deadline)?,
    };
    Ok(Bootstrapped { connection: conn, versions, round_trips: 1 })
}

/// ApiVersions v0 and OffsetFetch v1 in one write; the first answer tells the generation.
fn probe(conn: &mut Connection, deadline: Instant) -> std::result::Result<ApiVersions, ConnError> {
    let api_versions = Encoded::new(&ApiVersionsRequest::default(), 0)?;
    let no_partitions =
        OffsetFetchRequest::default().with_group_id(StrBytes::from_static_str("").into()).with_topics(Some(Vec::new()));
    let offset_fetch = Encoded::new(&no_partitions, 1)?;
    conn.send(&[&api_versions, &offset_fetch], deadline)?;
    match conn.receive_first_of_two(deadline)? {
        (true, body) => {
            let response = decode::<ApiVersionsRequest>(body, 0)?;
            // The OffsetFetch answer is still due: read it, so that the connection is in step.
            conn.receive(deadline)?;
            Ok(ApiVersions::from_response(&response))
        }
        (false, _) => Ok(ApiVersions::legacy()),
    }
}

/// ApiVersions, then the SASL handshake and token exchange. With `known` versions showing SaslAuthenticate
/// (Kafka 1.0+), the handshake goes in the same write as ApiVersions.
pub fn sasl_login(
    conn: &mut Connection,
    sasl: &SaslSettings,
    known: Option<&ApiVersions>,
    deadline: Instant,
) -> std::result::Result<ApiVersions, ConnError> {
    let api_versions = Encoded::new(&ApiVersionsRequest::default(), 0)?;
    let (versions, handshake) = match known.filter(|v| v.supports(SaslAuthenticateRequest::KEY)) {
        Some(_) => {
            let handshake = Encoded::new(&sasl.handshake(), 1)?;
            conn.send(&[&api_versions, &handshake], deadline)?;
            let versions = decode::<ApiVersionsRequest>(conn.receive(deadline)?, 0)?;
            let answer = decode::<SaslHandshakeRequest>(conn.receive(deadline)?, 1)?;
            (ApiVersions::from_response(&versions), answer)
        }
        None => {
            let versions = ApiVersions::from_response(&conn.call(&ApiVersionsRequest::default(), 0, deadline)?);
            let Some(version) = versions.pick::<SaslHandshakeRequest>(0, 1) else {
                return Err(ConnError::Auth(
                    "the broker does not take SASL handshakes (Kafka 0.10 or newer is needed)".into(),
                ));
            };
            // v1 promises SaslAuthenticate framing (KIP-152); v0 means raw tokens.
            let version = if versions.supports(SaslAuthenticateRequest::KEY) { version } else { 0 };
            let answer = conn.call(&sasl.handshake(), version, deadline)?;
            (versions, answer)
        }
    };
    sasl.check_handshake(handshake.error_code, &handshake.mechanisms)?;
    sasl.authenticate(conn, &versions, deadline)?;
    Ok(versions)
}
