//! The production document's life: `queued -> sent -> acknowledged -> in_production ->
//! shipped`, or `rejected` / `cancelled`. Only the transitions below are possible.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Queued,
    Sent,
    Acknowledged,
    InProduction,
    Shipped,
    Rejected,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Queued,
        Status::Sent,
        Status::Acknowledged,
        Status::InProduction,
        Status::Shipped,
        Status::Rejected,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sent => "sent",
            Status::Acknowledged => "acknowledged",
            Status::InProduction => "in_production",
            Status::Shipped => "shipped",
            Status::Rejected => "rejected",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Status::Shipped | Status::Rejected | Status::Cancelled)
    }

    /// Before production starts, an order may still be changed or cancelled.
    pub fn before_production(self) -> bool {
        matches!(self, Status::Queued | Status::Sent | Status::Acknowledged)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegalTransition {
    pub from: Status,
    pub to: Status,
}

impl std::error::Error for IllegalTransition {}

/// Says what a factory may report next, so that its developer learns the table from the
/// answer (cancelling, and sending, are not a factory's to report).
impl fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a work order that is {} cannot become {}", self.from, self.to)?;
        // An acknowledgement is sent to its own address, not as an event.
        let next: Vec<&str> = next_states(self.from)
            .filter(|s| !matches!(s, Status::Cancelled | Status::Sent | Status::Queued))
            .map(|s| if s == Status::Acknowledged { "acknowledged (POST …/ack)" } else { s.as_str() })
            .collect();
        match next.split_last() {
            None => write!(f, "; {} is final", self.from),
            Some((last, [])) => write!(f, "; from {} it can only become {last}", self.from),
            Some((last, rest)) => write!(f, "; from {} it can become {} or {last}", self.from, rest.join(", ")),
        }
    }
}

/// The states a work order may move to from `from`.
pub fn next_states(from: Status) -> impl Iterator<Item = Status> {
    Status::ALL.into_iter().filter(move |to| *to != from && transition(from, *to).is_ok())
}

/// What a requested change means: a real change, or a repeat of the current state (which
/// retries and duplicate messages produce, and which is not an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Change,
    Unchanged,
}

pub fn transition(from: Status, to: Status) -> Result<Transition, IllegalTransition> {
    use Status::*;
    if from == to {
        return Ok(Transition::Unchanged);
    }
    let allowed = match from {
        Queued => matches!(to, Sent | Acknowledged | InProduction | Rejected | Cancelled),
        Sent => matches!(to, Acknowledged | InProduction | Rejected | Cancelled),
        Acknowledged => matches!(to, InProduction | Rejected | Cancelled),
        InProduction => matches!(to, Shipped),
        Shipped | Rejected | Cancelled => false,
    };
    if allowed { Ok(Transition::Change) } else { Err(IllegalTransition { from, to }) }
}

/// When a failed delivery is tried again, by attempt number (1 = the first retry): the
/// published schedule, immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
pub const DEFAULT_RETRY_SCHEDULE_SECONDS: [u64; 8] = [0, 5, 300, 1800, 7200, 18000, 36000, 36000];

/// The wait before attempt `attempt + 1` after `attempt` failures, or `None` when the
/// schedule is exhausted. Jitter (up to a tenth, at most 30 s) keeps retries of many events
/// from arriving at a recovering factory all at once; `jitter_unit` is in [0, 1). A factory's
/// `Retry-After` is honoured up to the schedule's longest wait: a day asked for parked the
/// event for a day, where the schedule tries again within hours.
pub fn retry_delay(schedule: &[u64], attempt: usize, retry_after: Option<u64>, jitter_unit: f64) -> Option<u64> {
    let base = *schedule.get(attempt.checked_sub(1)?)?;
    let longest = schedule.iter().copied().max().unwrap_or(base);
    let base = retry_after.map_or(base, |r| r.min(longest).max(base));
    let jitter = ((base as f64 / 10.0).min(30.0) * jitter_unit.clamp(0.0, 1.0)) as u64;
    Some(base + jitter)
}

/// A stretch of time as people read it: `5 min 1 s`, `1 h 0 min`, `2 days 3 h`.
pub fn span(d: chrono::TimeDelta) -> String {
    // Rounded up: a span said to be past a limit never reads as the limit ("5 min 0 s").
    let s = (d.num_seconds() + i64::from(d.subsec_nanos() > 0)).max(0);
    let (days, hours, minutes, seconds) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes} min {seconds} s"),
        (0, h) => format!("{h} h {minutes} min"),
        (1, h) => format!("1 day {h} h"),
        (d, h) => format!("{d} days {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_people_say_them() {
        let s = chrono::TimeDelta::seconds;
        assert_eq!(span(s(301)), "5 min 1 s");
        assert_eq!(span(s(300) + chrono::TimeDelta::microseconds(1)), "5 min 1 s", "past 5 min is not 5 min 0 s");
        assert_eq!(span(s(3600)), "1 h 0 min");
        assert_eq!(span(s(86_400)), "1 day 0 h");
        assert_eq!(span(s(3 * 86_400 + 7200)), "3 days 2 h");
    }

    #[test]
    fn a_refused_change_says_what_may_come_next() {
        let e = transition(Status::Acknowledged, Status::Shipped).unwrap_err();
        assert_eq!(e.to_string(), "a work order that is acknowledged cannot become shipped; from acknowledged it can become in_production or rejected");
        let e = transition(Status::InProduction, Status::Rejected).unwrap_err();
        assert_eq!(e.to_string(), "a work order that is in_production cannot become rejected; from in_production it can only become shipped");
        let e = transition(Status::Shipped, Status::InProduction).unwrap_err();
        assert_eq!(e.to_string(), "a work order that is shipped cannot become in_production; shipped is final");
    }

    #[test]
    fn the_happy_path_is_allowed() {
        use Status::*;
        for (a, b) in [(Queued, Sent), (Sent, Acknowledged), (Acknowledged, InProduction), (InProduction, Shipped)] {
            assert_eq!(transition(a, b), Ok(Transition::Change), "{a} -> {b}");
        }
    }

    #[test]
    fn production_cannot_be_undone_or_cancelled() {
        use Status::*;
        assert_eq!(transition(InProduction, Cancelled), Err(IllegalTransition { from: InProduction, to: Cancelled }));
        assert!(transition(Shipped, InProduction).is_err());
        assert!(transition(Rejected, Acknowledged).is_err());
        assert_eq!(
            IllegalTransition { from: InProduction, to: Cancelled }.to_string(),
            "a work order that is in_production cannot become cancelled; from in_production it can only become shipped"
        );
    }

    #[test]
    fn repeating_the_current_state_is_not_an_error() {
        assert_eq!(transition(Status::Acknowledged, Status::Acknowledged), Ok(Transition::Unchanged));
    }

    #[test]
    fn retries_follow_the_schedule_and_honour_retry_after() {
        let s = DEFAULT_RETRY_SCHEDULE_SECONDS;
        assert_eq!(retry_delay(&s, 1, None, 0.0), Some(0));
        assert_eq!(retry_delay(&s, 2, None, 0.0), Some(5));
        assert_eq!(retry_delay(&s, 3, None, 0.99), Some(329));
        assert_eq!(retry_delay(&s, 2, Some(60), 0.0), Some(60));
        assert_eq!(retry_delay(&s, 2, Some(86_400), 0.0), Some(36_000), "a day asked for: the schedule's longest wait");
        assert_eq!(retry_delay(&s, 9, None, 0.0), None);
        assert_eq!(retry_delay(&s, 0, None, 0.0), None);
    }

    #[test]
    fn every_status_round_trips_through_its_name() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
