//! Records as a broker sends them in a Fetch answer, decoded here with bounded memory: record batches (magic 2,
//! Kafka 0.11+, KIP-98) and the message sets before them (magic 0 and 1, with their compressed wrappers). Every
//! codec Kafka producers write: gzip, snappy (raw, and the xerial framing of Kafka's Java producer), lz4 frames and
//! zstd, all the batches of one answer inflated to at most [`MAX_INFLATED`] bytes together; checksums are verified.
//! A length or count read from the wire never decides an allocation: vectors grow as their elements really arrive,
//! and every length is checked against the bytes left. Offsets read from the wire are added with checks, and a
//! compressed message inside a compressed message (which Kafka never writes) is refused, so nesting costs no stack.

use std::io::Read;

use bytes::Bytes;

/// The most the batches of one answer may inflate to together: far above what producers write (1 MB batches by
/// default), low enough that a hostile answer cannot exhaust memory.
pub const MAX_INFLATED: usize = 64 << 20;

/// How a record's timestamp was set (the batch's attributes say): by its producer, or by the broker on append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampType {
    /// Magic 0 (Kafka 0.9): no timestamps.
    None,
    Create,
    LogAppend,
}

/// A record of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub offset: i64,
    /// None for magic 0 messages, which have no timestamp.
    pub timestamp: Option<i64>,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
}

/// A transaction marker (control record, KIP-98).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Commit,
    Abort,
    /// Another kind of control record (a newer Kafka's): not data, no effect on transactions.
    Other,
}

/// A record batch (or an old message, or a compressed wrapper and the messages in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub base_offset: i64,
    /// The offset after the batch (its last offset delta + 1: compacted or control batches still advance).
    pub end_offset: i64,
    pub timestamp_type: TimestampType,
    pub transactional: bool,
    pub producer_id: i64,
    /// Some for a control batch: its marker.
    pub control: Option<Control>,
    pub records: Vec<Record>,
}

/// Why a batch cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError(pub String);

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn error(message: impl Into<String>) -> RecordError {
    RecordError(message.into())
}

/// A cursor over bytes whose every read is checked against what is left.
struct Cursor {
    bytes: Bytes,
    at: usize,
}

impl Cursor {
    fn new(bytes: Bytes) -> Cursor {
        Cursor { bytes, at: 0 }
    }

    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize) -> Result<Bytes, RecordError> {
        if n > self.left() {
            return Err(error("a record is cut short"));
        }
        let slice = self.bytes.slice(self.at..self.at + n);
        self.at += n;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], RecordError> {
        let bytes = self.take(N)?;
        Ok(bytes[..].try_into().expect("N bytes"))
    }

    fn i8(&mut self) -> Result<i8, RecordError> {
        Ok(i8::from_be_bytes(self.array()?))
    }

    fn i16(&mut self) -> Result<i16, RecordError> {
        Ok(i16::from_be_bytes(self.array()?))
    }

    fn i32(&mut self) -> Result<i32, RecordError> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, RecordError> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    /// A zigzag varlong (records of magic 2).
    fn varlong(&mut self) -> Result<i64, RecordError> {
        let mut value: u64 = 0;
        for shift in (0..70).step_by(7) {
            let byte = self.array::<1>()?[0];
            if shift == 63 && byte > 1 {
                return Err(error("a varint is too long"));
            }
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(((value >> 1) as i64) ^ -((value & 1) as i64));
            }
        }
        Err(error("a varint is too long"))
    }

    fn varint(&mut self) -> Result<i32, RecordError> {
        i32::try_from(self.varlong()?).map_err(|_| error("a varint is out of range"))
    }

    /// Bytes of a length read before them (-1: null).
    fn sized(&mut self, length: i64) -> Result<Option<Bytes>, RecordError> {
        match length {
            -1 => Ok(None),
            n if n < 0 => Err(error("a negative length")),
            n => Ok(Some(self.take(usize::try_from(n).map_err(|_| error("a length is too large"))?)?)),
        }
    }
}

/// What an answer's batches may still inflate to (see [`MAX_INFLATED`]).
struct Budget {
    left: usize,
}

impl Budget {
    fn spend(&mut self, bytes: usize, name: &str) -> Result<(), RecordError> {
        self.left = self.left.checked_sub(bytes).ok_or_else(|| {
            error(format!("the {name} batches of one answer inflate to more than {} MiB", MAX_INFLATED >> 20))
        })?;
        Ok(())
    }
}

/// Inflates a compressed block (codec from the attributes' low three bits), within the answer's budget.
fn inflate(codec: u8, data: &[u8], budget: &mut Budget) -> Result<Bytes, RecordError> {
    let limit = budget.left;
    let mut bounded = |reader: &mut dyn Read, name: &str| -> Result<Bytes, RecordError> {
        let mut out = Vec::new();
        reader
            .take((limit as u64).saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| error(format!("cannot decompress a {name} batch: {e}")))?;
        budget.spend(out.len(), name)?;
        Ok(Bytes::from(out))
    };
    match codec {
        0 => Ok(Bytes::copy_from_slice(data)),
        1 => bounded(&mut flate2::read::MultiGzDecoder::new(data), "gzip"),
        2 => {
            let out = snappy(data, limit)?;
            budget.spend(out.len(), "snappy")?;
            Ok(out)
        }
        3 => {
            let mut decoder =
                lz4::Decoder::new(data).map_err(|e| error(format!("cannot decompress a lz4 batch: {e}")))?;
            bounded(&mut decoder, "lz4")
        }
        4 => {
            let mut decoder = zstd::stream::read::Decoder::with_buffer(data)
                .map_err(|e| error(format!("cannot decompress a zstd batch: {e}")))?;
            // The window a frame may ask for: 32 MiB at most (producers use a few MiB).
            decoder.window_log_max(25).map_err(|e| error(format!("cannot decompress a zstd batch: {e}")))?;
            bounded(&mut decoder, "zstd")
        }
        other => Err(error(format!("unknown compression codec {other}"))),
    }
}

/// Kafka before 0.10 wrote its lz4 frames' header checksum over the magic number too (KAFKA-3160, fixed with magic
/// 1): the frame with the checksum of its descriptor, as the format has it.
fn lz4_header_checksum_fixed(data: &[u8]) -> Vec<u8> {
    let mut fixed = data.to_vec();
    if fixed.len() < 7 || fixed[..4] != [0x04, 0x22, 0x4d, 0x18] {
        return fixed;
    }
    let flags = fixed[4];
    let descriptor = 2 + if flags & 0x08 != 0 { 8 } else { 0 } + if flags & 0x01 != 0 { 4 } else { 0 };
    if fixed.len() > 4 + descriptor {
        fixed[4 + descriptor] = (xxhash_rust::xxh32::xxh32(&data[4..4 + descriptor], 0) >> 8) as u8;
    }
    fixed
}

/// The xerial framing that Kafka's Java producer writes around snappy blocks: a magic header, then blocks each
/// preceded by its size.
const XERIAL: &[u8] = b"\x82SNAPPY\x00";

fn snappy(data: &[u8], limit: usize) -> Result<Bytes, RecordError> {
    let raw = |block: &[u8], out: &mut Vec<u8>| -> Result<(), RecordError> {
        let length =
            snap::raw::decompress_len(block).map_err(|e| error(format!("cannot decompress a snappy batch: {e}")))?;
        if out.len() + length > limit {
            return Err(error(format!(
                "the snappy batches of one answer inflate to more than {} MiB",
                MAX_INFLATED >> 20
            )));
        }
        let start = out.len();
        out.resize(start + length, 0);
        snap::raw::Decoder::new()
            .decompress(block, &mut out[start..])
            .map_err(|e| error(format!("cannot decompress a snappy batch: {e}")))?;
        Ok(())
    };
    let mut out = Vec::new();
    if data.len() >= 16 && data.starts_with(XERIAL) {
        let mut cursor = Cursor::new(Bytes::copy_from_slice(&data[16..]));
        while cursor.left() > 0 {
            let size = cursor.i32()?;
            let block = cursor.sized(i64::from(size))?.ok_or_else(|| error("a snappy block without size"))?;
            raw(&block, &mut out)?;
        }
    } else {
        raw(data, &mut out)?;
    }
    Ok(Bytes::from(out))
}

/// Decodes the whole batches at the start of `bytes` (a Fetch answer's records), and the offset after the last one;
/// a last batch cut short by the answer's size limit is left out (`None` end when there is no whole batch).
pub fn decode_batches(bytes: Bytes) -> Result<(Vec<Batch>, Option<i64>), RecordError> {
    let mut batches = Vec::new();
    let mut end = None;
    let mut budget = Budget { left: MAX_INFLATED };
    let mut cursor = Cursor::new(bytes);
    while cursor.left() >= 17 {
        let base_offset = cursor.i64()?;
        let length = cursor.i32()?;
        let Ok(length) = usize::try_from(length) else { return Err(error("a batch has a negative length")) };
        if length > cursor.left() {
            break; // cut short by the size limit: asked again from its offset
        }
        let body = cursor.take(length)?;
        let magic = body.get(4).copied().ok_or_else(|| error("a batch is cut short"))? as i8;
        match magic {
            2 => batches.push(record_batch(base_offset, body, &mut budget)?),
            0 | 1 => batches.push(message(base_offset, body, magic, &mut budget)?),
            other => return Err(error(format!("unknown record format (magic {other})"))),
        }
        let last = batches.last().map(|b: &Batch| b.end_offset);
        end = end.max(last);
    }
    Ok((batches, end))
}

/// A record batch (magic 2); `body` starts after its length.
fn record_batch(base_offset: i64, body: Bytes, budget: &mut Budget) -> Result<Batch, RecordError> {
    let mut cursor = Cursor::new(body.clone());
    let _leader_epoch = cursor.i32()?;
    let _magic = cursor.i8()?;
    let crc = u32::from_be_bytes(cursor.array()?);
    if crc32c::crc32c(&body[cursor.at..]) != crc {
        return Err(error(format!("the batch at offset {base_offset} fails its checksum")));
    }
    let attributes = cursor.i16()?;
    let last_offset_delta = cursor.i32()?;
    let base_timestamp = cursor.i64()?;
    let max_timestamp = cursor.i64()?;
    let producer_id = cursor.i64()?;
    let _producer_epoch = cursor.i16()?;
    let _base_sequence = cursor.i32()?;
    let count = cursor.i32()?;
    let end_offset = base_offset
        .checked_add(i64::from(last_offset_delta))
        .and_then(|o| o.checked_add(1))
        .ok_or_else(|| error("a batch's offsets overflow"))?;
    let timestamp_type = if attributes & 0x08 != 0 { TimestampType::LogAppend } else { TimestampType::Create };
    let transactional = attributes & 0x10 != 0;
    let is_control = attributes & 0x20 != 0;
    let rest = cursor.take(cursor.left())?;
    let records_bytes = inflate((attributes & 0x07) as u8, &rest, budget)?;
    let mut records = Vec::new();
    let mut cursor = Cursor::new(records_bytes);
    for _ in 0..count.max(0) {
        if cursor.left() == 0 {
            return Err(error(format!("the batch at offset {base_offset} has fewer records than it says")));
        }
        let length = cursor.varint()?;
        let record = cursor.sized(i64::from(length))?.ok_or_else(|| error("a record without length"))?;
        let mut r = Cursor::new(record);
        let _attributes = r.i8()?;
        let timestamp_delta = r.varlong()?;
        let offset_delta = r.varint()?;
        let key_length = r.varint()?;
        let key = r.sized(i64::from(key_length))?;
        let value_length = r.varint()?;
        let value = r.sized(i64::from(value_length))?;
        let headers = r.varint()?;
        for _ in 0..headers.max(0) {
            let key_length = r.varint()?;
            r.sized(i64::from(key_length))?;
            let value_length = r.varint()?;
            r.sized(i64::from(value_length))?;
        }
        let timestamp = match timestamp_type {
            TimestampType::LogAppend => max_timestamp,
            _ => base_timestamp.checked_add(timestamp_delta).ok_or_else(|| error("a timestamp overflows"))?,
        };
        let offset = base_offset.checked_add(i64::from(offset_delta)).ok_or_else(|| error("an offset overflows"))?;
        records.push(Record { offset, timestamp: (timestamp >= 0).then_some(timestamp), key, value });
    }
    let control = is_control.then(|| match records.first().and_then(|r| r.key.as_ref()) {
        Some(key) if key.len() >= 4 && key[2..4] == [0, 0] => Control::Abort,
        Some(key) if key.len() >= 4 && key[2..4] == [0, 1] => Control::Commit,
        _ => Control::Other,
    });
    Ok(Batch {
        base_offset,
        end_offset,
        timestamp_type,
        transactional,
        producer_id,
        control,
        records: if is_control { Vec::new() } else { records },
    })
}

/// An old message (magic 0 or 1), `body` starting after its size: itself, or when it wraps compressed messages,
/// the messages inside (magic 1 numbers them relative to the wrapper's offset, which is the last one's).
fn message(offset: i64, body: Bytes, magic: i8, budget: &mut Budget) -> Result<Batch, RecordError> {
    let (codec, record, timestamp_type) = message_record(offset, body, magic)?;
    let end_offset = offset.checked_add(1).ok_or_else(|| error("a message's offset overflows"))?;
    let single = |records| Batch {
        base_offset: offset,
        end_offset,
        timestamp_type,
        transactional: false,
        producer_id: -1,
        control: None,
        records,
    };
    if codec == 0 {
        return Ok(single(vec![record]));
    }
    let compressed = record.value.as_deref().unwrap_or_default();
    let inner = if magic == 0 && codec == 3 {
        inflate(codec, &lz4_header_checksum_fixed(compressed), budget)?
    } else {
        inflate(codec, compressed, budget)?
    };
    let mut messages: Vec<Record> = Vec::new();
    let mut cursor = Cursor::new(inner);
    while cursor.left() >= 12 {
        let inner_offset = cursor.i64()?;
        let size = cursor.i32()?;
        let body = cursor.sized(i64::from(size))?.ok_or_else(|| error("a message without size"))?;
        let (inner_codec, inner_record, _) = message_record(inner_offset, body, magic)?;
        if inner_codec != 0 {
            return Err(error(format!(
                "the message at offset {offset} holds a compressed message (Kafka compresses only the outer one)"
            )));
        }
        if messages.last().is_some_and(|m| m.offset >= inner_offset) {
            return Err(error(format!("the messages inside the message at offset {offset} are out of order")));
        }
        messages.push(inner_record);
    }
    if magic >= 1 {
        let overflow = || error(format!("the offsets inside the message at offset {offset} overflow"));
        let shift = offset.checked_sub(messages.last().map_or(0, |m| m.offset)).ok_or_else(overflow)?;
        for m in &mut messages {
            m.offset = m.offset.checked_add(shift).ok_or_else(overflow)?;
            if timestamp_type == TimestampType::LogAppend {
                m.timestamp = record.timestamp;
            }
        }
    }
    let base = messages.first().map_or(offset, |m| m.offset);
    Ok(Batch { base_offset: base, ..single(messages) })
}

/// One old message read as a record (its value still compressed when `codec` is not 0), after its checksum.
fn message_record(offset: i64, body: Bytes, magic: i8) -> Result<(u8, Record, TimestampType), RecordError> {
    let mut cursor = Cursor::new(body.clone());
    let crc = u32::from_be_bytes(cursor.array()?);
    if crc32fast::hash(&body[4..]) != crc {
        return Err(error(format!("the message at offset {offset} fails its checksum")));
    }
    let _magic = cursor.i8()?;
    let attributes = cursor.i8()? as u8;
    let (timestamp, timestamp_type) = if magic >= 1 {
        let ts = cursor.i64()?;
        (Some(ts), if attributes & 0x08 != 0 { TimestampType::LogAppend } else { TimestampType::Create })
    } else {
        (None, TimestampType::None)
    };
    let key_length = cursor.i32()?;
    let key = cursor.sized(i64::from(key_length))?;
    let value_length = cursor.i32()?;
    let value = cursor.sized(i64::from(value_length))?;
    let codec = attributes & 0x07;
    // A wrapper's timestamp is kept whole (LogAppendTime gives it to every message inside).
    let timestamp = if codec == 0 { timestamp.filter(|t| *t >= 0) } else { timestamp };
    Ok((codec, Record { offset, timestamp, key, value }, timestamp_type))
}

/// Sets apart the batches of aborted transactions, as a read_committed consumer leaves them out (KIP-98): `aborted`
/// lists (producer id, first offset) of the transactions a Fetch answer says were aborted in its range. Returns the
/// batches kept, and those of aborted transactions.
pub fn split_aborted(batches: Vec<Batch>, aborted: &[(i64, i64)]) -> (Vec<Batch>, Vec<Batch>) {
    let mut pending: Vec<(i64, i64)> = aborted.to_vec();
    pending.sort_by_key(|&(_, first)| first);
    let mut pending = pending.into_iter().peekable();
    let mut aborting = std::collections::HashSet::new();
    let mut kept = Vec::with_capacity(batches.len());
    let mut dropped = Vec::new();
    for batch in batches {
        while let Some(&(producer, _)) = pending.peek().filter(|(_, first)| *first < batch.end_offset) {
            aborting.insert(producer);
            pending.next();
        }
        match batch.control {
            Some(Control::Abort) => {
                aborting.remove(&batch.producer_id);
            }
            Some(_) => {}
            None if batch.transactional && aborting.contains(&batch.producer_id) => {
                dropped.push(batch);
                continue;
            }
            None => {}
        }
        kept.push(batch);
    }
    (kept, dropped)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bytes::BytesMut;
    use kafka_protocol::records::{Compression, RecordBatchEncoder, RecordEncodeOptions};
    use std::io::Write;

    /// A zigzag varint.
    fn varint(out: &mut Vec<u8>, value: i64) {
        let mut v = ((value << 1) ^ (value >> 63)) as u64;
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// One record of a v2 batch: offset delta, timestamp delta, key, value, no headers.
    pub(crate) fn record_v2(
        offset_delta: i64,
        timestamp_delta: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
    ) -> Vec<u8> {
        let mut body = vec![0u8];
        varint(&mut body, timestamp_delta);
        varint(&mut body, offset_delta);
        for field in [key, value] {
            match field {
                None => varint(&mut body, -1),
                Some(bytes) => {
                    varint(&mut body, bytes.len() as i64);
                    body.extend_from_slice(bytes);
                }
            }
        }
        varint(&mut body, 0);
        let mut record = Vec::new();
        varint(&mut record, body.len() as i64);
        record.extend(body);
        record
    }

    #[derive(Debug, Clone)]
    pub(crate) struct BatchSpec {
        pub base_offset: i64,
        pub base_timestamp: i64,
        pub max_timestamp: i64,
        pub producer_id: i64,
        pub transactional: bool,
        pub control: bool,
        pub log_append_time: bool,
        pub codec: u8,
        /// Records the batch says it holds (None: as many as given).
        pub count: Option<i32>,
    }

    impl Default for BatchSpec {
        fn default() -> Self {
            BatchSpec {
                base_offset: 0,
                base_timestamp: 1000,
                max_timestamp: 1000,
                producer_id: -1,
                transactional: false,
                control: false,
                log_append_time: false,
                codec: 0,
                count: None,
            }
        }
    }

    /// A v2 record batch, written here from the format (not by the code under test), with its checksum.
    pub(crate) fn batch_v2(spec: &BatchSpec, records: &[Vec<u8>]) -> Vec<u8> {
        let payload: Vec<u8> = records.concat();
        let payload = compress(spec.codec, &payload);
        let mut attributes = i16::from(spec.codec);
        if spec.log_append_time {
            attributes |= 0x08;
        }
        if spec.transactional {
            attributes |= 0x10;
        }
        if spec.control {
            attributes |= 0x20;
        }
        let mut after_crc = Vec::new();
        after_crc.extend(attributes.to_be_bytes());
        after_crc.extend((records.len() as i32 - 1).max(0).to_be_bytes());
        after_crc.extend(spec.base_timestamp.to_be_bytes());
        after_crc.extend(spec.max_timestamp.to_be_bytes());
        after_crc.extend(spec.producer_id.to_be_bytes());
        after_crc.extend(0i16.to_be_bytes());
        after_crc.extend((-1i32).to_be_bytes());
        after_crc.extend(spec.count.unwrap_or(records.len() as i32).to_be_bytes());
        after_crc.extend(payload);
        let mut body = Vec::new();
        body.extend(0i32.to_be_bytes());
        body.push(2);
        body.extend(crc32c::crc32c(&after_crc).to_be_bytes());
        body.extend(after_crc);
        let mut batch = spec.base_offset.to_be_bytes().to_vec();
        batch.extend((body.len() as i32).to_be_bytes());
        batch.extend(body);
        batch
    }

    /// Compressed as Kafka's Java producer writes it (snappy: the xerial framing).
    fn compress(codec: u8, data: &[u8]) -> Vec<u8> {
        match codec {
            0 => data.to_vec(),
            1 => {
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(data).unwrap();
                encoder.finish().unwrap()
            }
            2 => {
                let block = snap::raw::Encoder::new().compress_vec(data).unwrap();
                let mut framed = XERIAL.to_vec();
                framed.extend(1i32.to_be_bytes());
                framed.extend(1i32.to_be_bytes());
                framed.extend((block.len() as i32).to_be_bytes());
                framed.extend(block);
                framed
            }
            3 => {
                let mut encoder = lz4::EncoderBuilder::new().build(Vec::new()).unwrap();
                encoder.write_all(data).unwrap();
                encoder.finish().0
            }
            4 => zstd::encode_all(data, 3).unwrap(),
            _ => unreachable!(),
        }
    }

    fn values(batches: &[Batch]) -> Vec<(i64, Option<i64>, Option<Bytes>)> {
        batches.iter().flat_map(|b| b.records.iter().map(|r| (r.offset, r.timestamp, r.value.clone()))).collect()
    }

    #[test]
    fn every_codec_as_kafkas_java_producer_writes_it() {
        for codec in 0..=4 {
            let spec = BatchSpec { base_offset: 40, codec, ..BatchSpec::default() };
            let records = [record_v2(0, 0, Some(b"k"), Some(b"v0")), record_v2(1, 7, None, Some(b"v1"))];
            let (batches, end) = decode_batches(Bytes::from(batch_v2(&spec, &records))).unwrap();
            assert_eq!(
                values(&batches),
                vec![(40, Some(1000), Some(Bytes::from("v0"))), (41, Some(1007), Some(Bytes::from("v1")))],
                "codec {codec}"
            );
            assert_eq!(batches[0].records[0].key, Some(Bytes::from("k")));
            assert_eq!(end, Some(42));
        }
    }

    #[test]
    fn batches_written_by_another_encoder_decode_the_same() {
        let record = |offset: i64, value: &str| kafka_protocol::records::Record {
            transactional: false,
            control: false,
            partition_leader_epoch: 0,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: kafka_protocol::records::TimestampType::Creation,
            offset,
            sequence: -1,
            timestamp: 5 + offset,
            key: None,
            value: Some(Bytes::from(value.to_string())),
            headers: Default::default(),
        };
        for compression in
            [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd]
        {
            let mut buf = BytesMut::new();
            let options = RecordEncodeOptions { version: 2, compression };
            RecordBatchEncoder::encode(&mut buf, &[record(10, "a"), record(11, "b")], &options).unwrap();
            let (batches, end) = decode_batches(buf.freeze()).unwrap();
            assert_eq!(
                values(&batches),
                vec![(10, Some(15), Some(Bytes::from("a"))), (11, Some(16), Some(Bytes::from("b")))],
                "{compression:?}"
            );
            assert_eq!(end, Some(12));
        }
    }

    #[test]
    fn old_messages_plain_and_compressed() {
        let record = |offset: i64, timestamp: i64, value: &str| kafka_protocol::records::Record {
            transactional: false,
            control: false,
            partition_leader_epoch: 0,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: kafka_protocol::records::TimestampType::Creation,
            offset,
            sequence: -1,
            timestamp,
            key: None,
            value: Some(Bytes::from(value.to_string())),
            headers: Default::default(),
        };
        // Magic 0: no timestamps; the encoder writes offset 0, so each message gets its own here.
        let mut bytes = BytesMut::new();
        for (offset, value) in [(4i64, "x"), (5, "y")] {
            let mut one = BytesMut::new();
            let options = RecordEncodeOptions { version: 0, compression: Compression::None };
            RecordBatchEncoder::encode(&mut one, &[record(offset, -1, value)], &options).unwrap();
            one[..8].copy_from_slice(&offset.to_be_bytes());
            bytes.extend_from_slice(&one);
        }
        let (batches, end) = decode_batches(bytes.freeze()).unwrap();
        assert_eq!(values(&batches), vec![(4, None, Some(Bytes::from("x"))), (5, None, Some(Bytes::from("y")))]);
        assert_eq!((batches[0].timestamp_type, end), (TimestampType::None, Some(6)));

        // Magic 1, gzip: a wrapper whose offset is its last message's; inner offsets are relative (0, 1).
        let inner = [message_v1(0, 70, 0, b"p"), message_v1(1, 71, 0, b"q")].concat();
        let wrapper = message_v1(21, 71, 1, &compress(1, &inner));
        let (batches, end) = decode_batches(Bytes::from(wrapper)).unwrap();
        assert_eq!(
            values(&batches),
            vec![(20, Some(70), Some(Bytes::from("p"))), (21, Some(71), Some(Bytes::from("q")))]
        );
        assert_eq!(end, Some(22));
        // LogAppendTime on the wrapper: every message gets its timestamp.
        let wrapper = message_v1(21, 99, 1 | 0x08, &compress(1, &inner));
        let (batches, _) = decode_batches(Bytes::from(wrapper)).unwrap();
        assert_eq!(batches[0].records.iter().map(|r| r.timestamp).collect::<Vec<_>>(), [Some(99), Some(99)]);
    }

    /// A magic 1 message (offset, size, crc, magic, attributes, timestamp, no key, value), written from the format.
    fn message_v1(offset: i64, timestamp: i64, attributes: u8, value: &[u8]) -> Vec<u8> {
        let mut body = vec![1u8, attributes];
        body.extend(timestamp.to_be_bytes());
        body.extend((-1i32).to_be_bytes());
        body.extend((value.len() as i32).to_be_bytes());
        body.extend_from_slice(value);
        let mut message = offset.to_be_bytes().to_vec();
        message.extend((body.len() as i32 + 4).to_be_bytes());
        message.extend(crc32fast::hash(&body).to_be_bytes());
        message.extend(body);
        message
    }

    #[test]
    fn a_batch_cut_short_by_the_answer_size_is_left_for_the_next_read() {
        let first = batch_v2(&BatchSpec::default(), &[record_v2(0, 0, None, Some(b"a"))]);
        let second =
            batch_v2(&BatchSpec { base_offset: 1, ..BatchSpec::default() }, &[record_v2(0, 0, None, Some(b"b"))]);
        let mut bytes = first.clone();
        bytes.extend_from_slice(&second[..second.len() - 3]);
        let (batches, end) = decode_batches(Bytes::from(bytes)).unwrap();
        assert_eq!((batches.len(), end), (1, Some(1)));
        assert_eq!(decode_batches(Bytes::from(second[..second.len() - 3].to_vec())).unwrap(), (Vec::new(), None));
    }

    #[test]
    fn control_batches_are_markers_and_aborted_transactions_are_left_out() {
        let txn = |base: i64, producer: i64| BatchSpec {
            base_offset: base,
            producer_id: producer,
            transactional: true,
            ..BatchSpec::default()
        };
        let marker = |base: i64, producer: i64, kind: u8| {
            let spec = BatchSpec { control: true, ..txn(base, producer) };
            batch_v2(&spec, &[record_v2(0, 0, Some(&[0, 0, 0, kind]), Some(&[0, 0, 0, 0, 0, 0]))])
        };
        let mut bytes =
            batch_v2(&txn(0, 1), &[record_v2(0, 0, None, Some(b"kept")), record_v2(1, 0, None, Some(b"kept"))]);
        bytes.extend(marker(2, 1, 1));
        bytes.extend(batch_v2(&txn(3, 2), &[record_v2(0, 0, None, Some(b"aborted"))]));
        bytes.extend(batch_v2(&txn(4, 1), &[record_v2(0, 0, None, Some(b"interleaved"))]));
        bytes.extend(marker(5, 2, 0));
        bytes.extend(marker(6, 1, 1));
        let (batches, end) = decode_batches(Bytes::from(bytes)).unwrap();
        assert_eq!(end, Some(7));
        let controls: Vec<Option<Control>> = batches.iter().map(|b| b.control).collect();
        assert_eq!(controls, [None, Some(Control::Commit), None, None, Some(Control::Abort), Some(Control::Commit)]);
        let (kept, aborted) = split_aborted(batches, &[(2, 3)]);
        let data: Vec<i64> =
            kept.iter().filter(|b| b.control.is_none()).flat_map(|b| b.records.iter().map(|r| r.offset)).collect();
        assert_eq!(data, vec![0, 1, 4]);
        let dropped: Vec<i64> = aborted.iter().flat_map(|b| b.records.iter().map(|r| r.offset)).collect();
        assert_eq!(dropped, vec![3]);
    }

    #[test]
    fn a_wrong_checksum_is_an_error() {
        let mut bytes = batch_v2(&BatchSpec::default(), &[record_v2(0, 0, None, Some(b"a"))]);
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(
            decode_batches(Bytes::from(bytes)).unwrap_err(),
            RecordError("the batch at offset 0 fails its checksum".into())
        );
    }

    #[test]
    fn counts_and_lengths_from_the_wire_allocate_nothing_by_themselves() {
        // A batch claiming 2^31-1 records with one in it.
        let spec = BatchSpec { count: Some(i32::MAX), ..BatchSpec::default() };
        let bytes = batch_v2(&spec, &[record_v2(0, 0, None, Some(b"a"))]);
        assert_eq!(
            decode_batches(Bytes::from(bytes)).unwrap_err(),
            RecordError("the batch at offset 0 has fewer records than it says".into())
        );
        // A record whose value claims 2 GB.
        let mut record = vec![0u8, 0, 0, 1];
        varint(&mut record, i64::from(i32::MAX));
        let mut framed = Vec::new();
        varint(&mut framed, record.len() as i64);
        framed.extend(record);
        let bytes = batch_v2(&BatchSpec::default(), &[framed]);
        assert!(decode_batches(Bytes::from(bytes)).is_err());
    }

    #[test]
    fn inflation_is_bounded_for_every_codec() {
        let huge = MAX_INFLATED + (1 << 20);
        let zeros = std::io::repeat(0).take(huge as u64);
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::copy(&mut zeros.clone_box(), &mut gzip).unwrap();
        let gzip = gzip.finish().unwrap();
        let mut zstd = Vec::new();
        zstd::stream::copy_encode(std::io::repeat(0).take(huge as u64), &mut zstd, 1).unwrap();
        let mut lz4 = lz4::EncoderBuilder::new().build(Vec::new()).unwrap();
        std::io::copy(&mut std::io::repeat(0).take(huge as u64), &mut lz4).unwrap();
        let lz4 = lz4.finish().0;
        // A raw snappy block whose header claims 1 GiB.
        let mut snappy = Vec::new();
        let mut claim = 1u64 << 30;
        while claim >= 0x80 {
            snappy.push((claim as u8) | 0x80);
            claim >>= 7;
        }
        snappy.push(claim as u8);
        snappy.extend([0u8; 8]);
        for (codec, data, name) in [(1, gzip, "gzip"), (4, zstd, "zstd"), (3, lz4, "lz4"), (2, snappy, "snappy")] {
            let error = inflate(codec, &data, &mut Budget { left: MAX_INFLATED }).unwrap_err();
            let expected = format!("the {name} batches of one answer inflate to more than 64 MiB");
            assert_eq!(error, RecordError(expected), "{name}");
        }
    }

    /// `Take<Repeat>` is not Clone: a fresh one.
    trait CloneBox {
        fn clone_box(&self) -> std::io::Take<std::io::Repeat>;
    }

    impl CloneBox for std::io::Take<std::io::Repeat> {
        fn clone_box(&self) -> std::io::Take<std::io::Repeat> {
            std::io::repeat(0).take(self.limit())
        }
    }
}
