//! The entries as they stood at the end of a day, so that a past month, quarter or year is
//! judged on what had happened by its end. Each entry's versions are the after-states of its
//! events on the audit trail, in order; a version is dated by its own submission and decision
//! times on the one clock, in Beijing time (so a day set with `--today` dates them too). The
//! version of a day is the last one dated on or before it; an entry first sent after the day
//! did not exist yet.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::de::DeserializeOwned;

use crate::clock::beijing_day;
use crate::record::{DispatchRecord, EntryState, ObservationRecord};

/// An entry with versions: its id, and the times of its submission and decision.
pub trait Versioned: Clone + DeserializeOwned {
    /// The trail's name of the kind (`observation`, `dispatch_report`).
    const ENTITY: &'static str;
    fn id(&self) -> i64;
    /// 1 when first sent, one more with every change.
    fn version(&self) -> i64;
    fn times(&self) -> [&str; 2];
    fn state(&self) -> EntryState;
    /// The Beijing day of this version: its latest submission or decision.
    fn dated(&self) -> Option<NaiveDate> {
        self.times().into_iter().filter_map(beijing_day).max()
    }
}

macro_rules! versioned {
    ($t:ty, $entity:literal) => {
        impl Versioned for $t {
            const ENTITY: &'static str = $entity;
            fn id(&self) -> i64 {
                self.id
            }
            fn version(&self) -> i64 {
                self.version
            }
            fn times(&self) -> [&str; 2] {
                [&self.submitted_at, &self.decided_at]
            }
            fn state(&self) -> EntryState {
                self.state
            }
        }
    };
}
versioned!(ObservationRecord, "observation");
versioned!(DispatchRecord, "dispatch_report");

/// The versions of a zone's entries of one kind, by id, oldest first.
pub struct History<T> {
    versions: HashMap<i64, Vec<T>>,
}

impl<T: Versioned> History<T> {
    /// From the trail's events (entity, after-state JSON) in order; other kinds and
    /// unreadable states are passed over.
    pub fn of<'a>(events: impl IntoIterator<Item = (&'a str, &'a str)>) -> History<T> {
        let mut versions: HashMap<i64, Vec<T>> = HashMap::new();
        for (entity, after) in events {
            if entity != T::ENTITY || after.is_empty() {
                continue;
            }
            if let Ok(v) = serde_json::from_str::<T>(after) {
                versions.entry(v.id()).or_default().push(v);
            }
        }
        History { versions }
    }

    /// The entries of `current` as they stood at the end of `day`: an entry unchanged since
    /// is as it is; one changed after, its last version dated by then; one first sent after,
    /// left out.
    pub fn on(&self, current: &[T], day: NaiveDate) -> Vec<T> {
        current
            .iter()
            .filter_map(|e| {
                if e.dated().is_some_and(|d| d <= day) {
                    return Some(e.clone());
                }
                self.versions.get(&e.id())?.iter().rev().find(|v| v.dated().is_some_and(|d| d <= day)).cloned()
            })
            .collect()
    }

    /// `entity/id` of the entries returned on or before `day`.
    pub fn returned_by(&self, day: NaiveDate) -> HashSet<String> {
        self.versions
            .iter()
            .filter(|(_, vs)| vs.iter().any(|v| v.state() == EntryState::Returned && v.dated().is_some_and(|d| d <= day)))
            .map(|(id, _)| format!("{}/{id}", T::ENTITY))
            .collect()
    }
}

/// Whether any of `current` changed after `day` (when none did, the entries as they stand are
/// those of the day, and no history needs reading).
pub fn changed_after<T: Versioned>(current: &[T], day: NaiveDate) -> bool {
    current.iter().any(|e| e.dated().is_none_or(|d| d > day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(id: i64, state: EntryState, submitted_at: &str, decided_at: &str, progress: &str) -> DispatchRecord {
        DispatchRecord {
            id,
            zone: "z".into(),
            kind: "project".into(),
            subject: 1,
            org_unit: "u".into(),
            period: "2024-05".into(),
            status: "under_way".into(),
            progress_percent: progress.into(),
            investment_month_wan: "0".into(),
            investment_cumulative_wan: "0".into(),
            funding: String::new(),
            progress: String::new(),
            quantities: "[]".into(),
            benefits: String::new(),
            problems: String::new(),
            explanation: String::new(),
            state,
            late: false,
            submitted_by: "a".into(),
            submitted_at: submitted_at.into(),
            decided_by: String::new(),
            decided_at: decided_at.into(),
            reason: String::new(),
            version: 1,
        }
    }

    #[test]
    fn an_entry_stands_as_its_last_version_of_the_day_in_beijing_time() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        // sent 2024-06-03 (Beijing), returned 2024-06-10, sent again 2024-06-20 at 01:00 Beijing
        // (the 19th in UTC), approved 2024-06-25
        let v1 = report(7, EntryState::Submitted, "2024-06-03T02:00:00Z", "", "10");
        let v2 = report(7, EntryState::Returned, "2024-06-03T02:00:00Z", "2024-06-10T02:00:00Z", "10");
        let v3 = report(7, EntryState::Submitted, "2024-06-19T17:00:00Z", "2024-06-10T02:00:00Z", "12");
        let v4 = report(7, EntryState::Approved, "2024-06-19T17:00:00Z", "2024-06-25T02:00:00Z", "12");
        let late = report(8, EntryState::Submitted, "2024-06-21T02:00:00Z", "", "5");
        let json: Vec<String> = [&v1, &v2, &v3, &v4, &late].iter().map(|r| r.state_json()).collect();
        let h: History<DispatchRecord> = History::of(json.iter().map(|j| ("dispatch_report", j.as_str())).chain([("observation", "{}")]));
        let current = vec![v4.clone(), late.clone()];
        assert!(h.on(&current, d("2024-06-02")).is_empty(), "nothing was sent yet");
        assert_eq!(h.on(&current, d("2024-06-05")), vec![v1.clone()]);
        assert_eq!(h.on(&current, d("2024-06-19")), vec![v2.clone()], "the resend was on the 20th in Beijing");
        assert_eq!(h.on(&current, d("2024-06-20")), vec![v3]);
        assert_eq!(h.on(&current, d("2024-06-30")), current);
        assert!(h.returned_by(d("2024-06-09")).is_empty());
        assert_eq!(h.returned_by(d("2024-06-10")), HashSet::from(["dispatch_report/7".to_string()]));
        assert!(changed_after(&current, d("2024-06-24")) && !changed_after(&current, d("2024-06-25")));
    }
}
