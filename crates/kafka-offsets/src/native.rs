//! The one module that calls librdkafka's C API directly, for what rdkafka's safe API lacks:
//! the Admin ListOffsets call (per-partition results, one request per leader, isolation level, KIP-734
//! max-timestamp) and the mock cluster's request tracking (to prove that requests are batched).
//! Every `unsafe` block of the workspace is here, each with a `// SAFETY:` line.

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int};
use std::ptr;
use std::time::Duration;

use rdkafka::bindings as rd;
use rdkafka::client::{Client, ClientContext};
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, DefaultProducerContext, Producer};
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr};

/// Per-partition answer of ListOffsets: the offset, or the broker's (or client's) error for that partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedOffset {
    pub topic: String,
    pub partition: i32,
    pub result: Result<i64, ErrorCode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsolationLevel {
    ReadUncommitted,
    ReadCommitted,
}

/// Owns a native pointer and frees it with the matching librdkafka destructor.
struct Owned<T> {
    ptr: *mut T,
    free: unsafe extern "C" fn(*mut T),
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: `ptr` came from the librdkafka constructor paired with `free` and is freed once, here.
            unsafe { (self.free)(self.ptr) }
        }
    }
}

fn c_string(s: &str) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("name contains a NUL byte: {s:?}"))
}

/// An error code with Kafka's name for it and librdkafka's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: RDKafkaErrorCode,
    /// Kafka's name, e.g. `UNKNOWN_MEMBER_ID` (librdkafka's own errors start with `_`).
    pub name: String,
    pub description: String,
}

impl ErrorCode {
    fn new(code: rd::rd_kafka_resp_err_t) -> ErrorCode {
        // SAFETY: both functions return pointers to static strings, for any code.
        let (text, name) =
            unsafe { (CStr::from_ptr(rd::rd_kafka_err2str(code)), CStr::from_ptr(rd::rd_kafka_err2name(code))) };
        ErrorCode {
            code: RDKafkaErrorCode::from(code),
            name: name.to_string_lossy().into_owned(),
            description: text.to_string_lossy().into_owned(),
        }
    }
}

/// e.g. "Broker: Topic authorization failed (TOPIC_AUTHORIZATION_FAILED)".
impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.description, self.name)
    }
}

fn err_name(code: rd::rd_kafka_resp_err_t) -> String {
    ErrorCode::new(code).to_string()
}

/// A native topic-partition list with an offset (or ListOffsets spec) per partition.
fn partition_list(partitions: &[(&str, i32, i64)]) -> Result<Owned<rd::rd_kafka_topic_partition_list_t>, String> {
    // SAFETY: creating a list has no preconditions; `Owned` frees it.
    let list = Owned {
        ptr: unsafe { rd::rd_kafka_topic_partition_list_new(partitions.len() as i32) },
        free: rd::rd_kafka_topic_partition_list_destroy,
    };
    for (topic, partition, offset) in partitions {
        let name = c_string(topic)?;
        // SAFETY: `list.ptr` is a live list and `name` a NUL-terminated string copied by librdkafka.
        let elem = unsafe { rd::rd_kafka_topic_partition_list_add(list.ptr, name.as_ptr(), *partition) };
        // SAFETY: `add` returns a pointer into the live list.
        unsafe { (*elem).offset = *offset };
    }
    Ok(list)
}

/// The broker's answer to a commit: a request-level error, or each partition's error (None = committed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitReply {
    pub error: Option<ErrorCode>,
    pub partitions: Vec<(String, i32, Option<ErrorCode>)>,
}

/// How waiting for a commit's answer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitWait {
    Answered(CommitReply),
    /// No answer within the timeout: the commit was sent and may or may not have been applied.
    TimedOut,
    /// `stop` said to stop waiting (a signal): likewise unknown.
    Stopped,
}

/// Commits offsets for the client's `group.id` and waits at most `timeout` for the answer, asking `stop` every
/// 100 ms. rdkafka's asynchronous commit reports to a configured callback only, and its synchronous commit waits
/// without bound, so this uses `rd_kafka_commit_queue` with a queue of our own.
pub fn commit_offsets<C: ClientContext>(
    client: &Client<C>,
    offsets: &[(&str, i32, i64)],
    timeout: Duration,
    stop: &dyn Fn() -> bool,
) -> Result<CommitWait, String> {
    let rk = client.native_ptr();
    let list = partition_list(offsets)?;
    // SAFETY: `rk` is live; the queue is freed by `Owned`.
    let queue = Owned { ptr: unsafe { rd::rd_kafka_queue_new(rk) }, free: rd::rd_kafka_queue_destroy };
    // SAFETY: all pointers are live; librdkafka copies the list; with a queue the call returns at once.
    let err = unsafe { rd::rd_kafka_commit_queue(rk, list.ptr, queue.ptr, None, ptr::null_mut()) };
    if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Err(err_name(err));
    }
    let deadline = std::time::Instant::now() + timeout;
    let event = loop {
        let slice = deadline.saturating_duration_since(std::time::Instant::now()).min(Duration::from_millis(100));
        // SAFETY: `queue.ptr` is live; the event is freed by `Owned`.
        let event = Owned {
            ptr: unsafe { rd::rd_kafka_queue_poll(queue.ptr, slice.as_millis() as i32) },
            free: rd::rd_kafka_event_destroy,
        };
        if !event.ptr.is_null() {
            break event;
        }
        if stop() {
            return Ok(CommitWait::Stopped);
        }
        if std::time::Instant::now() >= deadline {
            return Ok(CommitWait::TimedOut);
        }
    };
    // SAFETY: `event.ptr` is a live OFFSET_COMMIT event; its list is owned by the event.
    let (err, committed) =
        unsafe { (rd::rd_kafka_event_error(event.ptr), rd::rd_kafka_event_topic_partition_list(event.ptr)) };
    let error = (err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR).then(|| ErrorCode::new(err));
    let mut partitions = Vec::new();
    if !committed.is_null() {
        // SAFETY: the list is live as long as the event; `elems` has `cnt` elements.
        let elems = unsafe { std::slice::from_raw_parts((*committed).elems, (*committed).cnt as usize) };
        for e in elems {
            // SAFETY: topic names are NUL-terminated strings owned by the list.
            let topic = unsafe { CStr::from_ptr(e.topic) }.to_string_lossy().into_owned();
            let code = (e.err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR).then(|| ErrorCode::new(e.err));
            partitions.push((topic, e.partition, code));
        }
    }
    Ok(CommitWait::Answered(CommitReply { error, partitions }))
}

/// Admin ListOffsets (librdkafka 2.3+): librdkafka looks up the leaders and sends one ListOffsets request per
/// leader broker for all of its partitions; each partition gets its own result or error.
/// `spec` is the wire value (-1 latest, -2 earliest, -3 max-timestamp, or a timestamp in ms).
pub fn list_offsets<C: ClientContext>(
    client: &Client<C>,
    partitions: &[(&str, i32)],
    spec: i64,
    isolation: IsolationLevel,
    timeout: Duration,
) -> Result<Vec<ListedOffset>, String> {
    let rk = client.native_ptr();
    let timeout_ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    let with_spec: Vec<(&str, i32, i64)> = partitions.iter().map(|(t, p)| (*t, *p, spec)).collect();
    let list = partition_list(&with_spec)?;

    // SAFETY: `rk` is the live handle owned by `client`, which outlives this call.
    let options = Owned {
        ptr: unsafe { rd::rd_kafka_AdminOptions_new(rk, rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTOFFSETS) },
        free: rd::rd_kafka_AdminOptions_destroy,
    };
    let mut errstr = [0 as c_char; 256];
    // SAFETY: `options.ptr` is live; errstr is a writable buffer of the size passed.
    let err = unsafe {
        rd::rd_kafka_AdminOptions_set_request_timeout(options.ptr, timeout_ms, errstr.as_mut_ptr(), errstr.len())
    };
    if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        // SAFETY: librdkafka wrote a NUL-terminated message into errstr.
        return Err(unsafe { CStr::from_ptr(errstr.as_ptr()) }.to_string_lossy().into_owned());
    }
    let level = match isolation {
        IsolationLevel::ReadUncommitted => rd::rd_kafka_IsolationLevel_t::RD_KAFKA_ISOLATION_LEVEL_READ_UNCOMMITTED,
        IsolationLevel::ReadCommitted => rd::rd_kafka_IsolationLevel_t::RD_KAFKA_ISOLATION_LEVEL_READ_COMMITTED,
    };
    // SAFETY: `options.ptr` is live; the returned error object (if any) is ours to destroy.
    let error = unsafe { rd::rd_kafka_AdminOptions_set_isolation_level(options.ptr, level) };
    if !error.is_null() {
        // SAFETY: `error` is a live error object returned to us.
        unsafe { rd::rd_kafka_error_destroy(error) };
        return Err("cannot set the isolation level".into());
    }

    // SAFETY: `rk` is live; the queue is freed by `Owned`.
    let queue = Owned { ptr: unsafe { rd::rd_kafka_queue_new(rk) }, free: rd::rd_kafka_queue_destroy };
    // SAFETY: all pointers are live; librdkafka copies the list and options before returning.
    unsafe { rd::rd_kafka_ListOffsets(rk, list.ptr, options.ptr, queue.ptr) };

    // The request timeout bounds the operation; the extra second lets librdkafka deliver its own timeout result.
    // SAFETY: `queue.ptr` is live; the event is freed by `Owned`.
    let event = Owned {
        ptr: unsafe { rd::rd_kafka_queue_poll(queue.ptr, timeout_ms.saturating_add(1000)) },
        free: rd::rd_kafka_event_destroy,
    };
    if event.ptr.is_null() {
        return Err(format!("no answer to ListOffsets within {} ms", timeout.as_millis()));
    }
    // SAFETY: `event.ptr` is a live event.
    let err = unsafe { rd::rd_kafka_event_error(event.ptr) };
    if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        // SAFETY: the event owns the error string, which lives as long as the event.
        let message = unsafe { CStr::from_ptr(rd::rd_kafka_event_error_string(event.ptr)) };
        return Err(format!("{} ({})", message.to_string_lossy(), ErrorCode::new(err).name));
    }
    // SAFETY: `event.ptr` is a live ListOffsets result event (the only kind this queue receives).
    let result = unsafe { rd::rd_kafka_event_ListOffsets_result(event.ptr) };
    if result.is_null() {
        return Err("unexpected event in answer to ListOffsets".into());
    }
    let mut count = 0usize;
    // SAFETY: `result` is owned by the live event; the array has `count` elements.
    let infos = unsafe { rd::rd_kafka_ListOffsets_result_infos(result, &mut count) };
    let mut listed = Vec::with_capacity(count);
    for i in 0..count {
        // SAFETY: i < count; each info and its topic-partition are owned by the live event.
        let tp = unsafe { &*rd::rd_kafka_ListOffsetsResultInfo_topic_partition(*infos.add(i)) };
        // SAFETY: the topic name is a NUL-terminated string owned by the event.
        let topic = unsafe { CStr::from_ptr(tp.topic) }.to_string_lossy().into_owned();
        let result = if tp.err == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            Ok(tp.offset)
        } else {
            Err(ErrorCode::new(tp.err))
        };
        listed.push(ListedOffset { topic, partition: tp.partition, result });
    }
    Ok(listed)
}

/// librdkafka's in-process mock cluster: real Kafka-protocol brokers on loopback, for tests and the demo broker.
/// Unlike rdkafka's `MockCluster`, this one exposes request tracking.
pub struct MockCluster {
    cluster: *mut rd::rd_kafka_mock_cluster_t,
    brokers: i32,
    // The mock cluster runs on this handle's threads; it must outlive `cluster`.
    _handle: BaseProducer<DefaultProducerContext>,
}

// SAFETY: librdkafka's mock cluster API is thread-safe (every call is a message to the cluster's own thread).
unsafe impl Send for MockCluster {}
// SAFETY: as above, shared references only issue thread-safe calls.
unsafe impl Sync for MockCluster {}

impl std::fmt::Debug for MockCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockCluster").field("bootstrap", &self.bootstrap_servers()).finish()
    }
}

impl MockCluster {
    pub fn new(brokers: i32) -> Result<MockCluster, String> {
        let handle: BaseProducer<DefaultProducerContext> = ClientConfig::new()
            .set("log_level", "0")
            .create()
            .map_err(|e| format!("cannot create the mock cluster's client: {e}"))?;
        // SAFETY: the handle is live and kept alive in the struct for the cluster's lifetime.
        let cluster = unsafe { rd::rd_kafka_mock_cluster_new(handle.client().native_ptr(), brokers) };
        if cluster.is_null() {
            return Err("librdkafka could not start the mock cluster".into());
        }
        Ok(MockCluster { cluster, brokers, _handle: handle })
    }

    pub fn bootstrap_servers(&self) -> String {
        // SAFETY: the cluster is live; the returned string is owned by it and copied here.
        unsafe { CStr::from_ptr(rd::rd_kafka_mock_cluster_bootstraps(self.cluster)) }.to_string_lossy().into_owned()
    }

    fn check(err: rd::rd_kafka_resp_err_t, what: &str) -> Result<(), String> {
        if err == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            Ok(())
        } else {
            Err(format!("mock cluster: {what}: {}", err_name(err)))
        }
    }

    pub fn create_topic(&self, topic: &str, partitions: i32, replication: i32) -> Result<(), String> {
        let name = c_string(topic)?;
        // SAFETY: the cluster is live and `name` is NUL-terminated.
        let err = unsafe { rd::rd_kafka_mock_topic_create(self.cluster, name.as_ptr(), partitions, replication) };
        Self::check(err, "create topic")
    }

    /// Creates a topic whose partition leaders go round the brokers (partition p on broker 1 + p % brokers).
    pub fn create_topic_spread(&self, topic: &str, partitions: i32) -> Result<(), String> {
        self.create_topic(topic, partitions, 1)?;
        (0..partitions).try_for_each(|p| self.set_partition_leader(topic, p, 1 + p % self.brokers))
    }

    pub fn set_partition_leader(&self, topic: &str, partition: i32, broker: i32) -> Result<(), String> {
        let name = c_string(topic)?;
        // SAFETY: the cluster is live and `name` is NUL-terminated.
        let err = unsafe { rd::rd_kafka_mock_partition_set_leader(self.cluster, name.as_ptr(), partition, broker) };
        Self::check(err, "set partition leader")
    }

    pub fn broker_down(&self, broker: i32) -> Result<(), String> {
        // SAFETY: the cluster is live.
        Self::check(unsafe { rd::rd_kafka_mock_broker_set_down(self.cluster, broker) }, "broker down")
    }

    pub fn broker_up(&self, broker: i32) -> Result<(), String> {
        // SAFETY: the cluster is live.
        Self::check(unsafe { rd::rd_kafka_mock_broker_set_up(self.cluster, broker) }, "broker up")
    }

    /// Adds `rtt` of latency to every answer of one broker.
    pub fn set_round_trip_time(&self, broker: i32, rtt: Duration) -> Result<(), String> {
        let ms = i32::try_from(rtt.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: the cluster is live.
        Self::check(unsafe { rd::rd_kafka_mock_broker_set_rtt(self.cluster, broker, ms) }, "set rtt")
    }

    /// The next requests with this API key fail with these errors, in order (any broker).
    pub fn push_request_errors(&self, api_key: i16, errors: &[RDKafkaRespErr]) {
        // SAFETY: the cluster is live and `errors` holds `len` elements, copied by librdkafka.
        unsafe { rd::rd_kafka_mock_push_request_errors_array(self.cluster, api_key, errors.len(), errors.as_ptr()) }
    }

    /// The next requests with this API key to one broker fail with these errors, in order.
    pub fn push_broker_request_errors(
        &self,
        broker: i32,
        api_key: i16,
        errors: &[RDKafkaRespErr],
    ) -> Result<(), String> {
        for error in errors {
            // SAFETY: the cluster is live; the variadic part is `cnt` (error code, round-trip ms) pairs, here one.
            let err = unsafe {
                rd::rd_kafka_mock_broker_push_request_error_rtts(self.cluster, broker, api_key, 1, *error, 0 as c_int)
            };
            Self::check(err, "push broker request error")?;
        }
        Ok(())
    }

    /// Makes `broker` the coordinator of `group`.
    pub fn set_group_coordinator(&self, group: &str, broker: i32) -> Result<(), String> {
        let (kind, key) = (c_string("group")?, c_string(group)?);
        // SAFETY: the cluster is live and both strings are NUL-terminated.
        let err = unsafe { rd::rd_kafka_mock_coordinator_set(self.cluster, kind.as_ptr(), key.as_ptr(), broker) };
        Self::check(err, "set coordinator")
    }

    pub fn clear_request_errors(&self, api_key: i16) {
        // SAFETY: the cluster is live.
        unsafe { rd::rd_kafka_mock_clear_request_errors(self.cluster, api_key) }
    }

    pub fn start_request_tracking(&self) {
        // SAFETY: the cluster is live.
        unsafe { rd::rd_kafka_mock_start_request_tracking(self.cluster) }
    }

    pub fn clear_requests(&self) {
        // SAFETY: the cluster is live.
        unsafe { rd::rd_kafka_mock_clear_requests(self.cluster) }
    }

    /// Requests received since tracking started: (broker id, API key), in arrival order.
    pub fn requests(&self) -> Vec<(i32, i16)> {
        let mut count = 0usize;
        // SAFETY: the cluster is live; we own the returned array and its elements.
        let array = unsafe { rd::rd_kafka_mock_get_requests(self.cluster, &mut count) };
        if array.is_null() {
            return Vec::new();
        }
        let requests = (0..count)
            .map(|i| {
                // SAFETY: i < count, each element is a live request.
                let request = unsafe { *array.add(i) };
                // SAFETY: `request` is live until the array is destroyed below.
                unsafe { (rd::rd_kafka_mock_request_id(request), rd::rd_kafka_mock_request_api_key(request)) }
            })
            .collect();
        // SAFETY: frees the elements and the array we own, once.
        unsafe { rd::rd_kafka_mock_request_destroy_array(array, count) };
        requests
    }
}

impl Drop for MockCluster {
    fn drop(&mut self) {
        // SAFETY: the cluster is live and destroyed once, before its handle is dropped.
        unsafe { rd::rd_kafka_mock_cluster_destroy(self.cluster) };
        self.cluster = ptr::null_mut();
    }
}
