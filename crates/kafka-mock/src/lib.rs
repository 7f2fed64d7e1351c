//! librdkafka's in-process mock cluster: real Kafka-protocol brokers on loopback, inside the calling process, for
//! the end-to-end tests, the benchmark and the development broker of `make demo`. The tools themselves do not use
//! librdkafka; this crate only provides brokers to test them against.
//!
//! rdkafka's own `MockCluster` lacks request tracking and per-broker errors, so this wraps librdkafka's C API
//! directly. This is the only module of the workspace with `unsafe` code; each block has a `// SAFETY:` line.

use std::ffi::{CStr, CString};
use std::os::raw::c_int;
use std::ptr;
use std::time::Duration;

use rdkafka::bindings as rd;
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, DefaultProducerContext, Producer};
use rdkafka::types::RDKafkaRespErr;

fn c_string(s: &str) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("name contains a NUL byte: {s:?}"))
}

/// librdkafka's name and description of an error code a mock function returned. (The mock's functions return only
/// codes of the librdkafka these bindings were generated from, so the enum value is valid; nothing here reads a code
/// a broker sent.)
fn err_name(code: rd::rd_kafka_resp_err_t) -> String {
    // SAFETY: both functions accept any code and return NUL-terminated strings that stay valid until the next call
    // on this thread (static for known codes, a thread-local buffer otherwise); each is copied before the next call.
    let text = unsafe { CStr::from_ptr(rd::rd_kafka_err2str(code)) }.to_string_lossy().into_owned();
    // SAFETY: as above.
    let name = unsafe { CStr::from_ptr(rd::rd_kafka_err2name(code)) }.to_string_lossy().into_owned();
    format!("{text} ({name})")
}

/// librdkafka's in-process mock cluster: real Kafka-protocol brokers on loopback, for tests and the demo broker.
/// Unlike rdkafka's `MockCluster`, this one exposes request tracking.
pub struct MockCluster {
    cluster: *mut rd::rd_kafka_mock_cluster_t,
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
        Ok(MockCluster { cluster, _handle: handle })
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

    /// Creates a topic whose partition leaders go round the brokers (partition p on broker 1 + p % brokers). The
    /// mock assigns single-replica partitions that way itself; setting each leader again would cost one request to
    /// the mock's thread per partition, which its wakeups sometimes miss (up to a second each).
    pub fn create_topic_spread(&self, topic: &str, partitions: i32) -> Result<(), String> {
        self.create_topic(topic, partitions, 1)
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
