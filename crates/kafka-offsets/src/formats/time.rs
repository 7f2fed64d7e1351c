//! Points in time and in a partition's log that a user can ask for: GetOffsetShell's `--time` values (KIP-815
//! names included), `--to-datetime` date-times and `--by-duration` ISO-8601 durations. Pure: no clock is read
//! except by the caller.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Utc};

use crate::error::{shown, Error, Result};

/// What ListOffsets is asked for, per partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSpec {
    /// `-1`, `latest`: the log end offset (high watermark).
    Latest,
    /// `-2`, `earliest`: the log start offset.
    Earliest,
    /// `-3`, `max-timestamp`: the offset of the record with the largest timestamp (KIP-734, ListOffsets v7).
    MaxTimestamp,
    /// `-4`, `earliest-local`: the first offset still in the leader's local log (tiered storage moved the ones
    /// before it to remote storage; KIP-1005, ListOffsets v8, Kafka 3.9+).
    EarliestLocal,
    /// `-5`, `latest-tiered`: the highest offset copied to remote storage; none when nothing is (ListOffsets v9).
    LatestTiered,
    /// `-6`, `earliest-pending-upload`: the first offset not yet copied to remote storage (KIP-1023, ListOffsets
    /// v11).
    EarliestPendingUpload,
    /// Milliseconds since the epoch: the first offset whose record timestamp is at or after it
    /// (ListOffsets v1+; on 0.9 brokers, v0 answers by log segment file time instead).
    Timestamp(i64),
}

impl OffsetSpec {
    /// Parses `--time` as Kafka 3.2+ does; names are exact and case-sensitive.
    pub fn parse(raw: &str) -> Result<OffsetSpec> {
        match raw {
            "-1" | "latest" => Ok(OffsetSpec::Latest),
            "-2" | "earliest" => Ok(OffsetSpec::Earliest),
            "-3" | "max-timestamp" => Ok(OffsetSpec::MaxTimestamp),
            "-4" | "earliest-local" => Ok(OffsetSpec::EarliestLocal),
            "-5" | "latest-tiered" => Ok(OffsetSpec::LatestTiered),
            "-6" | "earliest-pending-upload" => Ok(OffsetSpec::EarliestPendingUpload),
            _ => match raw.parse::<i64>() {
                Ok(ms) if ms >= 0 => Ok(OffsetSpec::Timestamp(ms)),
                _ => Err(Error::MalformedTime(shown(raw))),
            },
        }
    }

    /// The lowest ListOffsets version that answers this spec. On Kafka 0.9 (v0 only) a timestamp is answered by
    /// segment file time; newer brokers answer it by record timestamp from v1 (KIP-79).
    pub fn min_list_offsets_version(self, legacy: bool) -> i16 {
        match self {
            OffsetSpec::Latest | OffsetSpec::Earliest => 0,
            OffsetSpec::MaxTimestamp => 7,
            OffsetSpec::EarliestLocal => 8,
            OffsetSpec::LatestTiered => 9,
            OffsetSpec::EarliestPendingUpload => 11,
            OffsetSpec::Timestamp(_) if legacy => 0,
            OffsetSpec::Timestamp(_) => 1,
        }
    }

    /// What the broker must support, for the message when it does not.
    pub fn version_requirement(self) -> String {
        match self {
            OffsetSpec::MaxTimestamp => "--time max-timestamp needs ListOffsets v7 (Kafka 3.0 or newer)".into(),
            OffsetSpec::EarliestLocal => "--time earliest-local needs ListOffsets v8 (Kafka 3.9 or newer)".into(),
            OffsetSpec::LatestTiered => "--time latest-tiered needs ListOffsets v9 (Kafka 3.9 or newer)".into(),
            OffsetSpec::EarliestPendingUpload => {
                "--time earliest-pending-upload needs ListOffsets v11 (Kafka 4.2 or newer)".into()
            }
            other => format!("--time {other} needs ListOffsets v{}", other.min_list_offsets_version(false)),
        }
    }

    /// The value ListOffsets carries in its timestamp field.
    pub fn wire_value(self) -> i64 {
        match self {
            OffsetSpec::Latest => -1,
            OffsetSpec::Earliest => -2,
            OffsetSpec::MaxTimestamp => -3,
            OffsetSpec::EarliestLocal => -4,
            OffsetSpec::LatestTiered => -5,
            OffsetSpec::EarliestPendingUpload => -6,
            OffsetSpec::Timestamp(ms) => ms,
        }
    }
}

impl fmt::Display for OffsetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OffsetSpec::Latest => f.write_str("latest"),
            OffsetSpec::Earliest => f.write_str("earliest"),
            OffsetSpec::MaxTimestamp => f.write_str("max-timestamp"),
            OffsetSpec::EarliestLocal => f.write_str("earliest-local"),
            OffsetSpec::LatestTiered => f.write_str("latest-tiered"),
            OffsetSpec::EarliestPendingUpload => f.write_str("earliest-pending-upload"),
            OffsetSpec::Timestamp(ms) => write!(f, "{ms}"),
        }
    }
}

/// A `--to-datetime` value resolved to an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedDateTime {
    /// Milliseconds since the epoch.
    pub epoch_ms: i64,
    /// Whether the input named a zone; without one it means UTC, as in Kafka.
    pub zone_given: bool,
}

impl ResolvedDateTime {
    /// `2024-01-15T10:00:00.000Z`.
    pub fn utc(&self) -> String {
        format_utc(self.epoch_ms)
    }
}

/// An instant in Kafka's `--to-datetime` notation, in UTC with milliseconds.
pub fn format_utc(epoch_ms: i64) -> String {
    match Utc.timestamp_millis_opt(epoch_ms).single() {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => format!("{epoch_ms} ms since the epoch"),
    }
}

fn datetime_error(flag: &str, raw: &str, reason: &str) -> Error {
    Error::Usage(format!(
        "{flag} '{}' {reason}; expected yyyy-MM-ddTHH:mm:ss.SSS with an optional zone \
         (Z, +05:30, +0530, +05), e.g. 2024-01-15T10:00:00.000Z",
        shown(raw)
    ))
}

/// Parses a `--to-datetime` value. Kafka's `yyyy-MM-ddTHH:mm:ss.SSS[zone]` has Kafka's meaning (no zone = UTC);
/// also accepted: no milliseconds, no seconds, a space or `t` for `T`, `z` for `Z`, a date alone (midnight UTC),
/// any number of fraction digits (`.5` is 500 ms; Kafka reads it as 5 ms) and `+hhmm` zones (Kafka reads `+0530`
/// as `+05:00`).
pub fn parse_datetime(raw: &str) -> Result<ResolvedDateTime> {
    parse_datetime_of("--to-datetime", raw)
}

/// [`parse_datetime`] for another flag (`--to-switch-time`), named in its errors.
pub fn parse_datetime_of(flag: &str, raw: &str) -> Result<ResolvedDateTime> {
    let s = raw.trim();
    let (date, rest) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let date = parse_date(date).ok_or_else(|| datetime_error(flag, raw, "has no valid date"))?;
    let Some(rest) = rest else {
        let instant = date.and_time(NaiveTime::MIN).and_utc();
        return resolved(flag, raw, instant.timestamp_millis(), false);
    };
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (time, zone) = rest.split_at(zone_at);
    let time = parse_time(time).ok_or_else(|| datetime_error(flag, raw, "has no valid time of day"))?;
    let offset = parse_zone(zone).ok_or_else(|| datetime_error(flag, raw, "has an invalid zone"))?;
    let local = date.and_time(time);
    let instant: DateTime<FixedOffset> =
        offset.from_local_datetime(&local).single().ok_or_else(|| datetime_error(flag, raw, "is out of range"))?;
    resolved(flag, raw, instant.timestamp_millis(), !zone.is_empty())
}

/// A date-time as ListOffsets can carry it: not before the epoch (Kafka's timestamps start there, and -1, -2, ...
/// are the named offsets: latest, earliest, ...).
fn resolved(flag: &str, raw: &str, epoch_ms: i64, zone_given: bool) -> Result<ResolvedDateTime> {
    if epoch_ms < 0 {
        return Err(Error::Usage(format!(
            "{flag} '{}' is before 1970-01-01T00:00:00Z, where Kafka's timestamps begin",
            shown(raw)
        )));
    }
    Ok(ResolvedDateTime { epoch_ms, zone_given })
}

fn digits(s: &str, len: usize) -> Option<u32> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(y, 4)? as i32, digits(m, 2)?, digits(d, 2)?)
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let (hms, fraction) = match s.split_once('.') {
        Some((hms, f)) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => (hms, Some(f)),
        Some(_) => return None,
        None => (s, None),
    };
    let mut parts = hms.split(':');
    let h = digits(parts.next()?, 2)?;
    let m = digits(parts.next()?, 2)?;
    let sec = match parts.next() {
        Some(sec) => digits(sec, 2)?,
        None if fraction.is_none() => 0,
        None => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    // Right-pad the fraction to nanoseconds: ".5" is half a second.
    let nanos = fraction.map_or(0, |f| format!("{f:0<9}").parse::<u32>().unwrap_or(0));
    NaiveTime::from_hms_nano_opt(h, m, sec, nanos)
}

fn parse_zone(s: &str) -> Option<FixedOffset> {
    if s.is_empty() || s.eq_ignore_ascii_case("z") {
        return FixedOffset::east_opt(0);
    }
    let (sign, body) = match s.as_bytes()[0] {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match body.len() {
        2 => (digits(body, 2)?, 0),
        4 => (digits(&body[..2], 2)?, digits(&body[2..], 2)?),
        5 if body.as_bytes()[2] == b':' => (digits(&body[..2], 2)?, digits(&body[3..], 2)?),
        _ => return None,
    };
    if h > 18 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h as i32 * 3600 + m as i32 * 60))
}

/// The instant `--by-duration` means: `duration_ms` before `now_ms`, which must be a time ListOffsets can carry
/// (not before the epoch, no overflow).
pub fn before_now(raw: &str, now_ms: i64, duration_ms: i64) -> Result<i64> {
    match now_ms.checked_sub(duration_ms) {
        Some(at) if at >= 0 => Ok(at),
        Some(_) => Err(Error::Usage(format!(
            "--by-duration '{}' reaches before 1970-01-01T00:00:00Z, where Kafka's timestamps begin",
            shown(raw)
        ))),
        None => Err(Error::Usage(format!("--by-duration '{}' is too long", shown(raw)))),
    }
}

/// Parses a `--by-duration` value like `java.time.Duration.parse`: `[+-]P[nD][T[nH][nM][n[.f]S]]`, case-insensitive,
/// each number with an optional sign, a fraction only on seconds. Returns milliseconds (negative means future).
/// Months, weeks and years are refused, as in Kafka 2.4+.
pub fn parse_duration(raw: &str) -> Result<i64> {
    let invalid = |reason: &str| {
        Error::Usage(format!(
            "--by-duration '{}' {reason}; expected an ISO-8601 duration PnDTnHnMnS, e.g. PT1H, P1D, PT0.5S, P1DT2H30M",
            shown(raw)
        ))
    };
    let upper = raw.trim().to_ascii_uppercase();
    let (negative, rest) = match upper.as_bytes().first() {
        Some(b'-') => (true, &upper[1..]),
        Some(b'+') => (false, &upper[1..]),
        _ => (false, upper.as_str()),
    };
    let rest = rest.strip_prefix('P').ok_or_else(|| invalid("does not start with P"))?;
    let (date_part, time_part) = match rest.split_once('T') {
        Some((_, "")) => return Err(invalid("has nothing after T")),
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut total_ms: i128 = 0;
    let mut components = 0;
    // Units must come in this order, each at most once (as in java.time.Duration).
    let mut take = |text: &str, units: &[(char, i128)], fraction_unit: Option<char>| -> Result<()> {
        let mut number = String::new();
        let mut next_unit = 0;
        for c in text.chars() {
            if c.is_ascii_digit() || c == '.' || ((c == '-' || c == '+') && number.is_empty()) {
                number.push(c);
                continue;
            }
            let Some(position) = units.iter().position(|(u, _)| *u == c) else {
                return Err(match c {
                    'W' | 'Y' | 'M' => invalid("uses weeks, months or years, which have no fixed length"),
                    _ => invalid(&format!("has an unexpected '{c}'")),
                });
            };
            if position < next_unit || number.is_empty() {
                return Err(invalid(&format!("has a misplaced '{c}'")));
            }
            next_unit = position + 1;
            let unit_ms = units[position].1;
            let too_long = || invalid("is too long (at most about 292 million years)");
            let value = if number.contains('.') {
                if fraction_unit != Some(c) {
                    return Err(invalid("has a fraction outside the seconds"));
                }
                let v: f64 = number.parse().map_err(|_| invalid("has a malformed number"))?;
                let ms = (v * unit_ms as f64).round();
                // An f64 beyond i64 would saturate silently in the conversion.
                if !ms.is_finite() || ms.abs() >= i64::MAX as f64 {
                    return Err(too_long());
                }
                ms as i128
            } else {
                // Any number of digits: more than i128 holds, or a product beyond it, is too long, never wrapped.
                let v: i128 = number.parse().map_err(|e: std::num::ParseIntError| match e.kind() {
                    std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => too_long(),
                    _ => invalid("has a malformed number"),
                })?;
                v.checked_mul(unit_ms).ok_or_else(too_long)?
            };
            total_ms = total_ms.checked_add(value).ok_or_else(too_long)?;
            components += 1;
            number.clear();
        }
        if number.is_empty() {
            Ok(())
        } else {
            Err(invalid("ends with a number without a unit"))
        }
    };
    take(date_part, &[('D', 86_400_000)], None)?;
    if let Some(time_part) = time_part {
        take(time_part, &[('H', 3_600_000), ('M', 60_000), ('S', 1_000)], Some('S'))?;
    }
    if components == 0 {
        return Err(invalid("has no amount"));
    }
    let total = if negative { -total_ms } else { total_ms };
    i64::try_from(total).map_err(|_| invalid("is too long (at most about 292 million years)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_and_numeric_times() {
        assert_eq!(OffsetSpec::parse("-1").unwrap(), OffsetSpec::Latest);
        assert_eq!(OffsetSpec::parse("latest").unwrap(), OffsetSpec::Latest);
        assert_eq!(OffsetSpec::parse("-2").unwrap(), OffsetSpec::Earliest);
        assert_eq!(OffsetSpec::parse("earliest").unwrap(), OffsetSpec::Earliest);
        assert_eq!(OffsetSpec::parse("-3").unwrap(), OffsetSpec::MaxTimestamp);
        assert_eq!(OffsetSpec::parse("max-timestamp").unwrap(), OffsetSpec::MaxTimestamp);
        assert_eq!(OffsetSpec::parse("1551744000000").unwrap(), OffsetSpec::Timestamp(1_551_744_000_000));
        assert_eq!(OffsetSpec::parse("0").unwrap(), OffsetSpec::Timestamp(0));
    }

    #[test]
    fn malformed_times_use_kafka_message() {
        for bad in ["Latest", "abc", "", "1.5", "-7", "99999999999999999999"] {
            assert_eq!(
                OffsetSpec::parse(bad).unwrap_err().to_string(),
                format!("Malformed time argument {bad}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp, or a specified long format timestamp")
            );
        }
    }

    fn at(raw: &str) -> String {
        format_utc(parse_datetime(raw).unwrap().epoch_ms)
    }

    #[test]
    fn kafka_datetimes_with_correct_answers() {
        // Spec B.5, with this project's answers where Kafka is wrong or strict.
        let cases = [
            ("2024-01-15T10:00:00.000", "2024-01-15T10:00:00.000Z"),
            ("2024-01-15T10:00:00.000Z", "2024-01-15T10:00:00.000Z"),
            ("2024-01-15T10:00:00.000+05:30", "2024-01-15T04:30:00.000Z"),
            ("2024-01-15T10:00:00.000-08:00", "2024-01-15T18:00:00.000Z"),
            ("2024-01-15T10:00:00.000+05", "2024-01-15T05:00:00.000Z"),
            ("2024-01-15T10:00:00.000+0530", "2024-01-15T04:30:00.000Z"),
            ("2024-01-15T10:00:00", "2024-01-15T10:00:00.000Z"),
            ("2024-01-15T10:00", "2024-01-15T10:00:00.000Z"),
            ("2024-01-15T10:00:00Z", "2024-01-15T10:00:00.000Z"),
            ("2024-01-15T10:00:00.5", "2024-01-15T10:00:00.500Z"),
            ("2024-01-15T10:00:00.123456", "2024-01-15T10:00:00.123Z"),
            ("2024-01-15", "2024-01-15T00:00:00.000Z"),
            ("2024-01-15 10:00:00.000", "2024-01-15T10:00:00.000Z"),
            ("2024-01-15t10:00:00z", "2024-01-15T10:00:00.000Z"),
            ("2024-02-29T23:59:59.999-00:30", "2024-03-01T00:29:59.999Z"),
        ];
        for (raw, expected) in cases {
            assert_eq!(at(raw), expected, "{raw}");
        }
        assert!(!parse_datetime("2024-01-15T10:00:00.000").unwrap().zone_given);
        assert!(parse_datetime("2024-01-15T10:00:00.000+0530").unwrap().zone_given);
        assert_eq!(parse_datetime("2024-01-15T10:00:00.000Z").unwrap().epoch_ms, 1_705_312_800_000);
    }

    #[test]
    fn invalid_datetimes() {
        for bad in [
            "2024-01-15T24:00:00.000",
            "2024-13-01T00:00:00.000",
            "2023-02-29",
            "2024-1-15",
            "15-01-2024",
            "2024-01-15T10",
            "2024-01-15T10:00:00.",
            "2024-01-15T10:00:00.000+5",
            "2024-01-15T10:00:00.000+25:00",
            "2024-01-15T10:00:00.000 UTC",
            "yesterday",
            "",
        ] {
            let err = parse_datetime(bad).unwrap_err();
            assert!(matches!(err, Error::Usage(_)), "{bad}");
            assert!(err.to_string().starts_with(&format!("--to-datetime '{bad}' ")), "{err}");
        }
    }

    #[test]
    fn durations_like_java() {
        let cases = [
            ("PT1H", 3_600_000),
            ("pt1h", 3_600_000),
            ("P1D", 86_400_000),
            ("PT0.5S", 500),
            ("-PT1H", -3_600_000),
            ("+PT1M", 60_000),
            ("P1DT2H30M", 95_400_000),
            ("PT-6H3M", -21_420_000),
            ("PT1.001S", 1_001),
            ("P2DT3H4M5.5S", 183_845_500),
        ];
        for (raw, ms) in cases {
            assert_eq!(parse_duration(raw).unwrap(), ms, "{raw}");
        }
    }

    #[test]
    fn invalid_durations() {
        for bad in ["P1M", "P1W", "P1Y", "PT", "P", "1H", "PT1", "PT1.5H", "PT1S1H", "PT1H1H", "P1DT", "PTH", ""] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.to_string().starts_with(&format!("--by-duration '{bad}' ")), "{bad}: {err}");
        }
    }

    #[test]
    fn huge_durations_are_refused_never_wrapped() {
        // 3.9e30 days: the old multiplication wrapped to about 14.6 hours.
        let err = parse_duration("P3938453320844195178974243141572D").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--by-duration 'P3938453320844195178974243141572D' is too long (at most about 292 million years); \
             expected an ISO-8601 duration PnDTnHnMnS, e.g. PT1H, P1D, PT0.5S, P1DT2H30M"
        );
        assert_eq!(err.exit_status().code(), 2);
        for bad in [
            "P106751991167301D",
            "PT99999999999999999999999999999999999999999S",
            "PT1e308S",
            "PT9999999999999999999.5S",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_duration("P106751991167D").unwrap(), 106_751_991_167 * 86_400_000);
        assert_eq!(before_now("P1D", 1_000, 86_400_000).unwrap_err().exit_status().code(), 2);
        assert_eq!(before_now("-PT1S", i64::MAX, -1_000).unwrap_err().to_string(), "--by-duration '-PT1S' is too long");
        assert_eq!(before_now("PT1S", 5_000, 1_000).unwrap(), 4_000);
    }

    #[test]
    fn datetimes_before_the_epoch_are_refused() {
        // -1 would be "latest" on the wire.
        assert_eq!(
            parse_datetime("1969-12-31T23:59:59.999").unwrap_err().to_string(),
            "--to-datetime '1969-12-31T23:59:59.999' is before 1970-01-01T00:00:00Z, where Kafka's timestamps begin"
        );
        assert!(parse_datetime("1970-01-01T00:30:00+01:00").is_err());
        assert_eq!(parse_datetime("1970-01-01").unwrap().epoch_ms, 0);
    }

    #[test]
    fn tiered_storage_times_by_number_and_name() {
        for (raw, spec, wire, version) in [
            ("-4", OffsetSpec::EarliestLocal, -4, 8),
            ("earliest-local", OffsetSpec::EarliestLocal, -4, 8),
            ("-5", OffsetSpec::LatestTiered, -5, 9),
            ("latest-tiered", OffsetSpec::LatestTiered, -5, 9),
            ("-6", OffsetSpec::EarliestPendingUpload, -6, 11),
            ("earliest-pending-upload", OffsetSpec::EarliestPendingUpload, -6, 11),
        ] {
            let parsed = OffsetSpec::parse(raw).unwrap();
            assert_eq!((parsed, parsed.wire_value(), parsed.min_list_offsets_version(false)), (spec, wire, version));
        }
        assert_eq!(OffsetSpec::EarliestLocal.to_string(), "earliest-local");
        assert!(OffsetSpec::parse("-7").is_err());
    }
}
