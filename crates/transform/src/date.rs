//! Dates and timestamps in the formats the spec lists, strictly: a string either matches a format
//! exactly or is unparseable. Day-first is the rule for slashed dates (`12/04/1998` is 12 April).

use learngraph_model::{Date, DateTime};

use crate::stats::NullReason;

/// A parsed date field: a full date, or only a year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateValue {
    /// A full calendar date.
    Full(Date),
    /// Only the year was given.
    Year(u16),
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 4 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |n, &b| n * 10 + u32::from(b - b'0')))
}

/// Splits `a<sep>b<sep>c` where every part is digits; returns the three numbers and their widths.
fn triple(s: &[u8], sep: u8) -> Option<[(u32, usize); 3]> {
    let mut parts = s.split(|&b| b == sep);
    let mut out = [(0, 0); 3];
    for slot in &mut out {
        let p = parts.next()?;
        *slot = (digits(p)?, p.len());
    }
    parts.next().is_none().then_some(out)
}

fn ymd(y: u32, m: u32, d: u32) -> Result<Date, NullReason> {
    Date::new(y, m, d).ok_or(NullReason::ImpossibleDate)
}

/// Parses a calendar date: `YYYY-MM-DD`, `YYYY/MM/DD`, `DD/MM/YYYY`, `DD-MM-YYYY`, `DD.MM.YYYY`,
/// a timestamp's date part, or a bare `YYYY`.
pub fn parse_date(s: &str) -> Result<DateValue, NullReason> {
    let b = s.trim().as_bytes();
    // Most dates, and every timestamp's date part, are ISO: read them without the separator
    // search below, which gives the same answer for them.
    if let [y @ .., b'-', m0, m1, b'-', d0, d1] = b {
        if let (4, Some(y), Some(m), Some(d)) =
            (y.len(), digits(y), digits(&[*m0, *m1]), digits(&[*d0, *d1]))
        {
            return ymd(y, m, d).map(DateValue::Full);
        }
    }
    if b.len() == 4 {
        return digits(b)
            .filter(|y| *y >= 1)
            .map(|y| DateValue::Year(y as u16))
            .ok_or(NullReason::Unparseable);
    }
    // A timestamp in a date column: its date part decides.
    let b = match b.iter().position(|&c| c == b'T' || c == b' ') {
        Some(10) => &b[..10],
        _ => b,
    };
    for sep in [b'-', b'/', b'.'] {
        if let Some([(a, aw), (m, mw), (c, cw)]) = triple(b, sep) {
            if mw > 2 {
                return Err(NullReason::Unparseable);
            }
            return match (aw, cw) {
                (4, 1..=2) if sep != b'.' => ymd(a, m, c).map(DateValue::Full),
                (1..=2, 4) => ymd(c, m, a).map(DateValue::Full),
                _ => Err(NullReason::Unparseable),
            };
        }
    }
    Err(NullReason::Unparseable)
}

fn time_of_day(b: &[u8]) -> Option<(u32, u32, u32, &[u8])> {
    // HH:MM[:SS[.fff]] then the rest (a zone designator, or nothing).
    let two = |s: &[u8]| (s.len() >= 2).then(|| digits(&s[..2])).flatten();
    let h = two(b)?;
    if b.get(2) != Some(&b':') {
        return None;
    }
    let m = two(&b[3..])?;
    let mut rest = &b[5..];
    let mut s = 0;
    if rest.first() == Some(&b':') {
        s = two(&rest[1..])?;
        rest = &rest[3..];
        if rest.first() == Some(&b'.') || rest.first() == Some(&b',') {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            rest = &rest[1 + n..];
        }
    }
    Some((h, m, s, rest))
}

fn zone_offset(z: &[u8]) -> Option<i64> {
    match z {
        b"" | b"Z" | b"z" => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [a, b, b':', c, d] | [a, b, c, d] => (digits(&[*a, *b])?, digits(&[*c, *d])?),
                [a, b] => (digits(&[*a, *b])?, 0),
                _ => return None,
            };
            if h > 14 || m > 59 {
                return None;
            }
            let secs = i64::from(h * 3600 + m * 60);
            Some(if *sign == b'+' { secs } else { -secs })
        }
        _ => None,
    }
}

/// Parses a timestamp to UTC: ISO 8601 (`2023-07-01T09:12:44Z`, offsets, fractions), the same
/// with a space, or a date alone (midnight UTC). A timestamp without a zone is taken as UTC.
pub fn parse_timestamp(s: &str) -> Result<DateTime, NullReason> {
    let s = s.trim();
    // The separator is ASCII, so both sides of it are whole characters.
    let split = s.bytes().position(|c| c == b'T' || c == b' ');
    let (date_str, time_part) = match split {
        Some(i) => (&s[..i], Some(&s.as_bytes()[i + 1..])),
        None => (s, None),
    };
    let date = match parse_date(date_str)? {
        DateValue::Full(d) => d,
        DateValue::Year(_) => return Err(NullReason::Unparseable),
    };
    let Some(time) = time_part else {
        return Ok(DateTime::at_midnight(date));
    };
    let (h, m, sec, zone) = time_of_day(time.trim_ascii()).ok_or(NullReason::Unparseable)?;
    let offset = zone_offset(zone).ok_or(NullReason::Unparseable)?;
    let local = DateTime::new(date, h, m, sec).ok_or(NullReason::ImpossibleDate)?;
    if offset == 0 {
        // UTC already, as exports nearly always write: no calendar arithmetic.
        return Ok(local);
    }
    local.offset_by(-offset).ok_or(NullReason::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: u32, m: u32, day: u32) -> DateValue {
        DateValue::Full(Date::new(y, m, day).unwrap())
    }

    #[test]
    fn date_table() {
        use NullReason::*;
        let cases: &[(&str, Result<DateValue, NullReason>)] = &[
            ("1998-04-12", Ok(d(1998, 4, 12))),
            ("1998/04/12", Ok(d(1998, 4, 12))),
            ("12/04/1998", Ok(d(1998, 4, 12))),
            ("2/4/1998", Ok(d(1998, 4, 2))),
            ("12-04-1998", Ok(d(1998, 4, 12))),
            ("12.04.1998", Ok(d(1998, 4, 12))),
            (" 1998-4-2 ", Ok(d(1998, 4, 2))),
            ("1998", Ok(DateValue::Year(1998))),
            ("1998-04-12T00:00:00Z", Ok(d(1998, 4, 12))),
            ("2031-02-30", Err(ImpossibleDate)),
            ("31/04/1999", Err(ImpossibleDate)),
            ("1999-13-01", Err(ImpossibleDate)),
            ("29/02/2023", Err(ImpossibleDate)),
            ("29/02/2024", Ok(d(2024, 2, 29))),
            ("0000", Err(Unparseable)),
            ("98", Err(Unparseable)),
            ("12/04/98", Err(Unparseable)),
            ("1998.04.12", Err(Unparseable)),
            ("April 12, 1998", Err(Unparseable)),
            ("1998-04-12-01", Err(Unparseable)),
            ("19980-04-12", Err(Unparseable)),
            ("x998-04-12", Err(Unparseable)),
            ("1998-04-1x", Err(Unparseable)),
            ("1998-4-12", Ok(d(1998, 4, 12))),
            ("", Err(Unparseable)),
            ("١٩٩٨", Err(Unparseable)),
        ];
        for (input, want) in cases {
            assert_eq!(parse_date(input), *want, "{input:?}");
        }
    }

    #[test]
    fn timestamp_table() {
        use NullReason::*;
        let cases: &[(&str, Result<&str, NullReason>)] = &[
            ("2023-07-01T09:12:44Z", Ok("2023-07-01T09:12:44Z")),
            ("2023-07-01 09:12:44", Ok("2023-07-01T09:12:44Z")),
            ("2023-07-01T09:12", Ok("2023-07-01T09:12:00Z")),
            ("2023-07-01T09:12:44.123Z", Ok("2023-07-01T09:12:44Z")),
            ("2023-07-01T09:12:44+02:00", Ok("2023-07-01T07:12:44Z")),
            ("2023-07-01T01:00:00+0300", Ok("2023-06-30T22:00:00Z")),
            ("2023-12-31T23:30:00-01:00", Ok("2024-01-01T00:30:00Z")),
            ("01/07/2023", Ok("2023-07-01T00:00:00Z")),
            ("01/07/2023 10:00", Ok("2023-07-01T10:00:00Z")),
            ("2023-07-01", Ok("2023-07-01T00:00:00Z")),
            ("2023-07-01T25:00:00Z", Err(ImpossibleDate)),
            ("2023-02-30T10:00:00Z", Err(ImpossibleDate)),
            ("2023-07-01T09:12:44+99:00", Err(Unparseable)),
            ("2023-07-01T9:12", Err(Unparseable)),
            ("2023", Err(Unparseable)),
            ("yesterday", Err(Unparseable)),
            ("2023-07-01T09:12:44+00:00", Ok("2023-07-01T09:12:44Z")),
            ("2023-07-01T09:12:44-00", Ok("2023-07-01T09:12:44Z")),
            ("2023-12-31T23:59:60Z", Ok("2023-12-31T23:59:59Z")),
            ("2023-07-01Tمساء", Err(Unparseable)),
            ("٢٠٢٣-07-01T10:00Z", Err(Unparseable)),
            (" 2023-07-01T09:12:44Z ", Ok("2023-07-01T09:12:44Z")),
        ];
        for (input, want) in cases {
            let got = parse_timestamp(input).map(|t| t.to_string());
            assert_eq!(got, want.map(String::from), "{input:?}");
        }
    }
}
