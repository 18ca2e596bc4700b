//! Calendar values as the graph stores them: a proleptic Gregorian [`Date`] and a UTC [`DateTime`].
//!
//! These are deliberately tiny: the pipeline only needs to validate, compare and print them in
//! ISO 8601, and owning the type keeps the hot path free of a date library's generality.

use std::fmt;

/// A valid calendar date (years 1..=9999).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// Builds a date, or `None` when no such day exists (`2031-02-30`, month 13, year 0).
    pub fn new(year: u32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        if day > days_in_month(year, month) {
            return None;
        }
        Some(Date {
            year: year as u16,
            month: month as u8,
            day: day as u8,
        })
    }

    /// The year.
    pub fn year(self) -> u32 {
        u32::from(self.year)
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// Days since 1970-01-01 (negative before), by the civil-from-days algorithm of H. Hinnant.
    pub fn days_since_epoch(self) -> i64 {
        let (y, m, d) = (
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01; `None` outside years 1..=9999.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Date::new(u32::try_from(y).ok()?, m as u32, d as u32)
    }
}

/// Number of days in `month` of `year`, leap years included.
pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// `n`'s last `slot.len()` decimal digits, zero-padded.
fn put_digits(slot: &mut [u8], mut n: u32) {
    for digit in slot.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

impl Date {
    /// `YYYY-MM-DD` in a fixed-size array, which the writers append with one copy of a known
    /// length.
    fn iso(self) -> [u8; 10] {
        let mut b = *b"0000-00-00";
        put_digits(&mut b[0..4], u32::from(self.year));
        put_digits(&mut b[5..7], u32::from(self.month));
        put_digits(&mut b[8..10], u32::from(self.day));
        b
    }

    /// Appends `YYYY-MM-DD` without going through `fmt` (the sinks' hot path).
    pub fn write_iso(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.iso());
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// An instant in UTC with one-second precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    date: Date,
    second_of_day: u32,
}

impl DateTime {
    /// Builds a timestamp; `None` for an hour, minute or second out of range.
    pub fn new(date: Date, hour: u32, minute: u32, second: u32) -> Option<DateTime> {
        // A leap second (`:60`) is folded into the last second of the minute rather than rejected.
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        Some(DateTime {
            date,
            second_of_day: hour * 3600 + minute * 60 + second.min(59),
        })
    }

    /// The timestamp at midnight UTC of `date`.
    pub fn at_midnight(date: Date) -> DateTime {
        DateTime {
            date,
            second_of_day: 0,
        }
    }

    /// Shifts by a number of seconds (used to bring a `+02:00` offset to UTC).
    pub fn offset_by(self, seconds: i64) -> Option<DateTime> {
        let total = self.date.days_since_epoch() * 86_400 + i64::from(self.second_of_day) + seconds;
        let date = Date::from_days_since_epoch(total.div_euclid(86_400))?;
        Some(DateTime {
            date,
            second_of_day: total.rem_euclid(86_400) as u32,
        })
    }

    /// The calendar date in UTC.
    pub fn date(self) -> Date {
        self.date
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.date.days_since_epoch() * 86_400 + i64::from(self.second_of_day)
    }
}

impl DateTime {
    /// Appends `YYYY-MM-DDTHH:MM:SSZ` without going through `fmt`.
    pub fn write_iso(self, out: &mut Vec<u8>) {
        let mut b = *b"0000-00-00T00:00:00Z";
        b[..10].copy_from_slice(&self.date.iso());
        let s = self.second_of_day;
        put_digits(&mut b[11..13], s / 3600);
        put_digits(&mut b[14..16], s / 60 % 60);
        put_digits(&mut b[17..19], s % 60);
        out.extend_from_slice(&b);
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.second_of_day;
        write!(
            f,
            "{}T{:02}:{:02}:{:02}Z",
            self.date,
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_impossible_days() {
        for (y, m, d) in [
            (2031, 2, 30),
            (2023, 2, 29),
            (1900, 2, 29),
            (2024, 4, 31),
            (2024, 13, 1),
            (0, 1, 1),
            (2024, 1, 0),
        ] {
            assert_eq!(Date::new(y, m, d), None, "{y}-{m}-{d}");
        }
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2024, 2, 29).is_some());
    }

    #[test]
    fn epoch_days_round_trip() {
        for days in [-719_162, -1, 0, 1, 10_957, 19_723, 2_932_896] {
            let d = Date::from_days_since_epoch(days).unwrap();
            assert_eq!(d.days_since_epoch(), days, "{d}");
        }
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().days_since_epoch(), 11_017);
    }

    #[test]
    fn prints_iso_8601() {
        let d = Date::new(998, 4, 2).unwrap();
        assert_eq!(d.to_string(), "0998-04-02");
        let t = DateTime::new(Date::new(2023, 7, 1).unwrap(), 9, 12, 44).unwrap();
        assert_eq!(t.to_string(), "2023-07-01T09:12:44Z");
        let shifted = t.offset_by(-10 * 3600).unwrap();
        assert_eq!(shifted.to_string(), "2023-06-30T23:12:44Z");
        for (date, time) in [(d, t), (Date::new(2024, 12, 31).unwrap(), shifted)] {
            let mut buf = Vec::new();
            date.write_iso(&mut buf);
            assert_eq!(buf, date.to_string().as_bytes());
            buf.clear();
            time.write_iso(&mut buf);
            assert_eq!(buf, time.to_string().as_bytes());
        }
        // Dates over the whole range, each at another time of day.
        let mut buf = Vec::new();
        for days in (-719_162..=2_932_896).step_by(997) {
            let date = Date::from_days_since_epoch(days).unwrap();
            let s = (days.unsigned_abs() * 7_919 % 86_400) as u32;
            let time = DateTime::new(date, s / 3600, s / 60 % 60, s % 60).unwrap();
            buf.clear();
            date.write_iso(&mut buf);
            time.write_iso(&mut buf);
            assert_eq!(buf, format!("{date}{time}").as_bytes());
        }
    }
}
