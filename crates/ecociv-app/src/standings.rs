//! Where the zone stands, from approved entries only: every leaf indicator's series, verdict
//! and projection, and every project's progress from its latest approved monthly report. The
//! public portal, the exports and the documents read these.

use ecociv_core::Locale;
use ecociv_core::indicator_status::LeafStanding;
use ecociv_core::model::Plan;
use ecociv_core::projection::Method;
use ecociv_core::record::EntryState;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use std::sync::Arc;

use crate::App;
use crate::error::AppError;
use crate::views::Reads;

/// The approved zone values and assigned targets of a plan, and where each leaf stands.
pub async fn approved_standings(st: &App, plan: &Plan, l: Locale, method: Method) -> Result<Arc<Vec<LeafStanding>>, AppError> {
    let z = &plan.zone.code;
    // by plan too: an earlier plan of the zone (its closing report) reads the same zone
    let id = format!("standings/{}/{method:?}/{}/{}", plan.code, l.tag(), st.today());
    let reads = Reads { observations: true, dispatch: false, controls: true };
    st.view(z, id, reads, |store| async move {
        let as_of = crate::entries::settings_of(st, z).await?.projection_year(st.today());
        Ok(ecociv_report::approved_standings(
            plan,
            &ecociv_core::lineage::observations_for(plan, store.observations(z).await?),
            &ecociv_core::lineage::uppers_for(plan, store.upper_targets(z).await?),
            as_of,
            method,
            l,
        ))
    })
    .await
}

/// A project's progress from its latest approved monthly report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectProgress {
    pub number: u32,
    pub name: String,
    pub implementers: Vec<String>,
    /// The month of the latest approved report, or empty.
    pub period: String,
    pub status: String,
    pub progress_percent: String,
    /// Cumulative investment in 亿元.
    pub investment_yi: String,
    /// The budget in 亿元, or empty.
    pub budget_yi: String,
}

pub async fn project_progress(st: &App, plan: &Plan) -> Result<Arc<Vec<ProjectProgress>>, AppError> {
    let z = &plan.zone.code;
    let reads = Reads { observations: false, dispatch: true, controls: false };
    st.view(z, format!("project_progress/{}", plan.code), reads, |store| async move {
        let reports = ecociv_core::lineage::reports_for(plan, store.dispatch_reports(&plan.zone.code).await?);
        Ok(plan
            .projects
            .iter()
            .map(|p| {
                let latest = reports
                    .iter()
                    .filter(|r| r.kind == "project" && r.subject == i64::from(p.number) && r.state == EntryState::Approved)
                    .max_by(|a, b| a.period.cmp(&b.period));
                let yi = |wan: &str| wan.parse::<Decimal>().map(|w| (w / Decimal::from(10_000)).normalize().to_string()).unwrap_or_default();
                ProjectProgress {
                    number: p.number,
                    name: p.name.clone(),
                    implementers: p.implementers.clone(),
                    period: latest.map(|r| r.period.clone()).unwrap_or_default(),
                    status: latest.map(|r| r.status.clone()).unwrap_or_default(),
                    progress_percent: latest.map(|r| r.progress_percent.clone()).unwrap_or_default(),
                    investment_yi: latest.map(|r| yi(&r.investment_cumulative_wan)).unwrap_or_default(),
                    budget_yi: p.budget.as_ref().map(|b| b.yi.to_string()).unwrap_or_default(),
                }
            })
            .collect())
    })
    .await
}

/// Each project's latest report that was not sent back, and its report of one month (in any
/// state): what the portfolio dashboard reads, kept as a view instead of scanning the zone's
/// whole dispatch history per request.
#[derive(Debug, Default)]
pub struct ProjectReports {
    pub latest: std::collections::BTreeMap<u32, ecociv_core::record::DispatchRecord>,
    pub in_month: std::collections::BTreeMap<u32, ecociv_core::record::DispatchRecord>,
    /// Each project's investment by source so far: the sum of the split its reports not sent
    /// back give (万元).
    pub funding: std::collections::BTreeMap<u32, ecociv_core::entry::Funding>,
}

/// The [`ProjectReports`] of a zone for `month`.
pub async fn project_reports(st: &App, plan: &Plan, month: ecociv_core::entry::YearMonth) -> Result<Arc<ProjectReports>, AppError> {
    let z = &plan.zone.code;
    let reads = Reads { observations: false, dispatch: true, controls: false };
    st.view(z, format!("project_reports/{month}"), reads, |store| async move {
        let mut out = ProjectReports::default();
        let period = month.to_string();
        // the store gives them by kind, subject, org unit and period
        for r in ecociv_core::lineage::reports_for(plan, store.dispatch_reports(z).await?) {
            let Ok(n) = u32::try_from(r.subject) else { continue };
            if r.kind != "project" {
                continue;
            }
            if r.period == period {
                out.in_month.entry(n).or_insert_with(|| r.clone());
            }
            if r.state == EntryState::Returned {
                continue;
            }
            if let Some(f) = ecociv_core::entry::Funding::parse(&r.funding) {
                *out.funding.entry(n).or_default() += f;
            }
            if out.latest.get(&n).is_none_or(|l| l.period <= r.period) {
                out.latest.insert(n, r);
            }
        }
        Ok(out)
    })
    .await
}
