//! The cluster session: one connection per broker, shared by every operation of a run (no client per group), and
//! the metadata it learned. Work is done in rounds: a round's requests to one broker are pipelined on its
//! connection, and brokers are served at once, each on its own thread, so a round costs one round trip however many
//! groups, topics and partitions it covers. Operations (metadata, ListOffsets, coordinator lookups, group
//! describes, committed offsets, commits) add their requests to rounds and read their answers; the driver runs
//! rounds until every operation is done or the deadline passes, backing off between retries.
//!
//! A broker handles one request of a connection at a time, and a group coordinator answers a commit only after its
//! append (Kafka 4's coordinator lingers 5 ms for more writes): a thousand groups' commits on one connection take a
//! thousand appends in a row. So a broker's share of a round that is large enough is spread over extra connections
//! to it (lanes, at most [`MAX_LANES`]), served at once; small shares, a single group's run among them, keep one
//! connection and cost no more round trips.

use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_protocol::messages::ApiVersionsRequest;
use kafka_protocol::protocol::Request;

use crate::client::bootstrap;
use crate::client::connection::{decode, ConnError, Connection, Encoded};
use crate::client::sasl::SaslSettings;
use crate::client::tls::TlsSettings;
use crate::client::versions::{api_name, ApiVersions};
use crate::error::{Error, Result};
use crate::formats::settings::{BrokerAddress, ClientSettings};

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// Any broker: the bootstrap connection, which is always open.
    Any,
    /// The broker with this id in the metadata.
    Broker(i32),
    /// A broker named by an answer (a group coordinator).
    Address(BrokerAddress),
}

/// The requests of one round.
#[derive(Debug)]
pub struct Round {
    label: &'static str,
    calls: Vec<(Target, std::result::Result<Encoded, ConnError>)>,
}

/// A request added to a round, to take its answer with.
#[derive(Debug)]
pub struct Call<R> {
    index: usize,
    version: i16,
    _request: PhantomData<fn() -> R>,
}

impl Round {
    pub fn new(label: &'static str) -> Round {
        Round { label, calls: Vec::new() }
    }

    pub fn add<R: Request>(&mut self, target: Target, request: &R, version: i16) -> Call<R> {
        self.calls.push((target, Encoded::new(request, version)));
        Call { index: self.calls.len() - 1, version, _request: PhantomData }
    }

    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }
}

/// The answers of a round, taken once each.
#[derive(Debug, Default)]
pub struct Answers {
    answers: Vec<Option<std::result::Result<Bytes, ConnError>>>,
}

impl Answers {
    pub fn take<R: Request>(&mut self, call: Call<R>) -> std::result::Result<R::Response, ConnError> {
        let answer = self.answers.get_mut(call.index).and_then(Option::take);
        decode::<R>(answer.unwrap_or_else(|| Err(ConnError::Protocol("answer taken twice".into())))?, call.version)
    }
}

/// One broker's connection, opened on first use and dropped when it fails.
type Slot = Arc<Mutex<Option<Connection>>>;

/// The most connections a round uses to one broker.
pub const MAX_LANES: usize = 32;

/// The fewest requests worth a connection of their own: below this, the set-up costs more than it saves.
const REQUESTS_PER_LANE: usize = 32;

/// How many connections a broker's share of `requests` requests is spread over.
fn lanes_for(requests: usize) -> usize {
    (requests / REQUESTS_PER_LANE).clamp(1, MAX_LANES)
}

/// How a run reaches the cluster: TLS and SASL set up once, from the settings.
#[derive(Debug, Clone)]
pub struct Security {
    pub tls: Option<TlsSettings>,
    pub sasl: Option<SaslSettings>,
}

impl Security {
    pub fn new(settings: &ClientSettings) -> Result<Security> {
        let protocol = settings.security_protocol();
        let lookup = |key: &str| settings.setting(key).map(str::to_string);
        let tls = matches!(protocol.as_str(), "ssl" | "sasl_ssl").then(|| TlsSettings::new(&lookup)).transpose()?;
        let sasl = matches!(protocol.as_str(), "sasl_plaintext" | "sasl_ssl")
            .then(|| SaslSettings::new(&lookup))
            .transpose()?;
        Ok(Security { tls, sasl })
    }
}

/// A live session with one cluster.
pub struct Session {
    settings: ClientSettings,
    security: Security,
    /// The bootstrap broker's versions: what requests to brokers not yet connected are encoded with.
    versions: ApiVersions,
    /// Each connected broker's own versions.
    broker_versions: Mutex<HashMap<BrokerAddress, ApiVersions>>,
    /// The server that answered the bootstrap.
    bootstrap: BrokerAddress,
    /// The broker that serves [`Target::Any`]: the bootstrap one until it cannot be reached, then another broker
    /// of the metadata (a stopped broker must not hold up the coordinator lookups of a run).
    any: Mutex<BrokerAddress>,
    brokers: RwLock<BTreeMap<i32, BrokerAddress>>,
    slots: Mutex<HashMap<BrokerAddress, Slot>>,
    /// The extra connections of large rounds: (broker, lane 1..MAX_LANES).
    lanes: Mutex<HashMap<(BrokerAddress, usize), Slot>>,
    /// Socket address -> the slot's address, so that two names of one broker share its connection.
    peers: Mutex<HashMap<SocketAddr, BrokerAddress>>,
    /// Group coordinators found so far.
    coordinators: Mutex<HashMap<String, BrokerAddress>>,
    rounds: Mutex<u32>,
    /// The other bootstrap servers' connections, taken into `slots` as they complete.
    late: Mutex<bootstrap::LateConnections>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("bootstrap", &self.bootstrap).field("legacy", &self.versions.legacy).finish()
    }
}

impl Session {
    /// Connects to the first bootstrap server that answers (all are tried at once) and finds out its protocol
    /// generation and API versions.
    pub fn connect(settings: ClientSettings) -> Result<Session> {
        let security = Security::new(&settings)?;
        let started = Instant::now();
        let (found, late) = bootstrap::connect(&settings, &security)?;
        let session = Session {
            versions: found.versions.clone(),
            broker_versions: Mutex::new(HashMap::from([(found.connection.address.clone(), found.versions)])),
            bootstrap: found.connection.address.clone(),
            any: Mutex::new(found.connection.address.clone()),
            brokers: RwLock::new(BTreeMap::new()),
            slots: Mutex::new(HashMap::new()),
            lanes: Mutex::new(HashMap::new()),
            peers: Mutex::new(HashMap::from([(found.connection.peer, found.connection.address.clone())])),
            coordinators: Mutex::new(HashMap::new()),
            rounds: Mutex::new(0),
            late: Mutex::new(late),
            settings,
            security,
        };
        session.trace(|| {
            format!(
                "connected to {} ({}, {} round trip(s)) in {:.1} ms",
                session.bootstrap,
                if session.versions.legacy { "Kafka 0.9, no ApiVersions" } else { "ApiVersions answered" },
                found.round_trips,
                started.elapsed().as_secs_f64() * 1000.0
            )
        });
        session
            .slots
            .lock()
            .expect("slots")
            .insert(session.bootstrap.clone(), Arc::new(Mutex::new(Some(found.connection))));
        Ok(session)
    }

    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    pub fn timeout(&self) -> Duration {
        self.settings.timeout
    }

    /// Whether the cluster is Kafka 0.9 (or older): no ApiVersions, no record timestamps.
    pub fn is_legacy(&self) -> bool {
        self.versions.legacy
    }

    /// The cluster-wide versions (the bootstrap broker's).
    pub fn versions(&self) -> &ApiVersions {
        &self.versions
    }

    pub fn trace(&self, line: impl FnOnce() -> String) {
        if let Some(trace) = &self.settings.trace {
            trace.emit(&line());
        }
    }

    /// How many rounds (round trips of requests, not counting connection set-up) this session has run.
    pub fn rounds(&self) -> u32 {
        *self.rounds.lock().expect("rounds")
    }

    /// Records the brokers of a metadata answer.
    pub fn set_brokers(&self, brokers: BTreeMap<i32, BrokerAddress>) {
        *self.brokers.write().expect("brokers") = brokers;
    }

    pub fn broker_address(&self, id: i32) -> Option<BrokerAddress> {
        self.brokers.read().expect("brokers").get(&id).cloned()
    }

    pub fn broker_ids(&self) -> Vec<i32> {
        self.brokers.read().expect("brokers").keys().copied().collect()
    }

    pub fn coordinator(&self, group: &str) -> Option<BrokerAddress> {
        self.coordinators.lock().expect("coordinators").get(group).cloned()
    }

    pub fn set_coordinator(&self, group: &str, address: Option<BrokerAddress>) {
        let mut coordinators = self.coordinators.lock().expect("coordinators");
        match address {
            Some(address) => coordinators.insert(group.to_string(), address),
            None => coordinators.remove(group),
        };
    }

    fn address_of(&self, target: &Target) -> std::result::Result<BrokerAddress, ConnError> {
        match target {
            Target::Any => Ok(self.any.lock().expect("any broker").clone()),
            Target::Address(address) => Ok(address.clone()),
            Target::Broker(id) => self
                .broker_address(*id)
                .ok_or_else(|| ConnError::Connect(format!("broker {id} is not in the metadata"))),
        }
    }

    /// The version to send `R` at to a target: the highest in `[min, max]` both sides support (the target's own
    /// versions once known, else the cluster's). None when the broker does not have it.
    pub fn version<R: Request>(&self, target: &Target, min: i16, max: i16) -> Option<i16> {
        let known =
            self.address_of(target).ok().and_then(|a| self.broker_versions.lock().expect("versions").get(&a).cloned());
        known.as_ref().unwrap_or(&self.versions).pick::<R>(min, max)
    }

    /// After `failed` could not be reached: if it served [`Target::Any`], the next broker of the metadata does.
    fn move_any_from(&self, failed: &BrokerAddress) {
        let mut any = self.any.lock().expect("any broker");
        if *any != *failed {
            return;
        }
        let brokers: Vec<BrokerAddress> = self.brokers.read().expect("brokers").values().cloned().collect();
        let after = brokers.iter().position(|b| b == failed).map_or(0, |i| i + 1);
        if let Some(next) = brokers.iter().cycle().skip(after).take(brokers.len()).find(|b| *b != failed) {
            self.trace(|| format!("{failed} cannot be reached: {next} answers the requests for any broker"));
            *any = next.clone();
        }
    }

    /// Keeps the other bootstrap servers' connections that have completed since the last look.
    fn take_late_connections(&self) {
        let late = self.late.lock().expect("late connections");
        while let Ok((_, found)) = late.try_recv() {
            let Ok(found) = found else { continue };
            let address = found.connection.address.clone();
            self.peers.lock().expect("peers").insert(found.connection.peer, address.clone());
            self.broker_versions.lock().expect("versions").insert(address.clone(), found.versions);
            self.slots
                .lock()
                .expect("slots")
                .entry(address)
                .or_insert_with(|| Arc::new(Mutex::new(Some(found.connection))));
        }
    }

    fn slot(&self, address: &BrokerAddress) -> Slot {
        self.take_late_connections();
        let mut slots = self.slots.lock().expect("slots");
        if let Some(slot) = slots.get(address) {
            return Arc::clone(slot);
        }
        // Another name of a broker already connected (an IP address in the bootstrap list, a host name in the
        // metadata): share its connection.
        if let Ok(ip) = address.host.parse::<std::net::IpAddr>() {
            let peer = SocketAddr::new(ip, address.port);
            if let Some(known) = self.peers.lock().expect("peers").get(&peer) {
                if let Some(slot) = slots.get(known).cloned() {
                    slots.insert(address.clone(), Arc::clone(&slot));
                    return slot;
                }
            }
        }
        let slot: Slot = Arc::new(Mutex::new(None));
        slots.insert(address.clone(), Arc::clone(&slot));
        slot
    }

    /// Opens a connection to a broker other than the bootstrap one: TCP, TLS, SASL. For a modern broker without
    /// SASL, ApiVersions is not waited for: it goes first in the same write as the round's requests (`true`).
    fn open(&self, address: &BrokerAddress, deadline: Instant) -> std::result::Result<(Connection, bool), ConnError> {
        let mut conn = Connection::open(address, &self.settings.client_id, self.security.tls.as_ref(), deadline)?;
        self.peers.lock().expect("peers").insert(conn.peer, address.clone());
        if self.versions.legacy {
            return Ok((conn, false));
        }
        match &self.security.sasl {
            None => Ok((conn, true)),
            Some(sasl) => {
                let versions = bootstrap::sasl_login(&mut conn, sasl, Some(&self.versions), deadline)?;
                self.broker_versions.lock().expect("versions").insert(address.clone(), versions);
                Ok((conn, false))
            }
        }
    }

    /// Opens an extra connection to a broker, and waits for its first answer (ApiVersions, or the SASL login)
    /// before any request goes on it: a broker that refuses more connections closes it then, and no commit is left
    /// "maybe applied" by a connection that was never going to serve it.
    fn open_lane(
        &self,
        address: &BrokerAddress,
        deadline: Instant,
    ) -> std::result::Result<(Connection, bool), ConnError> {
        let (mut conn, versions_due) = self.open(address, deadline)?;
        if versions_due {
            let response = conn.call(&ApiVersionsRequest::default(), 0, deadline)?;
            self.broker_versions
                .lock()
                .expect("versions")
                .insert(address.clone(), ApiVersions::from_response(&response));
        }
        Ok((conn, false))
    }

    /// A broker's extra connection number `lane` (1 and up).
    fn lane_slot(&self, address: &BrokerAddress, lane: usize) -> Slot {
        let mut lanes = self.lanes.lock().expect("lanes");
        Arc::clone(lanes.entry((address.clone(), lane)).or_default())
    }

    /// A part of a broker's share of a round, on its connection `lane` (0: the broker's main connection).
    fn serve(
        &self,
        address: &BrokerAddress,
        lane: usize,
        requests: Vec<Encoded>,
        deadline: Instant,
    ) -> std::result::Result<Vec<std::result::Result<Bytes, ConnError>>, ConnError> {
        let slot = if lane == 0 { self.slot(address) } else { self.lane_slot(address, lane) };
        let mut guard = slot.lock().expect("connection");
        let mut with_versions = false;
        if guard.as_ref().is_none_or(|c| c.busy() || c.peer_closed()) {
            let started = Instant::now();
            let opened = if lane == 0 { self.open(address, deadline) } else { self.open_lane(address, deadline) };
            let (conn, pipelined_versions) = match opened {
                Ok(opened) => opened,
                // A broker limiting connections (max.connections.per.ip): the main connection takes these too.
                Err(e) if lane > 0 && !e.is_definitive() => {
                    drop(guard);
                    self.trace(|| {
                        format!("connection {lane} to {address} failed ({e}): its requests wait for the first")
                    });
                    return self.serve(address, 0, requests, deadline);
                }
                Err(e) => return Err(e),
            };
            self.trace(|| {
                let which = if lane == 0 { String::new() } else { format!(" (connection {lane})") };
                format!("connected to {address}{which} in {:.1} ms", started.elapsed().as_secs_f64() * 1000.0)
            });
            *guard = Some(conn);
            with_versions = pipelined_versions;
        }
        let conn = guard.as_mut().expect("connection just opened");
        let mut batch = Vec::with_capacity(requests.len() + 1);
        if with_versions {
            batch.push(Encoded::new(&ApiVersionsRequest::default(), 0)?);
        }
        batch.extend(requests);
        let mut answers = conn.exchange(&batch, deadline, &self.settings.stop);
        if with_versions {
            if let Ok(body) = answers.remove(0) {
                if let Ok(response) = decode::<ApiVersionsRequest>(body, 0) {
                    self.broker_versions
                        .lock()
                        .expect("versions")
                        .insert(address.clone(), ApiVersions::from_response(&response));
                }
            }
        }
        if answers.iter().any(|a| a.is_err()) {
            *guard = None;
        }
        Ok(answers)
    }

    /// Runs a round: each broker's requests pipelined on its connection, all brokers at once. A connection that
    /// cannot be made fails its requests (transient errors: the operations retry); a definitive failure (TLS, SASL)
    /// ends the run.
    pub fn run(&self, round: Round, deadline: Instant) -> Result<Answers> {
        let started = Instant::now();
        let mut answers: Vec<Option<std::result::Result<Bytes, ConnError>>> = Vec::with_capacity(round.calls.len());
        let mut by_broker: BTreeMap<BrokerAddress, (Vec<usize>, Vec<Encoded>)> = BTreeMap::new();
        let mut summary: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        for (index, (target, encoded)) in round.calls.into_iter().enumerate() {
            answers.push(None);
            match (self.address_of(&target), encoded) {
                (Ok(address), Ok(encoded)) => {
                    *summary
                        .entry(address.to_string())
                        .or_default()
                        .entry(format!("{} v{}", api_name(encoded.api_key), encoded.version))
                        .or_default() += 1;
                    let entry = by_broker.entry(address).or_default();
                    entry.0.push(index);
                    entry.1.push(encoded);
                }
                (Err(e), _) | (_, Err(e)) => answers[index] = Some(Err(e)),
            }
        }
        // Each broker's share, cut into lanes of consecutive requests.
        let mut work: Vec<(BrokerAddress, usize, Vec<usize>, Vec<Encoded>)> = Vec::new();
        let mut spread: BTreeMap<String, usize> = BTreeMap::new();
        for (address, (indexes, requests)) in by_broker {
            let lanes = lanes_for(requests.len());
            let per_lane = requests.len().div_ceil(lanes);
            let mut indexes = indexes.into_iter();
            let mut requests = requests.into_iter();
            for lane in 0..lanes {
                let part: Vec<usize> = indexes.by_ref().take(per_lane).collect();
                let encoded: Vec<Encoded> = requests.by_ref().take(per_lane).collect();
                if !part.is_empty() {
                    work.push((address.clone(), lane, part, encoded));
                }
            }
            if lanes > 1 {
                spread.insert(address.to_string(), lanes);
            }
        }
        type Served =
            (BrokerAddress, Vec<usize>, std::result::Result<Vec<std::result::Result<Bytes, ConnError>>, ConnError>);
        let served: Vec<Served> = if work.len() == 1 {
            let (address, lane, indexes, requests) = work.pop().expect("one share");
            let result = self.serve(&address, lane, requests, deadline);
            vec![(address, indexes, result)]
        } else {
            std::thread::scope(|scope| {
                let threads: Vec<_> = work
                    .into_iter()
                    .map(|(address, lane, indexes, requests)| {
                        let on = address.clone();
                        (address, indexes, scope.spawn(move || self.serve(&on, lane, requests, deadline)))
                    })
                    .collect();
                threads
                    .into_iter()
                    .map(|(address, indexes, thread)| {
                        let result =
                            thread.join().unwrap_or_else(|_| Err(ConnError::Io("a worker thread failed".into())));
                        (address, indexes, result)
                    })
                    .collect()
            })
        };
        let mut fatal = None;
        for (address, indexes, result) in served {
            match result {
                Ok(bodies) => {
                    for (index, body) in indexes.into_iter().zip(bodies) {
                        answers[index] = Some(body);
                    }
                }
                Err(e) => {
                    if e.is_definitive() && fatal.is_none() {
                        fatal = Some(e.clone());
                    }
                    self.move_any_from(&address);
                    for index in indexes {
                        answers[index] = Some(Err(e.clone()));
                    }
                }
            }
        }
        let number = {
            let mut rounds = self.rounds.lock().expect("rounds");
            *rounds += 1;
            *rounds
        };
        self.trace(|| {
            let brokers: Vec<String> = summary
                .iter()
                .map(|(broker, calls)| {
                    let calls: Vec<String> = calls.iter().map(|(call, n)| format!("{n}x {call}")).collect();
                    match spread.get(broker) {
                        Some(lanes) => format!("{broker} ({lanes} connections): {}", calls.join(", ")),
                        None => format!("{broker}: {}", calls.join(", ")),
                    }
                })
                .collect();
            format!(
                "round {number} ({}): {} in {:.1} ms",
                round.label,
                brokers.join("; "),
                started.elapsed().as_secs_f64() * 1000.0
            )
        });
        match fatal {
            Some(e) => Err(Error::Cluster(e.to_string())),
            None => Ok(Answers { answers }),
        }
    }

    /// Runs operations to completion: rounds until each is done, retrying what failed for a passing reason with a
    /// backoff (100 ms doubling to 1 s), until `timeout` from now; then what is still pending fails.
    pub fn drive(&self, label: &'static str, operations: &mut [&mut dyn Operation], timeout: Duration) -> Result<()> {
        self.drive_within(label, operations, Instant::now() + timeout, timeout)
    }

    /// [`drive`](Self::drive) with a deadline that a phase of several drives shares.
    pub fn drive_until(
        &self,
        label: &'static str,
        operations: &mut [&mut dyn Operation],
        deadline: Instant,
    ) -> Result<()> {
        self.drive_within(label, operations, deadline, deadline.saturating_duration_since(Instant::now()))
    }

    fn drive_within(
        &self,
        label: &'static str,
        operations: &mut [&mut dyn Operation],
        deadline: Instant,
        timeout: Duration,
    ) -> Result<()> {
        let mut backoff = Duration::from_millis(100);
        loop {
            let mut round = Round::new(label);
            for op in operations.iter_mut() {
                op.request(self, &mut round);
            }
            if round.is_empty() {
                return Ok(());
            }
            let mut answers = self.run(round, deadline)?;
            let mut wait = false;
            for op in operations.iter_mut() {
                wait |= op.absorb(self, &mut answers) == Next::RetryLater;
            }
            if let Some(signal) = self.settings.stop.received() {
                let reason = format!("interrupted by signal {signal}");
                for op in operations.iter_mut() {
                    op.give_up(&reason);
                }
                return Ok(());
            }
            if wait {
                if Instant::now() + backoff >= deadline {
                    let reason = format!("still failing after {} ms", timeout.as_millis());
                    for op in operations.iter_mut() {
                        op.give_up(&reason);
                    }
                    return Ok(());
                }
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// What an operation needs after reading a round's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Done, or its next requests can go at once.
    Continue,
    /// Some requests failed for a passing reason: ask again after a backoff.
    RetryLater,
}

impl Next {
    /// A round whose part asks to retry later retries later.
    pub fn raise(&mut self, part: Next) {
        if part == Next::RetryLater {
            *self = Next::RetryLater;
        }
    }
}

/// Work that takes one or more rounds: it adds its requests, reads its answers, and keeps its own results.
pub trait Operation {
    /// Adds the requests still needed (none when done).
    fn request(&mut self, session: &Session, round: &mut Round);
    /// Reads the answers to the requests it added.
    fn absorb(&mut self, session: &Session, answers: &mut Answers) -> Next;
    /// The deadline passed: what is still pending fails with `reason` (and the last error seen).
    fn give_up(&mut self, reason: &str);
}
