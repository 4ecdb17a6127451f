//! The rows of the data loop as the store keeps them: users, sessions, API tokens,
//! observations, dispatch reports, assigned targets. Their canonical JSON (`state_json`) is what
//! the audit trail records before and after each write, and what `verify` compares the stored
//! rows with.

use ecociv_core::access::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an entry stands in its approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Sent in, waiting for the task force.
    Submitted,
    /// Sent back (or unlocked) with a reason; the submitter may fix and send again.
    Returned,
    /// Approved and locked.
    Approved,
}

impl EntryState {
    pub fn code(self) -> &'static str {
        match self {
            EntryState::Submitted => "submitted",
            EntryState::Returned => "returned",
            EntryState::Approved => "approved",
        }
    }
    pub fn parse(s: &str) -> Option<EntryState> {
        [EntryState::Submitted, EntryState::Returned, EntryState::Approved].into_iter().find(|x| x.code() == s)
    }
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub name: String,
    pub zone: String,
    pub org_unit: String,
    pub role: Role,
    pub password_hash: String,
    pub failed_logins: i64,
    /// RFC 3339; empty when not locked.
    pub locked_until: String,
    pub created_at: String,
}

/// What the audit trail records of a user: never the password hash itself, only whether it
/// changed (its SM3 fingerprint).
#[derive(Serialize)]
struct UserState<'a> {
    name: &'a str,
    zone: &'a str,
    org_unit: &'a str,
    role: Role,
    password: String,
    failed_logins: i64,
    locked_until: &'a str,
}

impl UserRecord {
    pub fn state_json(&self) -> String {
        use sm3::Digest;
        let fp = hex::encode(sm3::Sm3::digest(self.password_hash.as_bytes()));
        serde_json::to_string(&UserState {
            name: &self.name,
            zone: &self.zone,
            org_unit: &self.org_unit,
            role: self.role,
            password: fp,
            failed_logins: self.failed_logins,
            locked_until: &self.locked_until,
        })
        .expect("serializable")
    }
}

/// A server-side session; the cookie holds the id, the store only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub user: String,
    pub csrf: String,
    pub created_at: String,
    pub last_seen: String,
}

/// An API token; the store keeps only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: i64,
    pub user: String,
    pub token_hash: String,
    pub created_at: String,
    pub revoked_at: String,
}

/// A yearly value of an indicator (or sub-indicator), for the zone or one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ObservationRecord {
    pub id: i64,
    pub zone: String,
    pub indicator: String,
    pub year: i64,
    /// Empty for the whole zone.
    pub region: String,
    /// The number (canonical decimal) or the state word.
    pub value: String,
    pub comment: String,
    pub explanation: String,
    pub state: EntryState,
    pub late: bool,
    pub submitted_by: String,
    pub submitted_at: String,
    pub decided_by: String,
    pub decided_at: String,
    /// Why it was returned or unlocked.
    pub reason: String,
    pub version: i64,
}

/// A monthly dispatch report of a project or a task. Amounts in 万元, canonical decimals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DispatchRecord {
    pub id: i64,
    pub zone: String,
    /// `project` or `task`.
    pub kind: String,
    /// The project or task number.
    pub subject: i64,
    /// The org unit that reports: a project's implementer; for tasks, each org unit sharing it.
    pub org_unit: String,
    /// `YYYY-MM`.
    pub period: String,
    /// Projects: `not_started`, `under_way`, `completed`, `suspended`; empty for tasks.
    pub status: String,
    pub progress_percent: String,
    pub investment_month_wan: String,
    pub investment_cumulative_wan: String,
    /// Tasks: what was done.
    pub progress: String,
    /// Tasks: JSON list of `[index, amount done]`.
    pub quantities: String,
    pub benefits: String,
    pub problems: String,
    pub explanation: String,
    pub state: EntryState,
    pub late: bool,
    pub submitted_by: String,
    pub submitted_at: String,
    pub decided_by: String,
    pub decided_at: String,
    pub reason: String,
    pub version: i64,
}

/// A target assigned from above (16, 18) for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpperTargetRecord {
    pub zone: String,
    pub indicator: String,
    pub year: i64,
    pub value: String,
    pub set_by: String,
    pub set_at: String,
}

macro_rules! state_json {
    ($t:ty) => {
        impl $t {
            /// The canonical JSON the audit trail records.
            pub fn state_json(&self) -> String {
                serde_json::to_string(self).expect("serializable")
            }
        }
    };
}
state_json!(ObservationRecord);
state_json!(TokenRecord);
state_json!(DispatchRecord);
state_json!(UpperTargetRecord);
