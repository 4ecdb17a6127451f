//! The monthly dispatch bulletin (月调度通报), ready to print: who reported the month and who is
//! late or missing, which projects are behind what their period expects, and the best and
//! worst reporting units.

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use ecociv_core::entry::YearMonth;
use ecociv_core::model::Plan;
use ecociv_store::{DispatchRecord, EntryState};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Authed, MaybeAuthed};
use crate::error::WebError;
use crate::extract::Q;
use crate::i18n::Lang;
use crate::pages::{Layout, error_page, render};
use crate::workflow;

pub fn routes() -> Router<AppState> {
    Router::new().route("/bulletin", get(page))
}

/// A project behind its period.
pub struct Behind {
    pub number: u32,
    pub name: String,
    pub implementers: String,
    pub reported: Decimal,
    pub expected: Decimal,
}

/// A unit's reporting in the month.
pub struct UnitReporting {
    pub unit: String,
    pub due: usize,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
}

impl UnitReporting {
    /// On-time share in percent (late counts half).
    pub fn score(&self) -> Decimal {
        if self.due == 0 {
            return Decimal::ZERO;
        }
        ((Decimal::from(self.on_time) + Decimal::from(self.late) / Decimal::TWO) * Decimal::ONE_HUNDRED / Decimal::from(self.due)).round_dp(1)
    }
}

/// The bulletin of a month.
pub struct Bulletin {
    pub month: YearMonth,
    pub due: usize,
    pub reported: usize,
    pub late: Vec<(u32, String, String, bool)>,
    pub behind: Vec<Behind>,
    pub units: Vec<UnitReporting>,
}

/// Builds the bulletin of a month from the plan and the reports.
pub fn build(plan: &Plan, reports: &[DispatchRecord], month: YearMonth) -> Bulletin {
    let mut late = Vec::new();
    let mut behind = Vec::new();
    let mut due = 0;
    let mut reported = 0;
    let mut units: Vec<UnitReporting> = Vec::new();
    for p in plan.projects.iter().filter(|p| p.period.overlaps(month.year, month.year)) {
        due += 1;
        let r = reports.iter().find(|r| r.kind == "project" && r.subject == i64::from(p.number) && r.period == month.to_string());
        for i in &p.implementers {
            let u = match units.iter_mut().position(|u| &u.unit == i) {
                Some(k) => &mut units[k],
                None => {
                    units.push(UnitReporting { unit: i.clone(), due: 0, on_time: 0, late: 0, missing: 0 });
                    units.last_mut().expect("pushed")
                }
            };
            u.due += 1;
            match r {
                None => u.missing += 1,
                Some(r) if r.late => u.late += 1,
                Some(_) => u.on_time += 1,
            }
        }
        match r {
            None => late.push((p.number, p.name.clone(), p.implementers.join("、"), false)),
            Some(r) => {
                reported += 1;
                if r.late {
                    late.push((p.number, p.name.clone(), p.implementers.join("、"), true));
                }
            }
        }
        // behind: the latest report up to the month, against the share of the period elapsed
        if let (Some(s), Some(e)) = (p.period.start, p.period.end) {
            let total = (e - s + 1) * 12;
            let done = ((month.year - s) * 12 + month.month as i32).clamp(0, total);
            let expected = (Decimal::from(done) * Decimal::ONE_HUNDRED / Decimal::from(total)).round_dp(1);
            let last = reports
                .iter()
                .filter(|r| r.kind == "project" && r.subject == i64::from(p.number) && r.state != EntryState::Returned && r.period <= month.to_string())
                .max_by(|a, b| a.period.cmp(&b.period));
            let progress = last.and_then(|r| r.progress_percent.parse::<Decimal>().ok()).unwrap_or_default();
            if progress + Decimal::from(20) < expected {
                behind.push(Behind { number: p.number, name: p.name.clone(), implementers: p.implementers.join("、"), reported: progress, expected });
            }
        }
    }
    units.sort_by(|a, b| b.score().cmp(&a.score()).then_with(|| a.unit.cmp(&b.unit)));
    Bulletin { month, due, reported, late, behind, units }
}

#[derive(Template)]
#[template(path = "bulletin.html")]
struct BulletinPage {
    l: Layout,
    b: Bulletin,
    top: Vec<UnitReporting>,
    bottom: Vec<UnitReporting>,
}

#[derive(Deserialize, Default)]
struct MonthQuery {
    month: Option<String>,
}

async fn page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, Q(q): Q<MonthQuery>) -> Response {
    let plan = match workflow::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let month = match q.month.as_deref().map(|m| m.parse::<YearMonth>()) {
        None => crate::pages_loop::report_month(st.today()),
        Some(Ok(m)) if m <= YearMonth::of(st.today()) => m,
        Some(_) => return error_page(&st, l, &uri, WebError::bad_request("bad_month").field("month", q.month.as_deref().unwrap_or_default())),
    };
    let reports = match st.store.dispatch_reports(&plan.zone.code).await {
        Ok(r) => r,
        Err(e) => return error_page(&st, l, &uri, e.into()),
    };
    let mut b = build(&plan, &reports, month);
    let n = b.units.len();
    let take = |v: &[UnitReporting]| {
        v.iter().map(|u| UnitReporting { unit: u.unit.clone(), due: u.due, on_time: u.on_time, late: u.late, missing: u.missing }).collect::<Vec<_>>()
    };
    let top = take(&b.units[..n.min(3)]);
    let bottom = take(&b.units[n.saturating_sub(3)..]);
    b.units.truncate(n);
    let lay = Layout::new(&st, l, &uri, Some(&plan), &crate::ZoneQuery::default()).with(MaybeAuthed(Some(a)));
    render(&BulletinPage { l: lay, b, top, bottom })
}
