//! Retain Longitudinal Temporal Information with Modified Dates: every date moves back by
//! the same whole number of days, so that intervals between any two dates and times of the
//! object (and of every object de-identified with the same context) are kept. Times of day
//! stay as they are: a whole-day shift does not change them, and shifting them apart from
//! their dates would break the pairs (Study Date with Study Time) that make up one instant.

/// `value` (DA: `YYYYMMDD`, or a range `A-B`) moved back `days`; `None` when it is not a
/// date that can be shifted (then it is left empty, never kept).
pub(crate) fn shift_da(value: &str, days: u32) -> Option<String> {
    let value = value.trim_end_matches(['\0', ' ']).trim();
    if value.is_empty() {
        return Some(String::new());
    }
    if let Some((from, to)) = value.split_once('-') {
        let side = |s: &str| if s.is_empty() { Some(String::new()) } else { shift_ymd(s, days) };
        return Some(format!("{}-{}", side(from)?, side(to)?));
    }
    shift_ymd(value, days)
}

/// `value` (DT: `YYYYMMDD[HHMMSS[.FFFFFF]][&ZZXX]`) with its date moved back `days` and the
/// rest kept; a DT naming less than a whole day (`YYYY`, `YYYYMM`) cannot be shifted
/// exactly and gives `None`.
pub(crate) fn shift_dt(value: &str, days: u32) -> Option<String> {
    let value = value.trim_end_matches(['\0', ' ']).trim();
    if value.is_empty() {
        return Some(String::new());
    }
    if value.len() < 8 || !value.is_char_boundary(8) {
        return None;
    }
    let (date, rest) = value.split_at(8);
    Some(format!("{}{rest}", shift_ymd(date, days)?))
}

fn shift_ymd(ymd: &str, days: u32) -> Option<String> {
    // Also the ACR-NEMA form `YYYY.MM.DD`, which real devices still send.
    let digits: String = ymd.chars().filter(|c| *c != '.').collect();
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m, d) =
        (digits[..4].parse::<i64>().ok()?, digits[4..6].parse::<i64>().ok()?, digits[6..].parse::<i64>().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let (y, m, d) = civil(days_from_civil(y, m, d) - i64::from(days));
    (y >= 0).then(|| format!("{y:04}{m:02}{d:02}"))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_move_back_by_whole_days_across_months_and_leap_years() {
        assert_eq!(shift_da("20240301", 1).as_deref(), Some("20240229"));
        assert_eq!(shift_da("20230301", 1).as_deref(), Some("20230228"));
        assert_eq!(shift_da("20240101", 366).as_deref(), Some("20221231"));
        assert_eq!(shift_da("2024.03.15", 0).as_deref(), Some("20240315"));
        assert_eq!(shift_da("20240110-20240120", 10).as_deref(), Some("20231231-20240110"));
        assert_eq!(shift_da("", 10).as_deref(), Some(""));
        assert_eq!(shift_da("garbage", 10), None);
        assert_eq!(shift_da("20241340", 10), None);
        assert_eq!(shift_dt("20240315101530.25+0100", 15).as_deref(), Some("20240229101530.25+0100"));
        assert_eq!(shift_dt("2024", 15), None);
    }

    #[test]
    fn intervals_are_kept() {
        let days = 1234;
        let a = days_from_civil(2024, 3, 15);
        let b = days_from_civil(2019, 7, 1);
        let shifted = |y, m, d| {
            let s = shift_ymd(&format!("{y:04}{m:02}{d:02}"), days).unwrap();
            days_from_civil(s[..4].parse().unwrap(), s[4..6].parse().unwrap(), s[6..].parse().unwrap())
        };
        assert_eq!(shifted(2024, 3, 15) - shifted(2019, 7, 1), a - b);
        assert_eq!(civil(days_from_civil(2000, 2, 29)), (2000, 2, 29));
    }
}
