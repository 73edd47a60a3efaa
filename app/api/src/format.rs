//! How the console and the CLI show values to people.

/// `YYYY-MM-DD` of a Unix time, in UTC.
pub fn date(unix_seconds: i64) -> String {
    let (y, m, d) = civil_from_days(unix_seconds.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

pub fn optional_date(unix_seconds: Option<i64>, none: &str) -> String {
    unix_seconds.map_or_else(|| none.to_owned(), date)
}

/// A link's lifetime in words: "one hour", "24 hours", "30 minutes".
pub fn lifetime(minutes: u64) -> String {
    match minutes {
        60 => "one hour".to_owned(),
        m if m % 60 == 0 => format!("{} hours", m / 60),
        1 => "one minute".to_owned(),
        m => format!("{m} minutes"),
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_796_083_200), "2026-12-01");
        assert_eq!(date(-86_400), "1969-12-31");
    }

    #[test]
    fn lifetimes() {
        assert_eq!(lifetime(60), "one hour");
        assert_eq!(lifetime(1440), "24 hours");
        assert_eq!(lifetime(30), "30 minutes");
    }
}
