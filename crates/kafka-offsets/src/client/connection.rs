//! One connection to one broker: TCP or TLS, Kafka's size-prefixed frames with request headers (v1, or v2 for
//! flexible versions, KIP-482), and requests pipelined: many are written before their answers are read, which the
//! broker answers in order. Every read and write is bounded by a deadline; DNS lookups too.

use std::collections::VecDeque;
use std::fmt;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use openssl::ssl::SslStream;

use crate::client::tls::{TlsFailure, TlsSettings};
use crate::formats::settings::{BrokerAddress, StopSignal};

/// Answers bigger than this are not Kafka answers to our requests: a TLS record read as a size (0x15 or 0x16, then
/// 0x03: over 350 MB), or an HTTP answer ("HTTP": 1.2 GB).
const MAX_FRAME: usize = 256 << 20;
/// While waiting for an answer, how often a stop signal is looked at.
const STOP_CHECK: Duration = Duration::from_millis(100);
/// How many requests may wait for their answers on one connection: enough to hide round trips, few enough that
/// requests and answers always fit in the sockets' buffers (a broker reads no further request while it cannot send).
pub const WINDOW: usize = 64;
/// How many bytes of requests may wait for their answers on one connection (at least one request is always sent):
/// large requests (commits of many partitions) would otherwise fill the sockets both ways and deadlock until the
/// deadline.
pub const WINDOW_BYTES: usize = 256 << 10;

/// Why talking to a broker failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnError {
    /// No connection: refused, unreachable, no such host. Transient (a broker restarting).
    Connect(String),
    /// The connection broke, or an answer did not come before the deadline. Transient.
    Io(String),
    /// The TLS handshake failed: a certificate that does not verify, or not a TLS listener. Definitive.
    Tls(String),
    /// SASL authentication failed or the mechanism is not enabled. Definitive.
    Auth(String),
    /// The broker answered something that is not the answer asked for. Definitive.
    Protocol(String),
    /// A signal stopped the run: the request was written (`sent`) and its answer not read, or it was not written.
    Stopped { sent: bool },
}

impl ConnError {
    /// Errors that asking again cannot fix: they end a run at once.
    pub fn is_definitive(&self) -> bool {
        matches!(self, ConnError::Tls(_) | ConnError::Auth(_) | ConnError::Protocol(_))
    }

    /// Whether the request may have reached the broker (a commit that may have been applied).
    pub fn maybe_sent(&self) -> bool {
        !matches!(self, ConnError::Connect(_) | ConnError::Stopped { sent: false })
    }
}

impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnError::Connect(m) | ConnError::Io(m) | ConnError::Protocol(m) => f.write_str(m),
            ConnError::Tls(m) => write!(f, "TLS handshake failed: {m}"),
            ConnError::Auth(m) => write!(f, "the SASL login was refused: {m}"),
            ConnError::Stopped { sent: true } => f.write_str("interrupted while waiting for the answer"),
            ConnError::Stopped { sent: false } => f.write_str("interrupted before it was sent"),
        }
    }
}

fn io_error(e: &std::io::Error) -> ConnError {
    use std::io::ErrorKind::*;
    // A TLS failure after the handshake: with TLS 1.3 a broker that wants a client certificate says so with an
    // alert on the first read. Asking again cannot fix it.
    if let Some(stack) =
        e.get_ref().and_then(|inner| inner.downcast_ref::<openssl::ssl::Error>()).and_then(|e| e.ssl_error())
    {
        let reason = stack.errors().iter().find_map(|e| e.reason()).unwrap_or("unknown").to_string();
        return ConnError::Tls(match reason.strip_prefix("ssl/tls alert ") {
            Some(alert) if alert == "bad certificate" || alert == "certificate required" => format!(
                "the broker refused this client (TLS alert: {alert}): its listener wants a client certificate it \
                 trusts (ssl.keystore.location, or ssl.keystore.key with ssl.keystore.certificate.chain)"
            ),
            Some(alert) => format!("the broker ended the TLS session (TLS alert: {alert})"),
            None => format!("the TLS session broke: {reason}"),
        });
    }
    match e.kind() {
        WouldBlock | TimedOut => ConnError::Io("no answer in time".into()),
        // However the peer went (a clean close, a reset, a write after its close): one message, so that outcomes
        // do not depend on timing.
        UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe => {
            ConnError::Io("the broker closed the connection".into())
        }
        _ => ConnError::Io(e.to_string()),
    }
}

/// A request encoded at one version, ready to be framed.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub api_key: i16,
    pub version: i16,
    /// The versions of the request's header and of its answer's (from the message: the generated ones have no
    /// `ApiKey`).
    headers: (i16, i16),
    body: Bytes,
}

impl Encoded {
    pub fn new<R: Request>(request: &R, version: i16) -> Result<Encoded, ConnError> {
        let mut body = BytesMut::new();
        request.encode(&mut body, version).map_err(|e| {
            ConnError::Protocol(format!("cannot encode {} v{version}: {e}", crate::client::versions::api_name(R::KEY)))
        })?;
        let headers = (R::header_version(version), R::Response::header_version(version));
        Ok(Encoded { api_key: R::KEY, version, headers, body: body.freeze() })
    }
}

/// Decodes the body of an answer to `R` at `version`.
pub fn decode<R: Request>(mut body: Bytes, version: i16) -> Result<R::Response, ConnError> {
    // The layout first: a forged count must not reach the decoder, which allocates from it.
    crate::client::wire::check(R::KEY, version, &body).map_err(|e| {
        ConnError::Protocol(format!("malformed {} v{version} answer: {e}", crate::client::versions::api_name(R::KEY)))
    })?;
    R::Response::decode(&mut body, version).map_err(|e| {
        ConnError::Protocol(format!("malformed {} v{version} answer: {e}", crate::client::versions::api_name(R::KEY)))
    })
}

/// A TCP stream whose every read and write is bounded by the deadline of the exchange under way: the socket's timeout
/// is set to the time left before each call (or to `slice`, when shorter, so that a wait can look at signals), so a
/// peer that trickles bytes cannot hold a run past its deadline, in the TLS handshake as in any answer.
#[derive(Debug)]
pub struct Timed {
    tcp: TcpStream,
    deadline: Instant,
    slice: Option<Duration>,
}

impl Timed {
    pub fn new(tcp: TcpStream, deadline: Instant) -> Timed {
        Timed { tcp, deadline, slice: None }
    }

    fn wait(&self) -> std::io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        Ok(self.slice.map_or(left, |slice| slice.min(left)))
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.tcp.set_read_timeout(Some(self.wait()?))?;
        self.tcp.read(buf)
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tcp.set_write_timeout(Some(self.wait()?))?;
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.tcp.flush()
    }
}

#[derive(Debug)]
enum Stream {
    Plain(Timed),
    Tls(Box<SslStream<Timed>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => &s.tcp,
            Stream::Tls(s) => &s.get_ref().tcp,
        }
    }

    fn timed(&mut self) -> &mut Timed {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_mut(),
        }
    }

    /// Bounds what follows by `deadline`, waiting at most `slice` per call.
    fn bound(&mut self, deadline: Instant, slice: Option<Duration>) {
        let timed = self.timed();
        timed.deadline = deadline;
        timed.slice = slice;
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

/// Resolves a host within the deadline (the system's resolver has no timeout of its own, so it runs on its own
/// thread, which is left behind if it does not answer in time).
pub fn resolve(address: &BrokerAddress, deadline: Instant) -> Result<Vec<SocketAddr>, ConnError> {
    if let Ok(ip) = address.host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, address.port)]);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let (host, port) = (address.host.clone(), address.port);
    std::thread::spawn(move || {
        let _ = tx.send((host.as_str(), port).to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
    });
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(ConnError::Connect(format!("no address found for {}", address.host))),
        Ok(Err(e)) => Err(ConnError::Connect(format!("cannot resolve {}: {e}", address.host))),
        Err(_) => Err(ConnError::Connect(format!("resolving {} took too long", address.host))),
    }
}

fn left(deadline: Instant) -> Result<Duration, ConnError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(ConnError::Io("no answer in time".into()))
    } else {
        Ok(left)
    }
}

/// What a request on the wire still waits for: its correlation id, and how to read its answer's header.
#[derive(Debug, Clone, Copy)]
struct InFlight {
    correlation_id: i32,
    header_version: i16,
}

/// An open connection to one broker.
#[derive(Debug)]
pub struct Connection {
    stream: Stream,
    /// The address connected to, for messages.
    pub address: BrokerAddress,
    /// The socket address of the broker (several advertised names can lead to one broker).
    pub peer: SocketAddr,
    client_id: StrBytes,
    next_correlation: i32,
    in_flight: VecDeque<InFlight>,
}

impl Connection {
    /// Connects (TCP, then the TLS handshake when `tls` is given) before the deadline.
    pub fn open(
        address: &BrokerAddress,
        client_id: &str,
        tls: Option<&TlsSettings>,
        deadline: Instant,
    ) -> Result<Connection, ConnError> {
        let mut last = ConnError::Connect(format!("no address found for {}", address.host));
        for addr in resolve(address, deadline)? {
            match TcpStream::connect_timeout(&addr, left(deadline)?) {
                Ok(tcp) => {
                    let _ = tcp.set_nodelay(true);
                    let timed = Timed::new(tcp, deadline);
                    let stream = match tls {
                        None => Stream::Plain(timed),
                        Some(tls) => {
                            left(deadline)?;
                            match tls.connect(&address.host, timed) {
                                Ok(stream) => Stream::Tls(Box::new(stream)),
                                Err(TlsFailure::TimedOut) => return Err(ConnError::Io("no answer in time".into())),
                                Err(TlsFailure::Handshake(reason)) => return Err(ConnError::Tls(reason)),
                            }
                        }
                    };
                    return Ok(Connection {
                        stream,
                        address: address.clone(),
                        peer: addr,
                        client_id: StrBytes::from_string(client_id.to_string()),
                        next_correlation: 1,
                        in_flight: VecDeque::new(),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => last = ConnError::Connect("timed out".into()),
                Err(e) => last = ConnError::Connect(e.to_string()),
            }
        }
        Err(last)
    }

    fn arm(&mut self, deadline: Instant) -> Result<(), ConnError> {
        left(deadline)?;
        self.stream.bound(deadline, None);
        Ok(())
    }

    /// Appends one framed request to `out` and notes that its answer is due.
    fn frame(&mut self, request: &Encoded, out: &mut Vec<u8>) -> Result<(), ConnError> {
        let correlation_id = self.next_correlation;
        self.next_correlation = self.next_correlation.wrapping_add(1);
        let header = RequestHeader::default()
            .with_request_api_key(request.api_key)
            .with_request_api_version(request.version)
            .with_correlation_id(correlation_id)
            .with_client_id(Some(self.client_id.clone()));
        let mut head = BytesMut::new();
        header
            .encode(&mut head, request.headers.0)
            .map_err(|e| ConnError::Protocol(format!("cannot encode a request header: {e}")))?;
        let size = i32::try_from(head.len() + request.body.len())
            .map_err(|_| ConnError::Protocol("request too large".into()))?;
        out.extend_from_slice(&size.to_be_bytes());
        out.extend_from_slice(&head);
        out.extend_from_slice(&request.body);
        self.in_flight.push_back(InFlight { correlation_id, header_version: request.headers.1 });
        Ok(())
    }

    /// Writes requests (one write for all) without waiting for their answers.
    pub fn send(&mut self, requests: &[&Encoded], deadline: Instant) -> Result<(), ConnError> {
        let mut out = Vec::new();
        for request in requests {
            self.frame(request, &mut out)?;
        }
        self.arm(deadline)?;
        self.stream.write_all(&out).map_err(|e| io_error(&e))
    }

    /// Fills `buf` from the stream before the deadline, looking at `stop` while it waits.
    fn read_exact(&mut self, buf: &mut [u8], deadline: Instant, stop: Option<&StopSignal>) -> Result<(), ConnError> {
        let mut filled = 0;
        while filled < buf.len() {
            left(deadline)?;
            self.stream.bound(deadline, Some(STOP_CHECK));
            match self.stream.read(&mut buf[filled..]) {
                Ok(0) => return Err(ConnError::Io("the broker closed the connection".into())),
                Ok(n) => filled += n,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    if stop.is_some_and(|s| s.received().is_some()) {
                        return Err(ConnError::Stopped { sent: true });
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(&e)),
            }
        }
        Ok(())
    }

    /// Reads one whole frame (after its size).
    fn read_frame(&mut self, deadline: Instant) -> Result<Bytes, ConnError> {
        self.read_frame_or_stop(deadline, None)
    }

    fn read_frame_or_stop(&mut self, deadline: Instant, stop: Option<&StopSignal>) -> Result<Bytes, ConnError> {
        self.arm(deadline)?;
        let mut size = [0u8; 4];
        self.read_exact(&mut size, deadline, stop)?;
        let size = i32::from_be_bytes(size);
        let size = usize::try_from(size).ok().filter(|s| (4..=MAX_FRAME).contains(s)).ok_or_else(|| {
            // The address is said by whoever reports the error (`Error: host:port: ...`).
            ConnError::Protocol(
                "the broker did not answer in the Kafka protocol (is security.protocol right for this listener?)"
                    .into(),
            )
        })?;
        let mut frame = vec![0u8; size];
        self.read_exact(&mut frame, deadline, stop)?;
        Ok(Bytes::from(frame))
    }

    /// Strips the response header of `expected`'s answer, checking the correlation id.
    fn body(mut frame: Bytes, expected: InFlight) -> Result<Bytes, ConnError> {
        let header = ResponseHeader::decode(&mut frame, expected.header_version)
            .map_err(|e| ConnError::Protocol(format!("malformed response header: {e}")))?;
        if header.correlation_id != expected.correlation_id {
            return Err(ConnError::Protocol(format!(
                "answer {} arrived where {} was expected",
                header.correlation_id, expected.correlation_id
            )));
        }
        Ok(frame)
    }

    /// Reads the answer to the oldest request still waiting, and returns its body (after the response header).
    pub fn receive(&mut self, deadline: Instant) -> Result<Bytes, ConnError> {
        self.receive_or_stop(deadline, None)
    }

    fn receive_or_stop(&mut self, deadline: Instant, stop: Option<&StopSignal>) -> Result<Bytes, ConnError> {
        let Some(expected) = self.in_flight.pop_front() else {
            return Err(ConnError::Protocol("no request is waiting for an answer".into()));
        };
        let frame = self.read_frame_or_stop(deadline, stop)?;
        Self::body(frame, expected)
    }

    /// With exactly two requests waiting whose answers have v0 headers: reads the first answer to arrive and says
    /// whether it answers the first request (`true`), or the second, in which case the first is given up on (a
    /// broker that ignores a request it does not know: Kafka 0.9 and ApiVersions).
    pub fn receive_first_of_two(&mut self, deadline: Instant) -> Result<(bool, Bytes), ConnError> {
        if self.in_flight.len() != 2 {
            return Err(ConnError::Protocol("two requests must be waiting".into()));
        }
        let frame = self.read_frame(deadline)?;
        let correlation = frame.get(..4).map(|b| i32::from_be_bytes(b.try_into().expect("4 bytes")));
        if correlation == Some(self.in_flight[1].correlation_id) {
            let second = self.in_flight.pop_back().expect("two waiting");
            self.in_flight.clear();
            return Ok((false, Self::body(frame, second)?));
        }
        let first = self.in_flight.pop_front().expect("two waiting");
        Ok((true, Self::body(frame, first)?))
    }

    /// Sends requests and reads their answers in order, at most [`WINDOW`] on the wire at a time. Stops at the first
    /// failure: the requests after it get the same error (the connection is not usable any more). A stop signal
    /// ends the exchange at once: requests not yet written get `Stopped { sent: false }`, the others
    /// `Stopped { sent: true }`.
    pub fn exchange(
        &mut self,
        requests: &[Encoded],
        deadline: Instant,
        stop: &StopSignal,
    ) -> Vec<Result<Bytes, ConnError>> {
        let mut answers = Vec::with_capacity(requests.len());
        let mut sent = 0;
        let mut failure = None;
        while answers.len() < requests.len() {
            let waiting: usize = requests[answers.len()..sent].iter().map(|r| r.body.len()).sum();
            if sent < requests.len() && sent - answers.len() < WINDOW / 2 && waiting < WINDOW_BYTES / 2 {
                if stop.received().is_some() {
                    failure = Some(ConnError::Stopped { sent: true });
                    break;
                }
                // Up to WINDOW requests and WINDOW_BYTES bytes waiting (at least one request).
                let mut until = sent;
                let mut bytes = waiting;
                while until < requests.len().min(answers.len() + WINDOW)
                    && (until == answers.len() || bytes + requests[until].body.len() <= WINDOW_BYTES)
                {
                    bytes += requests[until].body.len();
                    until += 1;
                }
                let batch: Vec<&Encoded> = requests[sent..until].iter().collect();
                if let Err(e) = self.send(&batch, deadline) {
                    failure = Some(e);
                    sent = until;
                    break;
                }
                sent = until;
            }
            match self.receive_or_stop(deadline, Some(stop)) {
                Ok(body) => answers.push(Ok(body)),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if let Some(error) = failure {
            while answers.len() < sent {
                answers.push(Err(error.clone()));
            }
            let unsent =
                if matches!(error, ConnError::Stopped { .. }) { ConnError::Stopped { sent: false } } else { error };
            while answers.len() < requests.len() {
                answers.push(Err(unsent.clone()));
            }
        }
        answers
    }

    /// Sends one request and decodes its answer.
    pub fn call<R: Request>(&mut self, request: &R, version: i16, deadline: Instant) -> Result<R::Response, ConnError> {
        let encoded = Encoded::new(request, version)?;
        self.send(&[&encoded], deadline)?;
        let body = self.receive(deadline)?;
        decode::<R>(body, version)
    }

    /// Writes bytes as they are (SASL tokens of the pre-KIP-152 framing: a size, then the token).
    pub fn send_raw(&mut self, bytes: &[u8], deadline: Instant) -> Result<(), ConnError> {
        self.arm(deadline)?;
        self.stream.write_all(bytes).map_err(|e| io_error(&e))
    }

    /// Reads one size-prefixed token (pre-KIP-152 SASL framing).
    pub fn receive_raw(&mut self, deadline: Instant) -> Result<Vec<u8>, ConnError> {
        self.arm(deadline)?;
        let mut size = [0u8; 4];
        self.stream.read_exact(&mut size).map_err(|e| io_error(&e))?;
        let size = usize::try_from(i32::from_be_bytes(size))
            .ok()
            .filter(|s| *s <= MAX_FRAME)
            .ok_or_else(|| ConnError::Protocol("malformed SASL token".into()))?;
        let mut token = vec![0u8; size];
        self.stream.read_exact(&mut token).map_err(|e| io_error(&e))?;
        Ok(token)
    }

    /// Whether answers are still due (the connection cannot be reused for other requests until they are read).
    pub fn busy(&self) -> bool {
        !self.in_flight.is_empty()
    }

    /// Whether an idle connection was closed by the broker (a broker that stopped or restarted since its last
    /// answer), or has bytes nobody asked for: then nothing may be sent on it. Seen before a request is written, a
    /// commit is known not sent and can go to the group's new coordinator; seen after, it could only be "unknown".
    pub fn peer_closed(&self) -> bool {
        let tcp = self.stream.tcp();
        if tcp.set_nonblocking(true).is_err() {
            return true;
        }
        let peeked = tcp.peek(&mut [0u8; 1]);
        let restored = tcp.set_nonblocking(false).is_ok();
        match peeked {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => !restored,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::{ApiVersionsRequest, ApiVersionsResponse};
    use std::net::TcpListener;

    /// A listener that answers every ApiVersions v0 request with an empty list, echoing the correlation id.
    fn echo_broker() -> (BrokerAddress, std::thread::JoinHandle<usize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut served = 0;
            loop {
                let mut size = [0u8; 4];
                if s.read_exact(&mut size).is_err() {
                    return served;
                }
                let mut body = vec![0u8; i32::from_be_bytes(size) as usize];
                s.read_exact(&mut body).unwrap();
                let correlation = &body[4..8];
                let mut answer = Vec::new();
                answer.extend_from_slice(correlation);
                answer.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // error 0, no APIs
                let mut frame = (answer.len() as i32).to_be_bytes().to_vec();
                frame.extend_from_slice(&answer);
                s.write_all(&frame).unwrap();
                served += 1;
            }
        });
        (BrokerAddress { host: "127.0.0.1".into(), port }, handle)
    }

    #[test]
    fn pipelines_more_requests_than_the_window() {
        let (address, broker) = echo_broker();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut conn = Connection::open(&address, "t", None, deadline).unwrap();
        let request = Encoded::new(&ApiVersionsRequest::default(), 0).unwrap();
        let answers = conn.exchange(&vec![request; 3 * WINDOW + 5], deadline, &StopSignal::default());
        assert_eq!(answers.len(), 3 * WINDOW + 5);
        for answer in answers {
            let decoded = decode::<ApiVersionsRequest>(answer.unwrap(), 0).unwrap();
            assert_eq!(decoded, ApiVersionsResponse::default());
        }
        assert!(!conn.busy());
        drop(conn);
        assert_eq!(broker.join().unwrap(), 3 * WINDOW + 5);
    }

    /// A peer that answers a TLS ClientHello with the start of a record, then one byte every 100 ms.
    fn trickling_peer() -> BrokerAddress {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut hello = [0u8; 512];
            let _ = s.read(&mut hello);
            for byte in [0x16u8, 0x03, 0x03, 0x40, 0x00].iter().chain([0x02u8; 200].iter()) {
                if s.write_all(&[*byte]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        BrokerAddress { host: "127.0.0.1".into(), port }
    }

    #[test]
    fn a_trickled_tls_handshake_ends_at_the_deadline() {
        let settings = |key: &str| (key == "enable.ssl.certificate.verification").then(|| "false".to_string());
        let tls = TlsSettings::new(&settings).unwrap();
        let started = Instant::now();
        let deadline = started + Duration::from_millis(800);
        let result = Connection::open(&trickling_peer(), "t", Some(&tls), deadline);
        assert!(matches!(result, Err(ConnError::Io(_))), "{result:?}");
        // Each byte comes well within the socket's timeout: only a deadline checked on every read ends it.
        assert!(started.elapsed() < Duration::from_millis(1500), "took {:?}", started.elapsed());
    }

    #[test]
    fn refused_connections_and_bad_frames_are_errors() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let deadline = Instant::now() + Duration::from_secs(5);
        let refused = Connection::open(&BrokerAddress { host: "127.0.0.1".into(), port }, "t", None, deadline);
        assert!(matches!(refused, Err(ConnError::Connect(_))), "{refused:?}");

        // A listener that answers with a TLS alert's bytes.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let _ = s.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]);
            std::thread::sleep(Duration::from_millis(500));
        });
        let address = BrokerAddress { host: "127.0.0.1".into(), port };
        let mut conn = Connection::open(&address, "t", None, deadline).unwrap();
        let err = conn.call(&ApiVersionsRequest::default(), 0, deadline).unwrap_err();
        assert_eq!(
            err,
            ConnError::Protocol(
                "the broker did not answer in the Kafka protocol (is security.protocol right for this listener?)"
                    .into()
            )
        );
        assert!(err.is_definitive());
    }
}
