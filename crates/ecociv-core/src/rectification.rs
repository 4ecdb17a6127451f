//! Rectification tasks (整改任务): the tasks of the central environmental inspection's report
//! that task 24 of the plan carries out (26 in Hohhot), as a list the task force keeps — each
//! with its source, the unit that owns it, a deadline (a date, or 长期坚持 for a task that never
//! ends), the measures, a status and evidence — and the monthly progress its owner reports, as
//! a project's is reported (stored as a dispatch report of kind `rectification`). Here are the
//! task as kept, the checks of what is sent, where a task stands on a day, and which monthly
//! reports are asked. Pure.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entry::{FieldError, YearMonth, check_text};
use crate::locale::t;
use crate::model::Plan;
use crate::record::{DispatchRecord, EntryState};
use crate::supervision::check_required_text;

/// The kind of a rectification task's monthly reports among the dispatch reports.
pub const REPORT_KIND: &str = "rectification";

/// What the task force says of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = RectificationStatus)]
pub enum Status {
    /// Being carried out.
    UnderWay,
    /// Done (整改完成), by the task force's judgement.
    Completed,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::UnderWay => "under_way",
            Status::Completed => "completed",
        }
    }
    /// Its code, its label in any language, or a word the inspection's lists use.
    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim();
        let labelled = |key: &str| crate::Locale::all().any(|l| t(l, key).eq_ignore_ascii_case(s));
        match s {
            "under_way" | "序时推进" | "正在整改" | "" => Some(Status::UnderWay),
            "completed" | "完成" | "整改完成" | "已完成整改" => Some(Status::Completed),
            _ if labelled("rectification.status.under_way") => Some(Status::UnderWay),
            _ if labelled("rectification.status.completed") => Some(Status::Completed),
            _ => None,
        }
    }
}

/// A rectification task as kept. Its canonical JSON is what the audit trail records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Rectification {
    pub id: i64,
    pub zone: String,
    /// The task force's number (1 … 26), unique in the zone.
    pub number: u32,
    /// Where it comes from (第二轮中央生态环境保护督察报告, …).
    pub source: String,
    /// The problem to put right, as the rectification plan words it.
    pub problem: String,
    /// The org unit that owns it and reports it monthly.
    pub owner: String,
    /// `YYYY-MM-DD`, or `long_term` (长期坚持).
    pub deadline: String,
    /// 整改措施.
    pub measures: String,
    pub status: Status,
    /// When it was first entered (its monthly reports are asked from that month on).
    pub entered_at: String,
    pub updated_by: String,
    pub updated_at: String,
    /// 1 when entered, one more with every change.
    pub version: i64,
}

/// The word of a deadline that never comes.
pub const LONG_TERM: &str = "long_term";

impl Rectification {
    pub fn state_json(&self) -> String {
        serde_json::to_string(self).expect("serializable")
    }

    pub fn deadline_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.deadline, "%Y-%m-%d").ok()
    }

    /// Where the task stands on `day`.
    pub fn standing(&self, day: NaiveDate) -> Standing {
        match (self.status, self.deadline_date()) {
            (Status::Completed, _) => Standing::Completed,
            (_, None) => Standing::LongTerm,
            (_, Some(d)) if day > d => Standing::Overdue,
            _ => Standing::OnSchedule,
        }
    }

    /// The deadline for people: the date, or 长期坚持.
    pub fn deadline_label(&self, l: crate::Locale) -> String {
        if self.deadline == LONG_TERM { t(l, "rectification.long_term").to_string() } else { self.deadline.clone() }
    }
}

/// Where a rectification task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = RectificationStanding)]
pub enum Standing {
    /// Past its deadline and not completed.
    Overdue,
    /// Under way within its deadline.
    OnSchedule,
    /// Under way without end (长期坚持).
    LongTerm,
    Completed,
}

impl Standing {
    pub const ALL: [Standing; 4] = [Standing::Overdue, Standing::OnSchedule, Standing::LongTerm, Standing::Completed];
    pub fn code(self) -> &'static str {
        match self {
            Standing::Overdue => "overdue",
            Standing::OnSchedule => "on_schedule",
            Standing::LongTerm => "long_term",
            Standing::Completed => "completed",
        }
    }
    pub fn label(self, l: crate::Locale) -> &'static str {
        t(l, &format!("rectification.standing.{}", self.code()))
    }
}

/// A task as the task force enters or imports it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RectificationInput {
    pub number: u32,
    /// Left out: a stored task keeps its own (a new one has none).
    #[serde(default)]
    pub source: Option<String>,
    pub problem: String,
    pub owner: String,
    /// `YYYY-MM-DD`, `YYYY-MM` (its last day), `2024年12月底前`, `2025年底前`, or 长期坚持 /
    /// `long_term`.
    pub deadline: String,
    /// Left out: a stored task keeps its own.
    #[serde(default)]
    pub measures: Option<String>,
    /// `under_way` or `completed` (推进中 and 已完成 are read too); left out or blank, a stored
    /// task keeps its status and a new one is under way.
    #[serde(default)]
    pub status: Option<String>,
    /// The version the sender saw: a change of a stored task must carry it (0 or none means
    /// a new task, and a number taken is refused).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A task that passed its checks (the owner canonical, the deadline as kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRectification {
    pub number: u32,
    pub source: String,
    pub problem: String,
    pub owner: String,
    pub deadline: String,
    pub measures: String,
    pub status: Status,
}

/// Reads a deadline: `YYYY-MM-DD`, `YYYY-MM` or `YYYY年M月[D日][底][前]` (a month means its last
/// day), or 长期坚持 / 长期 / 持续推进 / `long_term`.
pub fn read_deadline(text: &str) -> Option<String> {
    let s = crate::value::half_width(text.trim());
    let labelled = crate::Locale::all().any(|l| t(l, "rectification.long_term").eq_ignore_ascii_case(&s));
    if labelled || ["长期", "持续推进", "持续", LONG_TERM].contains(&s.as_str()) {
        return Some(LONG_TERM.into());
    }
    if let Ok(d) = NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
        return Some(d.to_string());
    }
    // one date only, written whole: 2025年6月底前, 2025年6月30日前, 2025年底前, 2025-06, 2025/6/30
    let s = s.trim_end_matches('前').trim_end_matches('底').trim_end_matches('末');
    let shaped = s.chars().all(|c| c.is_ascii_digit() || matches!(c, '年' | '月' | '日' | '-' | '/' | '.'));
    let nums: Vec<u32> = s.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).filter_map(|p| p.parse().ok()).collect();
    let year_only = s.ends_with('年');
    let date = match (shaped, nums.as_slice()) {
        (true, [y]) if year_only && (2000..=2100).contains(y) => NaiveDate::from_ymd_opt(*y as i32, 12, 31),
        (true, [y, m]) if *y >= 2000 && !year_only => YearMonth::read(&format!("{y}-{m:02}")).map(|ym| ym.next().first_day().pred_opt().expect("a day")),
        (true, [y, m, d]) if *y >= 2000 => NaiveDate::from_ymd_opt(*y as i32, *m, *d),
        _ => None,
    }?;
    Some(date.to_string())
}

/// Checks a task against the plan: a number from 1, a problem in printable text, an owner of
/// the plan, a deadline it can read, a known status. Every problem at once.
pub fn check_rectification(plan: &Plan, input: &RectificationInput) -> Result<CheckedRectification, Vec<FieldError>> {
    let mut errs = Vec::new();
    if input.number == 0 {
        errs.push(FieldError::keyed("number", "bad_number", "field.rectification.bad_number"));
    }
    check_required_text(&mut errs, "problem", &input.problem);
    let (source, measures) = (input.source.clone().unwrap_or_default(), input.measures.clone().unwrap_or_default());
    for (field, text) in [("source", &source), ("measures", &measures)] {
        check_text(&mut errs, field, text);
        if text.chars().count() > crate::supervision::MAX_TEXT {
            errs.push(FieldError::keyed(field, "too_long", "field.report.text_too_long"));
        }
    }
    let owner = plan.org_unit(&input.owner);
    if owner.is_none() {
        errs.push(FieldError::keyed("owner", "unknown_org_unit", "field.order.unknown_org_unit").arg("found", &input.owner.trim()));
    }
    let deadline = read_deadline(&input.deadline);
    if deadline.is_none() {
        errs.push(FieldError::keyed("deadline", "bad_date", "field.rectification.bad_deadline").arg("found", &input.deadline.trim()));
    }
    let typed_status = input.status.clone().unwrap_or_default();
    let status = Status::parse(&typed_status);
    if status.is_none() {
        errs.push(FieldError::keyed("status", "bad_status", "field.rectification.bad_status").arg("found", &typed_status.trim()));
    }
    match (owner, deadline, status, errs.is_empty()) {
        (Some(o), Some(d), Some(s), true) => Ok(CheckedRectification {
            number: input.number,
            source: source.trim().into(),
            problem: input.problem.trim().into(),
            owner: o.name.clone(),
            deadline: d,
            measures: measures.trim().into(),
            status: s,
        }),
        _ => Err(errs),
    }
}

/// A month's progress of a task as its owner sends it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RectificationReportInput {
    /// `YYYY-MM`.
    pub period: String,
    /// What was done this month.
    pub progress: String,
    /// Percent done (0–100), optional; not below the last report's.
    #[serde(default)]
    pub progress_percent: String,
    #[serde(default)]
    pub problems: String,
}

/// A report that passed its checks.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedRectificationReport {
    pub period: YearMonth,
    pub progress: String,
    pub progress_percent: Option<Decimal>,
    pub problems: String,
}

/// Checks a month's report on `today`: a month of the plan not in the future, progress in words, a percent
/// from 0 to 100 that does not fall below the last one (`last_percent`).
pub fn check_report(
    plan: &Plan,
    input: &RectificationReportInput,
    last_percent: Option<Decimal>,
    today: NaiveDate,
) -> Result<CheckedRectificationReport, Vec<FieldError>> {
    let mut errs = Vec::new();
    let period = crate::entry::check_period(&mut errs, plan, input.period.trim(), today);
    check_required_text(&mut errs, "progress", &input.progress);
    check_text(&mut errs, "problems", &input.problems);
    if input.problems.chars().count() > crate::supervision::MAX_TEXT {
        errs.push(FieldError::keyed("problems", "too_long", "field.report.text_too_long"));
    }
    let typed = crate::value::half_width(input.progress_percent.trim());
    let typed = typed.trim_end_matches('%');
    let percent = if typed.is_empty() {
        None
    } else {
        match typed.parse::<Decimal>() {
            Ok(p) if (Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&p) => {
                if let Some(last) = last_percent.filter(|l| p < *l) {
                    errs.push(FieldError::keyed("progress_percent", "progress_down", "field.rectification.progress_down").arg("last", &last.normalize()));
                }
                Some(p.normalize())
            }
            _ => {
                errs.push(
                    FieldError::keyed("progress_percent", "out_of_range", "field.rectification.bad_percent").arg("found", &input.progress_percent.trim()),
                );
                None
            }
        }
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(CheckedRectificationReport {
        period: period.expect("checked"),
        progress: input.progress.trim().into(),
        progress_percent: percent,
        problems: input.problems.trim().into(),
    })
}

/// Whether `month` asks for a task's report: the plan's months, from the month the task was
/// entered, while it is not completed.
pub fn asks(plan: &Plan, r: &Rectification, month: YearMonth) -> bool {
    let entered = crate::clock::beijing_day(&r.entered_at).map(YearMonth::of);
    r.status != Status::Completed && crate::dispatch::asks(plan, month) && entered.is_none_or(|e| e <= month)
}

/// The latest report of a task (not returned), and its percent.
pub fn latest(reports: &[DispatchRecord], number: u32) -> Option<&DispatchRecord> {
    reports.iter().filter(|d| d.kind == REPORT_KIND && d.subject == i64::from(number) && d.state != EntryState::Returned).max_by(|a, b| a.period.cmp(&b.period))
}

/// How many tasks stand each way on `day`, in the order of [`Standing::ALL`].
pub fn counts(rects: &[Rectification], day: NaiveDate) -> [(Standing, usize); 4] {
    Standing::ALL.map(|s| (s, rects.iter().filter(|r| r.standing(day) == s).count()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_as_people_write_them() {
        assert_eq!(read_deadline("2024-12-31").as_deref(), Some("2024-12-31"));
        assert_eq!(read_deadline("2024-02").as_deref(), Some("2024-02-29"));
        assert_eq!(read_deadline("2025年6月底前").as_deref(), Some("2025-06-30"));
        assert_eq!(read_deadline("２０２５年６月３０日前").as_deref(), Some("2025-06-30"));
        assert_eq!(read_deadline("长期坚持").as_deref(), Some(LONG_TERM));
        assert_eq!(read_deadline("long-term").as_deref(), Some(LONG_TERM), "as the English list writes it");
        assert_eq!((Status::parse("已完成"), Status::parse("Under way"), Status::parse("差不多")), (Some(Status::Completed), Some(Status::UnderWay), None));
        assert_eq!(read_deadline("尽快"), None);
        assert_eq!(read_deadline("2025年底前").as_deref(), Some("2025-12-31"));
        assert_eq!(read_deadline("2024年6月至12月底"), None, "two dates are not a deadline");
        assert_eq!(read_deadline("2024-06—2024-12"), None);
        assert_eq!(read_deadline("2024-13"), None);
    }

    #[test]
    fn a_report_cannot_go_back_or_ahead() {
        let plan = crate::plan_data::build_plan(&crate::plan_data::hohhot()).unwrap();
        let today = NaiveDate::from_ymd_opt(2024, 6, 10).unwrap();
        let ok = RectificationReportInput {
            period: "2024-05".into(), progress: "完成清理".into(), progress_percent: "６０％".into(), problems: String::new()
        };
        assert_eq!(check_report(&plan, &ok, Some(Decimal::from(50)), today).unwrap().progress_percent, Some(Decimal::from(60)));
        let down = check_report(&plan, &ok, Some(Decimal::from(70)), today).unwrap_err();
        assert_eq!(down[0].code, "progress_down");
        let bad = RectificationReportInput { period: "2024-07".into(), progress: " ".into(), progress_percent: "120".into(), problems: String::new() };
        let codes: Vec<&str> = check_report(&plan, &bad, None, today).unwrap_err().iter().map(|e| e.code).collect();
        assert_eq!(codes, ["future_month", "required", "out_of_range"]);
    }
}
