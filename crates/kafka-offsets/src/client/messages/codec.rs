//! What the generated messages are written and read with: Kafka's wire types, in both encodings (flexible versions
//! of KIP-482 use compact lengths and end every structure with tagged fields). Reading is bounded as the walk in
//! `wire` bounds the crate's messages: every count and length is checked against the bytes left, and the memory
//! the decoded arrays and strings take is charged against [`MAX_DECODED_PER_BYTE`] times the answer's size.

use std::mem::size_of;

use crate::client::wire::MAX_DECODED_PER_BYTE;

/// One structure of a message (or a number or string in an array): how it is written and read at a version.
pub trait Item: Sized {
    fn write(&self, w: &mut Writer, version: i16) -> Result<(), String>;
    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, String>;
}

/// Bytes being written in one encoding.
#[derive(Debug)]
pub struct Writer {
    pub out: Vec<u8>,
    flexible: bool,
}

impl Writer {
    pub fn new(flexible: bool) -> Writer {
        Writer { out: Vec::new(), flexible }
    }

    pub fn bool(&mut self, value: bool) -> Result<(), String> {
        self.out.push(u8::from(value));
        Ok(())
    }

    pub fn i8(&mut self, value: i8) -> Result<(), String> {
        self.out.extend_from_slice(&value.to_be_bytes());
        Ok(())
    }

    pub fn i16(&mut self, value: i16) -> Result<(), String> {
        self.out.extend_from_slice(&value.to_be_bytes());
        Ok(())
    }

    pub fn u16(&mut self, value: u16) -> Result<(), String> {
        self.out.extend_from_slice(&value.to_be_bytes());
        Ok(())
    }

    pub fn i32(&mut self, value: i32) -> Result<(), String> {
        self.out.extend_from_slice(&value.to_be_bytes());
        Ok(())
    }

    pub fn i64(&mut self, value: i64) -> Result<(), String> {
        self.out.extend_from_slice(&value.to_be_bytes());
        Ok(())
    }

    pub fn uuid(&mut self, value: [u8; 16]) -> Result<(), String> {
        self.out.extend_from_slice(&value);
        Ok(())
    }

    fn uvarint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.out.push((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        self.out.push(value as u8);
    }

    /// A string's or array's length; None is null.
    fn length(&mut self, length: Option<usize>, wide: bool) -> Result<(), String> {
        let limit = if wide { i32::MAX as usize } else { i16::MAX as usize };
        match length {
            Some(n) if n > limit => Err(format!("a length of {n} is too long")),
            Some(n) if self.flexible => {
                self.uvarint(n as u64 + 1);
                Ok(())
            }
            None if self.flexible => {
                self.uvarint(0);
                Ok(())
            }
            Some(n) if wide => self.i32(n as i32),
            Some(n) => self.i16(n as i16),
            None if wide => self.i32(-1),
            None => self.i16(-1),
        }
    }

    pub fn string(&mut self, value: &str) -> Result<(), String> {
        self.length(Some(value.len()), false)?;
        self.out.extend_from_slice(value.as_bytes());
        Ok(())
    }

    /// A nullable string; `nullable` says whether this version may send null.
    pub fn nullable_string(&mut self, value: Option<&str>, nullable: bool) -> Result<(), String> {
        match value {
            Some(value) => self.string(value),
            None if nullable => self.length(None, false),
            None => Err("null where this version has no null".into()),
        }
    }

    pub fn array<T: Item>(&mut self, items: &[T], version: i16) -> Result<(), String> {
        self.length(Some(items.len()), true)?;
        items.iter().try_for_each(|item| item.write(self, version))
    }

    pub fn nullable_array<T: Item>(&mut self, items: Option<&[T]>, nullable: bool, version: i16) -> Result<(), String> {
        match items {
            Some(items) => self.array(items, version),
            None if nullable => self.length(None, true),
            None => Err("null where this version has no null".into()),
        }
    }

    pub fn item<T: Item>(&mut self, item: &T, version: i16) -> Result<(), String> {
        item.write(self, version)
    }

    /// A nullable structure: a byte (-1 null, 1 present) before it.
    pub fn nullable_item<T: Item>(&mut self, item: Option<&T>, nullable: bool, version: i16) -> Result<(), String> {
        match item {
            Some(item) => {
                self.i8(1)?;
                item.write(self, version)
            }
            None if nullable => self.i8(-1),
            None => Err("null where this version has no null".into()),
        }
    }

    /// The end of a structure: its tagged fields (none are written).
    pub fn end(&mut self) -> Result<(), String> {
        if self.flexible {
            self.uvarint(0);
        }
        Ok(())
    }
}

/// An error for a field a version cannot carry that holds something other than its default.
pub fn not_in_version(field: &str, version: i16) -> String {
    format!("{field} cannot be sent at version {version}")
}

/// Bytes being read in one encoding, with the bound on what decoding them may allocate.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    flexible: bool,
    budget: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8], flexible: bool) -> Reader<'a> {
        let budget = bytes.len().saturating_mul(MAX_DECODED_PER_BYTE).saturating_add(1 << 20);
        Reader { bytes, at: 0, flexible, budget }
    }

    pub fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.left() {
            return Err(format!("a field of {n} bytes where {} are left", self.left()));
        }
        self.at += n;
        Ok(&self.bytes[self.at - n..self.at])
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], String> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }

    fn charge(&mut self, bytes: usize) -> Result<(), String> {
        self.budget = self.budget.checked_sub(bytes).ok_or("an answer that would decode into too much memory")?;
        Ok(())
    }

    pub fn bool(&mut self) -> Result<bool, String> {
        Ok(self.fixed::<1>()?[0] != 0)
    }

    pub fn i8(&mut self) -> Result<i8, String> {
        Ok(i8::from_be_bytes(self.fixed()?))
    }

    pub fn i16(&mut self) -> Result<i16, String> {
        Ok(i16::from_be_bytes(self.fixed()?))
    }

    pub fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_be_bytes(self.fixed()?))
    }

    pub fn i32(&mut self) -> Result<i32, String> {
        Ok(i32::from_be_bytes(self.fixed()?))
    }

    pub fn i64(&mut self) -> Result<i64, String> {
        Ok(i64::from_be_bytes(self.fixed()?))
    }

    pub fn uuid(&mut self) -> Result<[u8; 16], String> {
        self.fixed()
    }

    fn uvarint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..35).step_by(7) {
            let byte = self.fixed::<1>()?[0];
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a varint is too long".into())
    }

    /// A length or count, checked against the bytes left (each element takes one at least); None is null.
    fn length(&mut self, wide: bool) -> Result<Option<usize>, String> {
        let value: i64 = match (self.flexible, wide) {
            (true, _) => self.uvarint()? as i64 - 1,
            (false, true) => i64::from(self.i32()?),
            (false, false) => i64::from(self.i16()?),
        };
        match value {
            -1 => Ok(None),
            n if n < 0 => Err(format!("a negative length ({n})")),
            n if n as u64 > self.left() as u64 => Err(format!("a length of {n} where {} bytes are left", self.left())),
            n => Ok(Some(n as usize)),
        }
    }

    pub fn nullable_string(&mut self, nullable: bool) -> Result<Option<String>, String> {
        let Some(n) = self.length(false)? else {
            return if nullable { Ok(None) } else { Err("null where this version has no null".into()) };
        };
        self.charge(n)?;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).map(Some).map_err(|_| "a string that is not UTF-8".into())
    }

    pub fn string(&mut self) -> Result<String, String> {
        self.nullable_string(false).map(|s| s.unwrap_or_default())
    }

    pub fn nullable_array<T: Item>(&mut self, nullable: bool, version: i16) -> Result<Option<Vec<T>>, String> {
        let Some(n) = self.length(true)? else {
            return if nullable { Ok(None) } else { Err("null where this version has no null".into()) };
        };
        self.charge(n.saturating_mul(size_of::<T>()))?;
        (0..n).map(|_| T::read(self, version)).collect::<Result<Vec<T>, String>>().map(Some)
    }

    pub fn array<T: Item>(&mut self, version: i16) -> Result<Vec<T>, String> {
        self.nullable_array(false, version).map(|a| a.unwrap_or_default())
    }

    pub fn item<T: Item>(&mut self, version: i16) -> Result<T, String> {
        T::read(self, version)
    }

    pub fn nullable_item<T: Item>(&mut self, nullable: bool, version: i16) -> Result<Option<T>, String> {
        match self.i8()? {
            n if n < 0 && nullable => Ok(None),
            n if n < 0 => Err("null where this version has no null".into()),
            _ => T::read(self, version).map(Some),
        }
    }

    /// The end of a structure: its tagged fields are skipped (none that these messages define are read).
    pub fn end(&mut self) -> Result<(), String> {
        if self.flexible {
            for _ in 0..self.uvarint()? {
                self.uvarint()?;
                let size = self.uvarint()?;
                self.take(usize::try_from(size).map_err(|_| "a tagged field too long")?)?;
            }
        }
        Ok(())
    }

    /// The end of a message: nothing may follow it.
    pub fn finish(&self) -> Result<(), String> {
        match self.left() {
            0 => Ok(()),
            n => Err(format!("{n} bytes after the end of the message")),
        }
    }
}

impl Item for i32 {
    fn write(&self, w: &mut Writer, _: i16) -> Result<(), String> {
        w.i32(*self)
    }
    fn read(r: &mut Reader<'_>, _: i16) -> Result<Self, String> {
        r.i32()
    }
}

impl Item for i64 {
    fn write(&self, w: &mut Writer, _: i16) -> Result<(), String> {
        w.i64(*self)
    }
    fn read(r: &mut Reader<'_>, _: i16) -> Result<Self, String> {
        r.i64()
    }
}

impl Item for String {
    fn write(&self, w: &mut Writer, _: i16) -> Result<(), String> {
        w.string(self)
    }
    fn read(r: &mut Reader<'_>, _: i16) -> Result<Self, String> {
        r.string()
    }
}

/// The traits of kafka-protocol's messages for a generated message: its versions, its encodings (flexible from
/// `$flexible`), its header versions (a request's header is v2 in flexible versions, v1 before; a response's v1
/// and v0).
macro_rules! message {
    ($name:ident, $min:expr, $max:expr, $flexible:expr, $header:expr) => {
        impl kafka_protocol::protocol::Message for $name {
            const VERSIONS: kafka_protocol::protocol::VersionRange =
                kafka_protocol::protocol::VersionRange { min: $min, max: $max };
            const DEPRECATED_VERSIONS: Option<kafka_protocol::protocol::VersionRange> = None;
        }

        impl kafka_protocol::protocol::Encodable for $name {
            fn encode<B: kafka_protocol::protocol::buf::ByteBufMut>(
                &self,
                buf: &mut B,
                version: i16,
            ) -> anyhow::Result<()> {
                let bytes = $crate::client::messages::codec::encode(self, version, $min, $max, $flexible)?;
                buf.put_slice(&bytes);
                Ok(())
            }
            fn compute_size(&self, version: i16) -> anyhow::Result<usize> {
                Ok($crate::client::messages::codec::encode(self, version, $min, $max, $flexible)?.len())
            }
        }

        impl kafka_protocol::protocol::Decodable for $name {
            fn decode<B: kafka_protocol::protocol::buf::ByteBuf>(buf: &mut B, version: i16) -> anyhow::Result<Self> {
                let bytes = buf.copy_to_bytes(buf.remaining());
                $crate::client::messages::codec::decode(&bytes, version, $min, $max, $flexible)
            }
        }

        impl kafka_protocol::protocol::HeaderVersion for $name {
            fn header_version(version: i16) -> i16 {
                $header + i16::from(version >= $flexible)
            }
        }
    };
}

pub(crate) use message;

/// A whole message at `version`, which must be in `min..=max`.
pub fn encode<T: Item>(message: &T, version: i16, min: i16, max: i16, flexible: i16) -> anyhow::Result<Vec<u8>> {
    if !(min..=max).contains(&version) {
        anyhow::bail!("version {version} is not in {min}-{max}");
    }
    let mut w = Writer::new(version >= flexible);
    message.write(&mut w, version).map_err(anyhow::Error::msg)?;
    Ok(w.out)
}

/// A whole message at `version`: every byte of `bytes`, and no more.
pub fn decode<T: Item>(bytes: &[u8], version: i16, min: i16, max: i16, flexible: i16) -> anyhow::Result<T> {
    if !(min..=max).contains(&version) {
        anyhow::bail!("version {version} is not in {min}-{max}");
    }
    let mut r = Reader::new(bytes, version >= flexible);
    let message = T::read(&mut r, version).map_err(anyhow::Error::msg)?;
    r.finish().map_err(anyhow::Error::msg)?;
    Ok(message)
}
