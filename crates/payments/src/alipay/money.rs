//! Alipay's amounts (yuan as decimal text) and times (Beijing wall clock), converted
//! exactly.

use chrono::{DateTime, FixedOffset};

/// Beijing time (China Standard Time, UTC+8, no daylight saving), which every Alipay
/// `timestamp`, `time_expire` and `gmt_*` field is in.
const BEIJING_OFFSET_SECS: i32 = 8 * 3600;

/// `minor` fen as Alipay's yuan text with exactly two decimals (`1` → `"0.01"`,
/// `12345` → `"123.45"`). Integer arithmetic only: a float would turn some amounts
/// into the next fen down.
pub fn yuan(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let fen = minor.unsigned_abs();
    format!("{sign}{}.{:02}", fen / 100, fen % 100)
}

/// Alipay's yuan text (`"123.45"`, `"0.5"`, `"7"`) in fen, exactly; `None` for anything
/// else: more than two decimals (which would need rounding), a sign, spaces, exponents,
/// an empty part (`"1."`, `".5"`), or an amount too large for an `i64`.
pub fn parse_yuan(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 2 {
        return None;
    }
    if text.contains('.') && fraction.is_empty() {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fen: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(fen)
}

/// `unix` seconds as Alipay writes times: `yyyy-MM-dd HH:mm:ss` in Beijing time.
/// `None` only for instants chrono cannot represent (hundreds of thousands of years away).
pub fn beijing_time(unix: i64) -> Option<String> {
    let beijing = FixedOffset::east_opt(BEIJING_OFFSET_SECS)?;
    let instant = DateTime::from_timestamp(unix, 0)?;
    Some(instant.with_timezone(&beijing).format("%Y-%m-%d %H:%M:%S").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_has_two_decimals() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(1), "0.01");
        assert_eq!(yuan(10), "0.10");
        assert_eq!(yuan(12345), "123.45");
        assert_eq!(yuan(-150), "-1.50");
        assert_eq!(yuan(i64::MAX), "92233720368547758.07");
    }

    #[test]
    fn yuan_text_is_read_exactly_or_not_at_all() {
        assert_eq!(parse_yuan("123.45"), Some(12345));
        assert_eq!(parse_yuan("0.5"), Some(50));
        assert_eq!(parse_yuan("7"), Some(700));
        assert_eq!(parse_yuan("0.01"), Some(1));
        for junk in [
            "",
            "1.234",
            "-1",
            "+1",
            "abc",
            "1.",
            ".5",
            "1e2",
            " 1",
            "1,00",
            "0x10",
            "99999999999999999999",
        ] {
            assert_eq!(parse_yuan(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn times_are_beijing_wall_clock() {
        // 2026-12-07 14:28:52 UTC is 22:28:52 in Beijing.
        assert_eq!(beijing_time(1_796_653_732).as_deref(), Some("2026-12-07 22:28:52"));
        assert_eq!(beijing_time(0).as_deref(), Some("1970-01-01 08:00:00"));
    }
}
