//! The compact value type the generated Books records are stored in, its JSON rendering, and
//! the calendar helpers (civil dates, Zoho timestamps) the generators and filters share.
//!
//! A record is a row of [`Cell`]s in its module's column order. Dates, timestamps, ids and money
//! are kept as integers and rendered on the way out, so 100 000 invoices stay small in memory and
//! filters compare integers, not text.

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::Value;

/// One field value of a generated record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// Text shared between records (names, numbers).
    Str(Arc<str>),
    /// Fixed text (statuses, enum values, `""`, the `"not-a-date"` quirk).
    Lit(&'static str),
    /// A Zoho id, sent as a JSON string of digits.
    Id(u64),
    /// A civil date (days since 1970-01-01), sent as `"YYYY-MM-DD"`.
    Date(i64),
    /// An instant (Unix seconds) and the UTC offset in minutes it is shown in, sent as
    /// `"YYYY-MM-DDTHH:MM:SS+hhmm"`.
    Time(i64, i32),
    /// Money in cents, sent as a JSON number (`12.5`).
    Money(i64),
    /// Money in cents sent as a JSON *string* (`"12.50"`): one of Zoho's quirks.
    MoneyText(i64),
    /// A JSON number with decimals (rates, quantities, percentages).
    Num(f64),
    /// A whole JSON number.
    Int(i64),
    /// A JSON boolean.
    Bool(bool),
}

impl Cell {
    /// Shared text.
    pub(crate) fn text(text: impl Into<Arc<str>>) -> Cell {
        Cell::Str(text.into())
    }

    /// The cell as text, for text filters and search (`None` for numbers and booleans).
    pub(crate) fn as_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Cell::Str(text) => Some(std::borrow::Cow::Borrowed(text)),
            Cell::Lit(text) => Some(std::borrow::Cow::Borrowed(text)),
            Cell::Id(id) => Some(std::borrow::Cow::Owned(id.to_string())),
            Cell::Date(_) | Cell::Time(..) => {
                let mut out = String::new();
                self.write_raw(&mut out);
                Some(std::borrow::Cow::Owned(out))
            }
            _ => None,
        }
    }

    /// The cell as a civil date (a timestamp's local date), if it holds one.
    pub(crate) fn as_date(&self) -> Option<i64> {
        match self {
            Cell::Date(days) => Some(*days),
            Cell::Time(secs, offset) => Some((secs + i64::from(*offset) * 60).div_euclid(86_400)),
            _ => None,
        }
    }

    /// The cell as an amount in cents (money, also when sent as text), if it holds one.
    pub(crate) fn as_cents(&self) -> Option<i64> {
        match self {
            Cell::Money(cents) | Cell::MoneyText(cents) => Some(*cents),
            Cell::Int(value) => Some(value.saturating_mul(100)),
            Cell::Num(value) => Some((value * 100.0).round() as i64),
            _ => None,
        }
    }

    /// The cell as a number (money in units), if it holds one.
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Money(cents) | Cell::MoneyText(cents) => Some(*cents as f64 / 100.0),
            Cell::Int(value) => Some(*value as f64),
            Cell::Num(value) => Some(*value),
            _ => None,
        }
    }

    /// Appends the JSON rendering of the cell to `out`.
    pub(crate) fn write_json(&self, out: &mut String) {
        match self {
            Cell::Str(text) => write_json_str(out, text),
            Cell::Lit(text) => write_json_str(out, text),
            Cell::Id(_) | Cell::Date(_) | Cell::Time(..) | Cell::MoneyText(_) => {
                out.push('"');
                self.write_raw(out);
                out.push('"');
            }
            Cell::Money(cents) => write_f64(out, *cents as f64 / 100.0),
            Cell::Num(value) => write_f64(out, *value),
            Cell::Int(value) => {
                let _ = write!(out, "{value}");
            }
            Cell::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        }
    }

    /// The unquoted text of ids, dates, timestamps and text money.
    fn write_raw(&self, out: &mut String) {
        match self {
            Cell::Id(id) => {
                let _ = write!(out, "{id}");
            }
            Cell::Date(days) => out.push_str(&date(*days)),
            Cell::Time(secs, offset) => out.push_str(&timestamp(*secs, *offset)),
            Cell::MoneyText(cents) => {
                let sign = if *cents < 0 { "-" } else { "" };
                let abs = cents.unsigned_abs();
                let _ = write!(out, "{sign}{}.{:02}", abs / 100, abs % 100);
            }
            Cell::Str(text) => out.push_str(text),
            Cell::Lit(text) => out.push_str(text),
            Cell::Money(_) | Cell::Num(_) | Cell::Int(_) | Cell::Bool(_) => self.write_json(out),
        }
    }

    /// The cell as a `serde_json` value (for detail objects, built one at a time).
    pub(crate) fn to_value(&self) -> Value {
        let mut out = String::new();
        self.write_json(&mut out);
        serde_json::from_str(&out).unwrap_or(Value::Null)
    }
}

fn write_json_str(out: &mut String, text: &str) {
    match serde_json::to_string(text) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("\"\""),
    }
}

fn write_f64(out: &mut String, value: f64) {
    match serde_json::to_string(&value) {
        Ok(number) => out.push_str(&number),
        Err(_) => out.push('0'),
    }
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) → days since 1970-01-01.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `"YYYY-MM-DD"`.
pub(crate) fn date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `"YYYY-MM-DDTHH:MM:SS+hhmm"` for an instant shown at a UTC offset (minutes).
pub(crate) fn timestamp(secs: i64, offset_minutes: i32) -> String {
    let local = secs + i64::from(offset_minutes) * 60;
    let days = local.div_euclid(86_400);
    let of_day = local.rem_euclid(86_400);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let offset = offset_minutes.unsigned_abs();
    format!(
        "{}T{:02}:{:02}:{:02}{sign}{:02}{:02}",
        date(days),
        of_day / 3600,
        (of_day / 60) % 60,
        of_day % 60,
        offset / 60,
        offset % 60
    )
}

/// Parses a strict `YYYY-MM-DD` civil date.
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    // Round trip rejects 2024-02-30 and the like.
    (civil_from_days(days) == (i64::from(year), month, day)).then_some(days)
}

/// Parses a date (`YYYY-MM-DD`, taken as midnight UTC) or a Zoho timestamp
/// (`YYYY-MM-DDTHH:MM:SS±hhmm`, also `Z` or `±hh:mm`) into Unix seconds.
pub(crate) fn parse_instant(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.len() == 10 {
        return parse_date(text).map(|days| days * 86_400);
    }
    let days = parse_date(text.get(0..10)?)?;
    if text.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    let clock = text.get(11..19)?;
    let parts: Vec<&str> = clock.split(':').collect();
    let [h, m, s] = parts.as_slice() else {
        return None;
    };
    let number = |part: &str, max: i64| -> Option<i64> {
        (part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<i64>().ok())
            .flatten()
            .filter(|value| *value <= max)
    };
    let of_day = number(h, 23)? * 3600 + number(m, 59)? * 60 + number(s, 59)?;
    let zone = text.get(19..)?;
    let offset = match zone {
        "Z" | "" => 0,
        _ => {
            let sign = match zone.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let rest = zone.get(1..)?.replace(':', "");
            if rest.len() != 4 {
                return None;
            }
            sign * (number(rest.get(0..2)?, 23)? * 60 + number(rest.get(2..4)?, 59)?)
        }
    };
    Some(days * 86_400 + of_day - offset * 60)
}

/// Small deterministic generator (splitmix64) so the data never depends on a crate's RNG.
#[derive(Debug, Clone)]
pub(crate) struct Seq(pub(crate) u64);

impl Seq {
    /// A generator for one record: independent of every other record's, so records can be
    /// generated in any order (lazily, or at any data size) and still come out the same.
    pub(crate) fn for_record(org_seed: u64, module: u64, serial: usize) -> Seq {
        let mut seq = Seq(org_seed
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(module.wrapping_mul(0xD1B5_4A32_D192_ED03))
            .wrapping_add(serial as u64));
        seq.next();
        seq
    }

    /// The next 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// A number in `low..=high`.
    pub(crate) fn range(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            low
        } else {
            low + self.below((high - low + 1) as u64) as i64
        }
    }

    /// True with probability `1/n`.
    pub(crate) fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    /// One item of a non-empty slice (the first if empty slices ever reach it: never panics).
    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items
            .get(self.below(items.len() as u64) as usize)
            .copied()
            .unwrap_or("")
    }

    /// An index into a collection of `len` items.
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(19_723), "2024-01-01");
        assert_eq!(date(19_723 + 59), "2024-02-29");
        for days in [-1000, 0, 19_723, 19_782, 30_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert_eq!(parse_date(&date(days)), Some(days));
        }
        for bad in [
            "2024-02-30",
            "2024-13-01",
            "2024-1-01",
            "not-a-date",
            "",
            "2024-00-10",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn timestamps_render_and_parse_with_offsets() {
        let secs = 19_723 * 86_400 + 3600;
        assert_eq!(timestamp(secs, 330), "2024-01-01T06:30:00+0530");
        assert_eq!(timestamp(secs, -480), "2023-12-31T17:00:00-0800");
        assert_eq!(parse_instant("2024-01-01T06:30:00+0530"), Some(secs));
        assert_eq!(parse_instant("2023-12-31T17:00:00-08:00"), Some(secs));
        assert_eq!(parse_instant("2024-01-01T01:00:00Z"), Some(secs));
        assert_eq!(parse_instant("2024-01-01"), Some(19_723 * 86_400));
        assert_eq!(parse_instant("2024-01-01T25:00:00+0000"), None);
        assert_eq!(parse_instant("yesterday"), None);
        assert_eq!(Cell::Time(secs, -480).as_date(), Some(19_722));
    }

    #[test]
    fn cells_render_as_zoho_json() {
        let mut out = String::new();
        for cell in [
            Cell::Id(460_011_000_000_000_001),
            Cell::Money(1250),
            Cell::MoneyText(1250),
            Cell::Money(0),
            Cell::Bool(true),
            Cell::text("O'Brien \"x\""),
        ] {
            cell.write_json(&mut out);
            out.push(' ');
        }
        assert_eq!(
            out,
            "\"460011000000000001\" 12.5 \"12.50\" 0.0 true \"O'Brien \\\"x\\\"\" "
        );
    }
}
