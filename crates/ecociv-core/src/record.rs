//! The records of a zone's data as ecociv keeps them: accounts, sessions and tokens; the entries
//! of the data loop (observations, dispatch reports, assigned targets) and where they stand in
//! their approval; the task force's controls (settings, periods, evidence, scoring rules,
//! assessments, vetoes, mastheads). Their canonical JSON (`state_json`) is what the audit trail
//! records before and after each write, and what `verify` compares the stored rows with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sm3::Digest;
use utoipa::ToSchema;

use crate::access::Role;

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
    /// Disabled by an administrator or the task force: signs in no more.
    #[serde(default)]
    pub disabled: bool,
    /// The password was set by someone else (a new account, a reset): it must be changed before
    /// anything else.
    #[serde(default)]
    pub must_change_password: bool,
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
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    disabled: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    must_change_password: bool,
}

impl UserRecord {
    pub fn state_json(&self) -> String {
        let fp = hex::encode(sm3::Sm3::digest(self.password_hash.as_bytes()));
        serde_json::to_string(&UserState {
            name: &self.name,
            zone: &self.zone,
            org_unit: &self.org_unit,
            role: self.role,
            password: fp,
            failed_logins: self.failed_logins,
            locked_until: &self.locked_until,
            disabled: self.disabled,
            must_change_password: self.must_change_password,
        })
        .expect("serializable")
    }
}

/// A signed head of a zone's audit trail: event `seq` had `hash` when the holder of the key
/// `public_key` (SM2, hex of its SEC1 encoding) signed it at `signed_at` (`signature`, hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadSignature {
    pub zone: String,
    pub seq: i64,
    pub hash: String,
    pub signed_at: String,
    pub public_key: String,
    pub signature: String,
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

impl SessionRecord {
    /// What the trail records of a session: whose it is and since when (not its CSRF secret,
    /// nor the last-seen time that reading pages moves).
    pub fn state_json(&self) -> String {
        serde_json::json!({"user": self.user, "created_at": self.created_at}).to_string()
    }
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
    /// Projects: the month's investment by source, `财政|金融|社会` (万元), or empty when not
    /// given (left out of the trail's JSON then, so that records from before it read the same).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub funding: String,
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

/// A zone's settings of the data loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ZoneSettingsRecord {
    pub zone: String,
    pub dispatch_due_day: i64,
    /// `MM-DD` of the year after.
    pub observation_due: String,
    /// A decimal share, `0.5` = 50%.
    pub jump_bound: String,
    /// Indicator codes the regions enter for themselves.
    pub regional_indicators: Vec<String>,
    /// What the task force of the zone above may do here (`read_entries`, `decide`); left out of
    /// the trail's JSON when empty, so that records from before it read the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parent_rights: Vec<String>,
    pub updated_by: String,
    pub updated_at: String,
}

impl ZoneSettingsRecord {
    /// The settings of the data loop as stored, any unreadable part taken from `default`.
    pub fn settings(&self, default: &crate::entry::ZoneSettings) -> crate::entry::ZoneSettings {
        let (m, d) = self.observation_due.split_once('-').and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?))).unwrap_or(default.observation_due);
        crate::entry::ZoneSettings {
            dispatch_due_day: u32::try_from(self.dispatch_due_day).unwrap_or(default.dispatch_due_day),
            observation_due: (m, d),
            jump_bound: self.jump_bound.parse().unwrap_or(default.jump_bound),
            regional_indicators: self.regional_indicators.clone(),
            parent_rights: self.parent_rights.iter().filter_map(|r| crate::access::ParentRight::parse(r)).collect(),
        }
    }
}

/// A period the task force locked, unlocked, or opened (a year after the plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PeriodRecord {
    pub zone: String,
    /// `2024` or `2024-05`.
    pub period: String,
    /// `locked`, `unlocked` or `open`.
    pub state: String,
    pub set_by: String,
    pub set_at: String,
}

/// An evidence file or photo of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EvidenceRecord {
    pub id: i64,
    pub zone: String,
    /// `observation` or `dispatch_report`.
    pub entity: String,
    pub entity_id: i64,
    /// SM3 of the content, hex.
    pub hash: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

state_json!(ZoneSettingsRecord);
state_json!(PeriodRecord);
state_json!(EvidenceRecord);

/// SM3 of bytes, hex.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(sm3::Sm3::digest(bytes))
}

/// A version of a zone's scoring rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScoringRulesRecord {
    pub zone: String,
    pub version: i64,
    pub text: String,
    pub created_by: String,
    pub created_at: String,
}

/// An assessment as computed and recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AssessmentRecord {
    pub id: i64,
    pub zone: String,
    pub quarter: String,
    pub rules_version: i64,
    /// The scores as JSON.
    pub result: String,
    pub computed_by: String,
    pub computed_at: String,
}

state_json!(ScoringRulesRecord);
state_json!(AssessmentRecord);

/// A veto condition (一票否决) recorded by the task force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VetoRecord {
    pub id: i64,
    pub zone: String,
    /// e.g. `major_incident` (重大、特大突发环境事件).
    pub kind: String,
    pub description: String,
    /// `YYYY-MM-DD`.
    pub occurred_on: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

state_json!(VetoRecord);

/// The masthead of one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MastheadRecord {
    pub zone: String,
    /// `bulletin`, `assessment`, `work` or `technical`.
    pub kind: String,
    /// `2024-05`, `2024Q2` or `2024`.
    pub period: String,
    /// The issuing office's mark, one line each (Chinese, Mongolian, …).
    pub header_lines: Vec<String>,
    /// 发文字号, e.g. 呼生态创发〔2024〕1号.
    pub number: String,
    pub issuer: String,
    /// The date of issue as printed (2025年3月31日).
    pub issued_on: String,
    /// Paragraphs by key (`assessment`, `measures`, `requirements`).
    pub texts: BTreeMap<String, String>,
    pub updated_by: String,
    pub updated_at: String,
}

impl MastheadRecord {
    /// The canonical JSON the audit trail records.
    pub fn state_json(&self) -> String {
        serde_json::to_string(self).expect("serializable")
    }
}

/// The versions of a zone's data by kind, each moved by every write of that kind in the same
/// transaction: what a view computed from that data is valid for. Accounts have none, so a
/// sign-in changes no view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DataVersions {
    /// Observations and assigned targets.
    pub observations: i64,
    /// Dispatch reports.
    pub dispatch: i64,
    /// Settings, periods, evidence, scoring rules, recorded assessments, vetoes, mastheads,
    /// supervision orders, rectification tasks.
    pub controls: i64,
    /// The plan itself.
    pub plan: i64,
}
