//! Reminders (提醒 / 催报): what each unit is told on a day about what it still owes — the
//! month's reports (projects, shared tasks, rectification tasks) and the supervision orders it
//! has to answer — a few days before each due date, the day after it passed, and, after the
//! number of days the zone sets, escalated to the unit's head. One reminder per unit, stage and
//! due date, with a key that names it: what a sent log keeps, so that nothing goes twice.
//! Pure: the application gathers what is owed and delivers the messages.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entry::YearMonth;
use crate::locale::tf;
use crate::model::Plan;
use crate::record::{DispatchRecord, EntryState};
use crate::rectification::Rectification;
use crate::supervision::SupervisionOrder;

/// When a zone reminds: how many days before a due date, after how many days past it the
/// unit's head is told, and on which day of the week the task force has its digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReminderSettings {
    /// Days before a due date (0: no reminder before), at most 31.
    #[schema(minimum = 0, maximum = 31)]
    pub days_before: u32,
    /// Days past a due date after which the unit's head is told, 1 to 90.
    #[schema(minimum = 1, maximum = 90)]
    pub escalate_after: u32,
    /// The day of the week of the task force's digest: 1 Monday to 7 Sunday; 0: none.
    #[serde(default = "monday")]
    #[schema(minimum = 0, maximum = 7)]
    pub digest_weekday: u32,
}

fn monday() -> u32 {
    1
}

impl Default for ReminderSettings {
    fn default() -> Self {
        ReminderSettings { days_before: 3, escalate_after: 5, digest_weekday: 1 }
    }
}

impl ReminderSettings {
    /// Every field out of its range, at once.
    pub fn check(&self) -> Result<(), Vec<crate::entry::FieldError>> {
        use crate::entry::FieldError;
        let mut errs = Vec::new();
        for (field, value, low, high) in
            [("days_before", self.days_before, 0, 31), ("escalate_after", self.escalate_after, 1, 90), ("digest_weekday", self.digest_weekday, 0, 7)]
        {
            if !(low..=high).contains(&value) {
                errs.push(FieldError::keyed(field, "out_of_range", "field.reminder.out_of_range").arg("low", &low).arg("high", &high).arg("found", &value));
            }
        }
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }
}

/// A zone's reminder settings as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReminderSettingsRecord {
    pub zone: String,
    pub days_before: u32,
    pub escalate_after: u32,
    pub digest_weekday: u32,
    pub updated_by: String,
    pub updated_at: String,
}

impl ReminderSettingsRecord {
    pub fn settings(&self) -> ReminderSettings {
        ReminderSettings { days_before: self.days_before, escalate_after: self.escalate_after, digest_weekday: self.digest_weekday }
    }
    /// The canonical JSON the audit trail records.
    pub fn state_json(&self) -> String {
        serde_json::to_string(self).expect("serializable")
    }
}

/// The stage of a reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Due soon.
    Before,
    /// Past its due date.
    Overdue,
    /// Past its due date by the zone's days: to the unit's head.
    Escalated,
}

impl Stage {
    pub fn code(self) -> &'static str {
        match self {
            Stage::Before => "before",
            Stage::Overdue => "overdue",
            Stage::Escalated => "escalated",
        }
    }
}

/// One thing a unit owes by a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Owed {
    pub unit: String,
    pub due: NaiveDate,
    /// `project 12 2024-05`, `task 3 2024-05`, `rectification 2 2024-05`, `order 7`.
    pub what: String,
    /// Where it is done, on the site: `/projects/12/report?period=2024-05`.
    pub link: String,
}

/// A reminder to a unit: its stage, the due date, what is still owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Reminder {
    /// Names the reminder (unit, stage, due date): sent once.
    pub key: String,
    pub unit: String,
    pub stage: Stage,
    pub due: NaiveDate,
    pub owed: Vec<Owed>,
}

/// The stage a due date is at on `today`, if any: from `days_before` before it to the day
/// itself, before; from the day after, overdue; from `escalate_after` days after, escalated.
/// A day the scheduler missed is caught up: a stage holds until the next begins.
pub fn stage(due: NaiveDate, today: NaiveDate, s: &ReminderSettings) -> Option<Stage> {
    let days = (today - due).num_days();
    if days >= i64::from(s.escalate_after.max(1)) {
        Some(Stage::Escalated)
    } else if days >= 1 {
        Some(Stage::Overdue)
    } else if s.days_before > 0 && -days <= i64::from(s.days_before) {
        Some(Stage::Before)
    } else {
        None
    }
}

/// The reminders of `today`: what is owed grouped by unit and due date, at the stage its due
/// date is at. Each key is `unit|stage|due`.
pub fn reminders(owed: &[Owed], today: NaiveDate, s: &ReminderSettings) -> Vec<Reminder> {
    let mut by: BTreeMap<(String, Stage, NaiveDate), Vec<Owed>> = BTreeMap::new();
    for o in owed {
        if let Some(st) = stage(o.due, today, s) {
            by.entry((o.unit.clone(), st, o.due)).or_default().push(o.clone());
        }
    }
    by.into_iter().map(|((unit, stage, due), owed)| Reminder { key: format!("{unit}|{}|{due}", stage.code()), unit, stage, due, owed }).collect()
}

/// What the units owe on `today` for the month whose reports are due next, the month before it
/// and the month under way, while not sent or sent back: each project's report (owed by each implementer),
/// each shared task's (by its reporter), each rectification task's (by its owner); and each
/// supervision order awaiting its answer (by its deadline).
pub fn owed(plan: &Plan, reports: &[DispatchRecord], orders: &[SupervisionOrder], rects: &[Rectification], today: NaiveDate, due_day: u32) -> Vec<Owed> {
    let mut out = Vec::new();
    let month = crate::dispatch::report_month(today);
    let previous = YearMonth::of(month.first_day().pred_opt().expect("a day"));
    // and this month's, due early next month: within the days before it when they are many
    for m in [previous, month, YearMonth::of(today)] {
        let due = m.dispatch_due(due_day);
        let open = |r: Option<&DispatchRecord>| r.is_none_or(|r| r.state == EntryState::Returned);
        for d in crate::dispatch::month(plan, reports, m, today, due_day).into_iter().filter(|d| open(d.record)) {
            let a = &d.asked;
            let (path, units): (&str, Vec<String>) = match a.kind {
                "project" => ("projects", plan.project(a.number).map(|p| p.implementers.clone()).unwrap_or_default()),
                _ => ("tasks", vec![a.reporter.clone()]),
            };
            for unit in units {
                out.push(Owed { unit, due, what: format!("{} {} {m}", a.kind, a.number), link: format!("/{path}/{}/report?period={m}", a.number) });
            }
        }
        for r in rects.iter().filter(|r| crate::rectification::asks(plan, r, m)) {
            let sent = reports.iter().find(|d| {
                d.kind == crate::rectification::REPORT_KIND && d.subject == i64::from(r.number) && d.period == m.to_string() && d.org_unit == r.owner
            });
            if open(sent) {
                let what = format!("{} {} {m}", crate::rectification::REPORT_KIND, r.number);
                out.push(Owed { unit: r.owner.clone(), due, what, link: format!("/rectifications/{}/report?period={m}", r.number) });
            }
        }
    }
    for o in orders.iter().filter(|o| o.state.awaits_answer()) {
        if let Some(due) = o.deadline_date() {
            out.push(Owed { unit: o.org_unit.clone(), due, what: format!("order {}", o.id), link: format!("/supervision/{}", o.id) });
        }
    }
    out
}

/// One thing owed, for people: `项目 12 金山二期长输管网 · 2024-05 月报`, `督办 7`.
pub fn describe(o: &Owed, plan: &Plan, l: crate::Locale) -> String {
    let parts: Vec<&str> = o.what.split(' ').collect();
    let n = |s: &str| s.parse::<u32>().unwrap_or(0);
    match parts.as_slice() {
        ["project", num, month] => {
            let name = plan.project(n(num)).map(|p| p.name.as_str()).unwrap_or_default();
            tf(l, "reminder.item.project", &[("number", num.to_string()), ("name", name.into()), ("month", month.to_string())])
        }
        ["task", num, month] => {
            let title = plan.task(n(num)).map(|x| x.title.as_str()).unwrap_or_default();
            tf(l, "reminder.item.task", &[("number", num.to_string()), ("name", title.into()), ("month", month.to_string())])
        }
        [crate::rectification::REPORT_KIND, num, month] => tf(l, "reminder.item.rectification", &[("number", num.to_string()), ("month", month.to_string())]),
        ["order", id] => tf(l, "reminder.item.order", &[("id", id.to_string())]),
        _ => o.what.clone(),
    }
}

/// A reminder as a message for people: its subject and its text, each item with its address
/// on the site at `base_url` (`https://ecociv.example.gov.cn`).
pub fn message(r: &Reminder, plan: &Plan, base_url: &str, today: NaiveDate, l: crate::Locale) -> (String, String) {
    let key = match r.stage {
        Stage::Before => "reminder.subject.before",
        Stage::Overdue => "reminder.subject.overdue",
        Stage::Escalated => "reminder.subject.escalated",
    };
    let days = (today - r.due).num_days().max(0);
    let subject = tf(l, key, &[("unit", r.unit.clone()), ("due", r.due.to_string()), ("days", days.to_string())]);
    let base = base_url.trim_end_matches('/');
    let mut text = subject.clone();
    for o in &r.owed {
        text.push_str(&format!("\n- {} {base}{}", describe(o, plan, l), o.link));
    }
    (subject, text)
}

/// The key of the week's digest for the task force (`digest|2024-W23`), on a day of its ISO week
/// from the zone's digest weekday on (a day the scheduler missed is caught up); `None` before
/// that day or when the zone has no digest.
pub fn digest_key(today: NaiveDate, s: &ReminderSettings) -> Option<String> {
    use chrono::Datelike;
    if s.digest_weekday == 0 || today.weekday().number_from_monday() < s.digest_weekday {
        return None;
    }
    let w = today.iso_week();
    Some(format!("digest|{}-W{:02}", w.year(), w.week()))
}

/// The task force's weekly digest as a message: how many units owe how many things, by stage,
/// a line per unit (the escalated first), and where the whole list is.
pub fn digest(all: &[Reminder], week: &str, base_url: &str, l: crate::Locale) -> (String, String) {
    let count = |st: Stage, of: &[&Reminder]| of.iter().filter(|r| r.stage == st).map(|r| r.owed.len()).sum::<usize>();
    let mut units: BTreeMap<&str, Vec<&Reminder>> = BTreeMap::new();
    for r in all {
        units.entry(r.unit.as_str()).or_default().push(r);
    }
    let every: Vec<&Reminder> = all.iter().collect();
    let subject = tf(
        l,
        "reminder.digest.subject",
        &[
            ("week", week.to_string()),
            ("units", units.len().to_string()),
            ("items", every.iter().map(|r| r.owed.len()).sum::<usize>().to_string()),
            ("overdue", count(Stage::Overdue, &every).to_string()),
            ("escalated", count(Stage::Escalated, &every).to_string()),
        ],
    );
    let mut lines: Vec<(usize, String)> = units
        .iter()
        .map(|(unit, rs)| {
            let e = count(Stage::Escalated, rs);
            let args = [
                ("unit", unit.to_string()),
                ("before", count(Stage::Before, rs).to_string()),
                ("overdue", count(Stage::Overdue, rs).to_string()),
                ("escalated", e.to_string()),
            ];
            (e, tf(l, "reminder.digest.line", &args))
        })
        .collect();
    lines.sort_by_key(|l| std::cmp::Reverse(l.0));
    let mut text = subject.clone();
    for (_, line) in lines {
        text.push_str(&format!("\n- {line}"));
    }
    text.push_str(&format!("\n{}/reminders", base_url.trim_end_matches('/')));
    (subject, text)
}

/// A group robot (企业微信 or 钉钉 群机器人).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Robot {
    WeCom,
    DingTalk,
}

impl Robot {
    pub fn code(self) -> &'static str {
        match self {
            Robot::WeCom => "wecom",
            Robot::DingTalk => "dingtalk",
        }
    }
    pub fn parse(s: &str) -> Option<Robot> {
        [Robot::WeCom, Robot::DingTalk].into_iter().find(|r| r.code() == s.trim())
    }

    /// The JSON body of a text message to the robot, naming the members to notify by their
    /// mobile numbers: WeCom's `text` with `mentioned_mobile_list`, DingTalk's `text` with
    /// `at.atMobiles` (whose numbers must also stand in the text to be notified).
    pub fn body(self, content: &str, mobiles: &[String]) -> serde_json::Value {
        match self {
            Robot::WeCom => serde_json::json!({"msgtype": "text", "text": {"content": content, "mentioned_mobile_list": mobiles}}),
            Robot::DingTalk => {
                let at: String = mobiles.iter().map(|m| format!(" @{m}")).collect();
                serde_json::json!({"msgtype": "text", "text": {"content": format!("{content}{at}")}, "at": {"atMobiles": mobiles, "isAtAll": false}})
            }
        }
    }
}

/// The query a signed DingTalk robot's address takes at `timestamp_ms`:
/// `&timestamp=…&sign=…`, the sign being the Base64 of HMAC-SHA256 of `"{timestamp}\n{secret}"`
/// keyed by the secret, URL-encoded.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    use base64::Engine;
    let mac = hmac_sha256(secret.as_bytes(), format!("{timestamp_ms}\n{secret}").as_bytes());
    let sign = base64::engine::general_purpose::STANDARD.encode(mac);
    let encoded: String = sign.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    format!("&timestamp={timestamp_ms}&sign={encoded}")
}

/// HMAC-SHA256 (RFC 2104) of `msg` under `key`.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |x: u8| block.iter().map(|b| b ^ x).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(msg).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn stages_around_a_due_date() {
        let s = ReminderSettings { days_before: 3, escalate_after: 5, digest_weekday: 1 };
        let due = d("2024-06-05");
        assert_eq!(stage(due, d("2024-06-01"), &s), None);
        assert_eq!(stage(due, d("2024-06-02"), &s), Some(Stage::Before));
        assert_eq!(stage(due, d("2024-06-05"), &s), Some(Stage::Before), "on the day itself it is not late");
        assert_eq!(stage(due, d("2024-06-06"), &s), Some(Stage::Overdue));
        assert_eq!(stage(due, d("2024-06-09"), &s), Some(Stage::Overdue));
        assert_eq!(stage(due, d("2024-06-10"), &s), Some(Stage::Escalated));
        assert_eq!(stage(due, d("2024-08-10"), &s), Some(Stage::Escalated), "caught up after a pause");
        assert_eq!(stage(due, d("2024-06-04"), &ReminderSettings { days_before: 0, ..ReminderSettings::default() }), None);
    }

    #[test]
    fn the_digest_goes_once_a_week_from_its_day_and_counts_by_unit_and_stage() {
        let s = ReminderSettings { digest_weekday: 3, ..ReminderSettings::default() };
        // 2024-06-10 is a Monday (ISO week 24)
        assert_eq!(digest_key(d("2024-06-11"), &s), None);
        assert_eq!(digest_key(d("2024-06-12"), &s).as_deref(), Some("digest|2024-W24"));
        assert_eq!(digest_key(d("2024-06-16"), &s).as_deref(), Some("digest|2024-W24"), "caught up later in the week");
        assert_eq!(digest_key(d("2024-06-12"), &ReminderSettings { digest_weekday: 0, ..s }), None);
        assert_eq!(digest_key(d("2024-12-30"), &ReminderSettings::default()).as_deref(), Some("digest|2025-W01"), "the ISO year");
        let o = |unit: &str, due: &str, what: &str| Owed { unit: unit.into(), due: d(due), what: what.into(), link: String::new() };
        let owed = [o("甲", "2024-06-05", "project 1"), o("甲", "2024-06-05", "task 2"), o("乙", "2024-06-12", "project 1"), o("乙", "2024-06-01", "order 3")];
        let all = reminders(&owed, d("2024-06-12"), &ReminderSettings::default());
        let (subject, text) = digest(&all, "2024-W24", "https://e.gov.cn/", crate::Locale::En);
        assert!(subject.contains("2 units") && subject.contains("4 "), "{subject}");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].contains("甲") && lines[1].contains("escalated 2"), "the escalated first: {text}");
        assert!(lines[2].contains("乙") && lines[2].contains("due soon 1") && lines[2].contains("escalated 1"), "{text}");
        assert_eq!(lines[3], "https://e.gov.cn/reminders");
    }

    #[test]
    fn one_reminder_per_unit_stage_and_due_date() {
        let s = ReminderSettings::default();
        let o = |unit: &str, due: &str, what: &str| Owed { unit: unit.into(), due: d(due), what: what.into(), link: String::new() };
        let owed = [o("甲", "2024-06-05", "project 1"), o("甲", "2024-06-05", "task 2"), o("乙", "2024-06-05", "project 1"), o("甲", "2024-06-20", "order 3")];
        let r = reminders(&owed, d("2024-06-06"), &s);
        assert_eq!(r.iter().map(|x| (x.key.as_str(), x.owed.len())).collect::<Vec<_>>(), [("乙|overdue|2024-06-05", 1), ("甲|overdue|2024-06-05", 2)]);
        let r = reminders(&owed, d("2024-06-18"), &s);
        assert_eq!(r.iter().map(|x| x.key.as_str()).collect::<Vec<_>>(), ["乙|escalated|2024-06-05", "甲|before|2024-06-20", "甲|escalated|2024-06-05"]);
    }

    #[test]
    fn what_is_owed_is_what_the_month_asks_and_has_not_come() {
        let plan = crate::plan_data::build_plan(&crate::plan_data::hohhot()).unwrap();
        let today = d("2024-06-03");
        let all = owed(&plan, &[], &[], &[], today, 5);
        let p = &plan.projects[0];
        for unit in &p.implementers {
            assert!(all.iter().any(|o| &o.unit == unit && o.what == format!("project {} 2024-05", p.number) && o.due == d("2024-06-05")));
        }
        assert!(all.iter().any(|o| o.what.starts_with("task ") && o.link.starts_with("/tasks/")));
        // April was due on 5 May: still owed, already late
        assert!(all.iter().any(|o| o.due == d("2024-05-05")));
        // a report sent is no longer owed; one sent back is again
        let first = all.iter().find(|o| o.what == format!("project {} 2024-05", p.number)).unwrap();
        let sent = DispatchRecord {
            id: 1,
            zone: plan.zone.code.clone(),
            kind: "project".into(),
            subject: i64::from(p.number),
            org_unit: first.unit.clone(),
            period: "2024-05".into(),
            status: "under_way".into(),
            progress_percent: "10".into(),
            investment_month_wan: "0".into(),
            investment_cumulative_wan: "0".into(),
            funding: String::new(),
            progress: String::new(),
            quantities: "[]".into(),
            benefits: String::new(),
            problems: String::new(),
            explanation: String::new(),
            state: EntryState::Submitted,
            late: false,
            submitted_by: "x".into(),
            submitted_at: String::new(),
            decided_by: String::new(),
            decided_at: String::new(),
            reason: String::new(),
            version: 1,
        };
        let still = |reports: &[DispatchRecord]| owed(&plan, reports, &[], &[], today, 5).iter().any(|o| o.what == first.what);
        assert!(!still(std::slice::from_ref(&sent)));
        assert!(still(&[DispatchRecord { state: EntryState::Returned, ..sent }]));
    }

    #[test]
    fn hmac_is_rfc_4231_and_a_robot_message_says_what_and_where() {
        // RFC 4231, test case 2
        assert_eq!(hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // a key longer than a block is hashed first (RFC 4231, test case 6)
        let long = [0xaa_u8; 131];
        assert_eq!(
            hex::encode(hmac_sha256(&long, b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        let q = dingtalk_sign("SECabc", 1_700_000_000_000);
        assert!(q.starts_with("&timestamp=1700000000000&sign=") && !q[30..].contains(['+', '/', '=']), "{q}");
        let plan = crate::plan_data::build_plan(&crate::plan_data::hohhot()).unwrap();
        let p = &plan.projects[11];
        let r = Reminder {
            key: "k".into(),
            unit: p.implementers[0].clone(),
            stage: Stage::Escalated,
            due: d("2024-06-05"),
            owed: vec![Owed {
                unit: p.implementers[0].clone(),
                due: d("2024-06-05"),
                what: format!("project {} 2024-05", p.number),
                link: format!("/projects/{}/report?period=2024-05", p.number),
            }],
        };
        let (subject, text) = message(&r, &plan, "https://ecociv.example.gov.cn/", d("2024-06-12"), crate::Locale::Zh);
        assert!(subject.contains(&p.implementers[0]) && subject.contains('7'), "{subject}");
        assert!(text.contains(&p.name) && text.contains(&format!("https://ecociv.example.gov.cn/projects/{}/report?period=2024-05", p.number)), "{text}");
        let en = message(&r, &plan, "https://x", d("2024-06-12"), crate::Locale::En).0;
        assert_ne!(en, subject, "in the reader's language");
        let wecom = Robot::WeCom.body(&text, &["13800000000".into()]);
        assert_eq!(wecom["text"]["mentioned_mobile_list"][0], "13800000000");
        let ding = Robot::DingTalk.body(&text, &["13800000000".into()]);
        assert!(ding["text"]["content"].as_str().unwrap().ends_with("@13800000000") && ding["at"]["atMobiles"][0] == "13800000000");
    }
}
