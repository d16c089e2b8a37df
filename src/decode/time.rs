//! `event_time` to epoch milliseconds, with integer arithmetic only.
//!
//! The exports write UTC without a zone (`2025-10-16 19:00:23.850992`); ISO 8601 forms
//! (`T` separator, `Z`, `+02:00`, `+0200`) are accepted too, since hand-made or re-exported
//! files use them. Fractions beyond milliseconds are truncated (OCSF `time` is in ms); the
//! original text is kept by the caller in `metadata.original_time`.

use chrono::{Datelike, NaiveDate};
use nom::{
    IResult, Parser,
    branch::alt,
    bytes::complete::{tag, take_while_m_n, take_while1},
    character::complete::{char, one_of},
    combinator::{all_consuming, map_res, opt},
    sequence::preceded,
};

/// A parsed `event_time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTime {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub epoch_ms: i64,
    /// The offset written in the text, in minutes east of UTC (`None` when the text had no zone).
    pub offset_minutes: Option<i32>,
}

/// Days between 0001-01-01 (chrono's day 1 of the common era) and 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// Parses an export timestamp; `None` when it is not a valid date-time.
pub fn parse_event_time(text: &str) -> Option<EventTime> {
    let (_, (date, _, (h, mi, s, frac_ms), zone)) = all_consuming((date, one_of(" Tt"), clock, opt(zone)))
        .parse(text)
        .ok()?;
    let (y, mo, d) = date;
    let day = NaiveDate::from_ymd_opt(y, mo, d)?;
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = i64::from(day.num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE;
    let offset = zone.unwrap_or(0);
    let ms = days * 86_400_000
        + i64::from(h) * 3_600_000
        + i64::from(mi) * 60_000
        + i64::from(s) * 1_000
        + i64::from(frac_ms)
        - i64::from(offset) * 60_000;
    Some(EventTime {
        epoch_ms: ms,
        offset_minutes: zone,
    })
}

fn fixed_digits(n: usize) -> impl Fn(&str) -> IResult<&str, u32> {
    move |i| map_res(take_while_m_n(n, n, |c: char| c.is_ascii_digit()), str::parse).parse(i)
}

fn date(i: &str) -> IResult<&str, (i32, u32, u32)> {
    let (i, (y, _, m, _, d)) = (fixed_digits(4), char('-'), fixed_digits(2), char('-'), fixed_digits(2)).parse(i)?;
    // Four digits always fit i32.
    Ok((i, (y as i32, m, d)))
}

/// `HH:MM[:SS[.fraction]]` as (hours, minutes, seconds, milliseconds).
fn clock(i: &str) -> IResult<&str, (u32, u32, u32, u32)> {
    let (i, (h, _, m)) = (fixed_digits(2), char(':'), fixed_digits(2)).parse(i)?;
    let (i, sec) = opt(preceded(
        char(':'),
        (fixed_digits(2), opt(preceded(one_of(".,"), fraction_ms))),
    ))
    .parse(i)?;
    let (s, ms) = sec.map_or((0, 0), |(s, ms)| (s, ms.unwrap_or(0)));
    Ok((i, (h, m, s, ms)))
}

/// Any number of fraction digits, truncated to milliseconds.
fn fraction_ms(i: &str) -> IResult<&str, u32> {
    let (rest, digits) = take_while1(|c: char| c.is_ascii_digit()).parse(i)?;
    let ms = digits
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'));
    Ok((rest, ms))
}

/// `Z`, `+HH:MM`, `+HHMM`, `+HH` (or `-`), as minutes east of UTC.
fn zone(i: &str) -> IResult<&str, i32> {
    alt((
        one_of("Zz").map(|_| 0),
        (
            one_of("+-"),
            fixed_digits(2),
            opt(preceded(opt(char(':')), fixed_digits(2))),
        )
            .map(|(sign, h, m)| {
                // Two-digit fields: at most 99 * 60 + 99, no overflow.
                let mins = (h * 60 + m.unwrap_or(0)) as i32;
                if sign == '-' { -mins } else { mins }
            }),
        tag(" UTC").map(|_| 0),
    ))
    .parse(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        parse_event_time(s).unwrap_or_else(|| panic!("{s}")).epoch_ms
    }

    #[test]
    fn vendor_format_is_utc_and_truncates_to_ms() {
        // 2025-10-16T19:00:23.850992Z, checked with `date -u -d ... +%s%3N`.
        assert_eq!(ms("2025-10-16 19:00:23.850992"), 1_760_641_223_850);
        assert_eq!(ms("2023-03-14 00:37:54.284873"), 1_678_754_274_284);
        assert_eq!(
            parse_event_time("2025-10-16 19:00:23.850992").unwrap().offset_minutes,
            None
        );
    }

    #[test]
    fn iso_forms_and_offsets() {
        assert_eq!(ms("2025-10-16T19:00:23.850992Z"), 1_760_641_223_850);
        assert_eq!(ms("2025-10-16T21:00:23.850+02:00"), 1_760_641_223_850);
        assert_eq!(ms("2025-10-16T14:00:23.85-0500"), 1_760_641_223_850);
        assert_eq!(ms("2025-10-16T19:00:23Z"), 1_760_641_223_000);
        assert_eq!(ms("2025-10-16 19:00"), 1_760_641_200_000);
        assert_eq!(ms("2025-10-16 19:00:23.850992 UTC"), 1_760_641_223_850);
        assert_eq!(
            parse_event_time("2025-10-16T21:00:00+02:00").unwrap().offset_minutes,
            Some(120)
        );
    }

    #[test]
    fn before_the_epoch_and_leap_days() {
        assert_eq!(ms("1969-12-31 23:59:59.999"), -1);
        assert_eq!(ms("2024-02-29 00:00:00"), 1_709_164_800_000);
        assert_eq!(ms("0001-01-01 00:00:00"), -62_135_596_800_000);
    }

    #[test]
    fn rejects_impossible_or_partial_times() {
        for bad in [
            "",
            "2025-02-30 00:00:00",
            "2025-13-01 00:00:00",
            "2025-10-16 24:00:00",
            "2025-10-16 19:61:00",
            "2025-10-16",
            "2025-10-16 19:00:23.",
            "2025-10-16 19:00:23.85 garbage",
            "16/10/2025 19:00",
            "2025-10-16 19:00:23+",
            "１９９９-01-01 00:00:00",
        ] {
            assert_eq!(parse_event_time(bad), None, "{bad:?}");
        }
    }
}
