//! When a sync runs by itself.
//!
//! Each object (products, inventory, customers, orders, fulfillments) has its own schedule, as the
//! connectors our users know offer: an interval (`every 3h`, the default), a daily or weekly time (UTC), or
//! `off` for manual syncs only.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Time, Weekday};
use jiff::{SignedDuration, Timestamp, ToSpan, tz::TimeZone};

/// A sync schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Only when someone asks (a sync started by hand, sync-now).
    Off,
    /// At a fixed interval after the previous run.
    Every(SignedDuration),
    /// Every day at a time of day, UTC.
    Daily(Time),
    /// Every week on a weekday at a time of day, UTC.
    Weekly(Weekday, Time),
}

/// Why a text is not a schedule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a schedule{}; accepted: `off`, `every N` with a unit m or h (at least 5m, e.g. `every 3h`), \
     `daily HH:MM` or `weekly DAY HH:MM` (UTC, DAY as mon..sun)",
    .reason.map(|r| format!(": {r}")).unwrap_or_default()
)]
pub struct ScheduleError {
    text: String,
    reason: Option<&'static str>,
}

impl ScheduleError {
    /// What is wrong with a text that has the shape of a schedule (an interval too short or too long), for an
    /// error message to say before listing what is accepted; `None` when the text is not a schedule at all.
    pub fn reason(&self) -> Option<&'static str> {
        self.reason
    }
}

/// The shortest interval: shorter ones would spend the shop's API rate limit on syncs that find nothing new.
const MIN_INTERVAL_MINUTES: i64 = 5;

impl Default for Schedule {
    fn default() -> Self {
        Schedule::Every(SignedDuration::from_hours(3))
    }
}

impl Schedule {
    /// The first time at or after `after` when a run that last happened at `last_run` is due.
    ///
    /// Returns `None` for [`Schedule::Off`], and when the next run would fall after the last instant a timestamp
    /// can hold (a huge interval): such a run never comes.
    pub fn next_run(&self, last_run: Option<Timestamp>, after: Timestamp) -> Option<Timestamp> {
        match *self {
            Schedule::Off => None,
            Schedule::Every(interval) => match last_run {
                None => Some(after),
                // An overflowing due time used to count as due now, which ran an `every 100000000h` sync at every
                // scheduler tick.
                Some(last) => last.checked_add(interval).ok().map(|due| due.max(after)),
            },
            Schedule::Daily(time) => next_at(after, last_run, |date| Some(date.to_datetime(time)), 1),
            Schedule::Weekly(day, time) => {
                next_at(after, last_run, |date| (date.weekday() == day).then(|| date.to_datetime(time)), 7)
            }
        }
    }
}

/// The earliest slot after the last run; a slot missed while shopsync was stopped runs once, at `after`.
fn next_at(
    after: Timestamp,
    last_run: Option<Timestamp>,
    slot_on: impl Fn(jiff::civil::Date) -> Option<jiff::civil::DateTime>,
    span_days: i64,
) -> Option<Timestamp> {
    let start = last_run.unwrap_or(after);
    let start_date = start.to_zoned(TimeZone::UTC).date();
    for offset in 0..=span_days {
        let date = start_date.checked_add(offset.days()).ok()?;
        if let Some(slot) = slot_on(date) {
            let slot = slot.to_zoned(TimeZone::UTC).ok()?.timestamp();
            if slot > start || (last_run.is_none() && slot >= start) {
                return Some(slot.max(after));
            }
        }
    }
    None
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || ScheduleError { text: text.to_string(), reason: None };
        let because = |reason| ScheduleError { text: text.to_string(), reason: Some(reason) };
        let words: Vec<&str> = text.split_whitespace().collect();
        match words.as_slice() {
            ["off"] | ["manual"] => Ok(Schedule::Off),
            ["every", amount] => {
                // The unit is the last character, not the last byte: slicing off one byte of `every 5é` panicked.
                let unit_at = amount.char_indices().last().map_or(0, |(at, _)| at);
                let (number, unit) = amount.split_at(unit_at);
                let n: i64 = number.parse().map_err(|_| err())?;
                // The fallible constructors: `every 9999999999999999h` overflows a duration, which panicked.
                let duration = match unit {
                    "m" => SignedDuration::try_from_mins(n),
                    "h" => SignedDuration::try_from_hours(n),
                    _ => return Err(because("the unit is m (minutes) or h (hours)")),
                }
                .ok_or_else(|| because("the interval is too long"))?;
                if duration < SignedDuration::from_mins(MIN_INTERVAL_MINUTES) {
                    return Err(because("the shortest interval is 5 minutes (`every 5m`)"));
                }
                Ok(Schedule::Every(duration))
            }
            ["daily", time] => Ok(Schedule::Daily(parse_time(time).ok_or_else(err)?)),
            ["weekly", day, time] => {
                Ok(Schedule::Weekly(parse_weekday(day).ok_or_else(err)?, parse_time(time).ok_or_else(err)?))
            }
            _ => Err(err()),
        }
    }
}

fn parse_time(text: &str) -> Option<Time> {
    let (h, m) = text.split_once(':')?;
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

fn parse_weekday(text: &str) -> Option<Weekday> {
    let text = text.to_ascii_lowercase();
    WEEKDAYS.iter().find(|(name, _)| text.starts_with(name)).map(|(_, day)| *day)
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Off => write!(f, "off"),
            Schedule::Every(d) => {
                let mins = d.as_mins();
                if mins % 60 == 0 { write!(f, "every {}h", mins / 60) } else { write!(f, "every {mins}m") }
            }
            Schedule::Daily(t) => write!(f, "daily {:02}:{:02}", t.hour(), t.minute()),
            Schedule::Weekly(day, t) => {
                let name = WEEKDAYS.iter().find(|(_, d)| d == day).map_or("mon", |(n, _)| *n);
                write!(f, "weekly {name} {:02}:{:02}", t.hour(), t.minute())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn schedules_parse_and_print_back() {
        for text in ["off", "every 3h", "every 45m", "daily 02:30", "weekly sun 23:00"] {
            let schedule: Schedule = text.parse().unwrap();
            assert_eq!(schedule.to_string(), text);
        }
        assert_eq!(Schedule::default().to_string(), "every 3h");
    }

    #[test]
    fn bad_schedules_say_what_is_accepted() {
        for text in ["", "every", "every 1m", "every 3d", "daily 25:00", "weekly xyz 01:00", "hourly"] {
            let err = text.parse::<Schedule>().unwrap_err();
            assert!(err.to_string().contains("accepted"), "{text}");
        }
    }

    #[test]
    fn an_interval_below_the_minimum_says_the_minimum() {
        let err = "every 1m".parse::<Schedule>().unwrap_err();
        assert_eq!(err.reason(), Some("the shortest interval is 5 minutes (`every 5m`)"));
        assert!(
            err.to_string().starts_with("`every 1m` is not a schedule: the shortest interval is 5 minutes"),
            "{err}"
        );
        assert!("every 5m".parse::<Schedule>().is_ok());
    }

    #[test]
    fn intervals_too_large_or_with_a_multibyte_unit_are_refused_not_a_panic() {
        for text in ["every 9999999999999999h", "every 9999999999999999999m", "every 5é", "every é"] {
            let err = text.parse::<Schedule>().unwrap_err();
            assert!(err.to_string().contains("accepted"), "{text}");
        }
    }

    #[test]
    fn an_interval_that_ends_after_the_last_representable_instant_is_never_due() {
        let every: Schedule = "every 2562047788015h".parse().unwrap();
        let now = ts("2026-01-01T10:00:00Z");
        assert_eq!(every.next_run(Some(ts("2026-01-01T09:00:00Z")), now), None);
    }

    #[test]
    fn interval_runs_after_the_previous_run() {
        let every = Schedule::Every(SignedDuration::from_hours(3));
        let now = ts("2026-01-01T10:00:00Z");
        assert_eq!(every.next_run(None, now), Some(now));
        assert_eq!(every.next_run(Some(ts("2026-01-01T09:00:00Z")), now), Some(ts("2026-01-01T12:00:00Z")));
        // A run overdue since a restart happens now, once.
        assert_eq!(every.next_run(Some(ts("2025-12-31T00:00:00Z")), now), Some(now));
    }

    #[test]
    fn daily_and_weekly_pick_the_next_slot() {
        let daily: Schedule = "daily 02:00".parse().unwrap();
        let last = ts("2026-01-01T02:00:05Z");
        assert_eq!(daily.next_run(Some(last), last), Some(ts("2026-01-02T02:00:00Z")));
        // 2026-01-01 is a Thursday.
        let weekly: Schedule = "weekly mon 06:00".parse().unwrap();
        assert_eq!(weekly.next_run(Some(last), last), Some(ts("2026-01-05T06:00:00Z")));
        assert_eq!(Schedule::Off.next_run(None, last), None);
    }
}
