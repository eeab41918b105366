//! Time for the daily KPI snapshot: tenant-local days in IANA time zones
//! (through `jiff`) and the scheduler's [`Clock`], tokio time plus a
//! wall-clock base, so paused tokio time moves it in tests.

use jiff::civil;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use time::OffsetDateTime;

/// Longest time-zone name accepted (IANA names are far shorter).
pub const MAX_TZ: usize = 64;

/// The wall clock the scheduler reads: `base` at the tokio instant `start`,
/// moving with tokio time from there. Under `tokio::time::pause()` it moves
/// only when the test advances time (or the runtime auto-advances to the
/// next timer), never on its own.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base: OffsetDateTime,
    start: tokio::time::Instant,
}

impl Clock {
    /// The system wall clock now.
    pub fn system() -> Clock {
        Clock::starting_at(OffsetDateTime::now_utc())
    }

    /// A clock that reads `base` now (tests: any wall time at all).
    pub fn starting_at(base: OffsetDateTime) -> Clock {
        Clock {
            base,
            start: tokio::time::Instant::now(),
        }
    }

    /// The wall time now: `base` plus the tokio time elapsed since start.
    pub fn now(&self) -> OffsetDateTime {
        self.base + self.start.elapsed()
    }

    /// The tokio instant at which this clock reads `at` (now if `at` is past).
    pub fn instant_at(&self, at: OffsetDateTime) -> tokio::time::Instant {
        let ahead = at - self.now();
        let ahead = std::time::Duration::try_from(ahead).unwrap_or_default();
        tokio::time::Instant::now() + ahead
    }
}

/// The time zone named `name`: an IANA name such as `Europe/Berlin` or
/// `UTC`. Errors: a sentence naming the bad name (`bad_request`).
pub fn zone(name: &str) -> Result<TimeZone, String> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_TZ || name.chars().any(char::is_control) {
        return Err("timezone must be an IANA name such as Europe/Berlin".into());
    }
    TimeZone::get(name)
        .map_err(|_| format!("unknown timezone {name:?}: use an IANA name such as Europe/Berlin"))
}

/// A stored zone name, falling back to UTC for a name this build cannot read.
pub fn zone_or_utc(name: &str) -> TimeZone {
    zone(name).unwrap_or(TimeZone::UTC)
}

fn to_ts(t: OffsetDateTime) -> Timestamp {
    Timestamp::from_nanosecond(t.unix_timestamp_nanos()).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn from_ts(t: Timestamp) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(t.as_nanosecond())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn to_civil(d: time::Date) -> civil::Date {
    civil::Date::new(d.year() as i16, u8::from(d.month()) as i8, d.day() as i8)
        .unwrap_or(civil::Date::constant(1970, 1, 1))
}

fn from_civil(d: civil::Date) -> time::Date {
    time::Month::try_from(d.month() as u8)
        .ok()
        .and_then(|m| time::Date::from_calendar_date(d.year() as i32, m, d.day() as u8).ok())
        .unwrap_or(time::Date::MIN)
}

/// The local date in `tz` at instant `t`.
pub fn local_day(t: OffsetDateTime, tz: &TimeZone) -> time::Date {
    from_civil(to_ts(t).to_zoned(tz.clone()).date())
}

/// When local day `day` starts in `tz` (its first instant: midnight, or the
/// first time after a DST gap at midnight).
pub fn day_start(day: time::Date, tz: &TimeZone) -> OffsetDateTime {
    match to_civil(day).to_zoned(tz.clone()) {
        Ok(z) => from_ts(z.timestamp()),
        Err(_) => day.midnight().assume_utc(),
    }
}

/// `[start, end)` of local day `day` in `tz` (23, 24 or 25 hours long).
pub fn day_bounds(day: time::Date, tz: &TimeZone) -> (OffsetDateTime, OffsetDateTime) {
    let next = day.next_day().unwrap_or(day);
    (day_start(day, tz), day_start(next, tz))
}

/// The first local midnight in `tz` strictly after `t`.
pub fn next_midnight(t: OffsetDateTime, tz: &TimeZone) -> OffsetDateTime {
    let today = local_day(t, tz);
    day_start(today.next_day().unwrap_or(today), tz)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn names_are_validated() {
        assert!(zone("Europe/Berlin").is_ok());
        assert!(zone("UTC").is_ok());
        assert!(zone("Mars/Olympus").is_err());
        assert!(zone("").is_err());
        assert!(zone("Europe/Berlin\0").is_err());
    }

    #[test]
    fn local_days_and_midnights() {
        let berlin = zone("Europe/Berlin").unwrap();
        // 23:30 UTC on 25 Nov is 00:30 on 26 Nov in Berlin (UTC+1).
        let t = datetime!(2026-11-25 23:30 UTC);
        assert_eq!(local_day(t, &berlin), time::macros::date!(2026 - 11 - 26));
        assert_eq!(next_midnight(t, &berlin), datetime!(2026-11-26 23:00 UTC));
        let ny = zone("America/New_York").unwrap();
        assert_eq!(next_midnight(t, &ny), datetime!(2026-11-26 05:00 UTC));
        // The day DST starts in Berlin is 23 hours long.
        let (s, e) = day_bounds(time::macros::date!(2026 - 03 - 29), &berlin);
        assert_eq!(e - s, time::Duration::hours(23));
    }

    /// The clock moves with paused tokio time, and sleeping until the
    /// instant of a local midnight wakes exactly then.
    #[tokio::test(start_paused = true)]
    async fn sleeping_until_a_midnight_wakes_at_it() {
        let clock = Clock::starting_at(datetime!(2026-11-25 20:00 UTC));
        let tokyo = zone("Asia/Tokyo").unwrap();
        let berlin = zone("Europe/Berlin").unwrap();
        let next = [&tokyo, &berlin]
            .iter()
            .map(|tz| next_midnight(clock.now(), tz))
            .min()
            .unwrap();
        // Tokyo (UTC+9) reaches midnight at 15:00 UTC on the 26th, Berlin at 23:00 UTC on the 25th.
        assert_eq!(next, datetime!(2026-11-25 23:00 UTC));
        tokio::time::sleep_until(clock.instant_at(next)).await;
        assert_eq!(clock.now(), datetime!(2026-11-25 23:00 UTC));
        assert_eq!(
            local_day(clock.now(), &berlin),
            time::macros::date!(2026 - 11 - 26)
        );
    }
}
