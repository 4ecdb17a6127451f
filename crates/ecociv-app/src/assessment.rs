//! The quarterly assessment (季考核): the zone's scoring rules in their versions, and a
//! quarter's scores and ranking of regions and departments, computed once for the data as it
//! stands (the facts from `ecociv_core::assessment`, the scores from `ecociv_core::scoring`).

use std::collections::BTreeMap;

use ecociv_core::access::Actor;
use ecociv_core::assessment::{Assessment, Rows};
use ecociv_core::model::{OrgKind, Plan};
use ecociv_core::record::{AssessmentRecord, ScoringRulesRecord};
use ecociv_core::scoring::{Quarter, ScoringRules, UnitFacts, UnitScore, score};
use rust_decimal::Decimal;

use std::sync::Arc;

use crate::App;
use crate::error::AppError;
use crate::views::Reads;

/// The rules of a version (0 is ecociv's default), or the latest.
pub async fn rules_of(st: &App, zone: &str, version: Option<i64>) -> Result<(i64, ScoringRules), AppError> {
    let all = st.store.scoring_rules(zone).await?;
    let pick = match version {
        Some(0) => None,
        Some(v) => Some(all.into_iter().find(|r| r.version == v).ok_or_else(|| AppError::not_found("unknown_rules").field("rules", &v.to_string()))?),
        None => all.into_iter().next_back(),
    };
    match pick {
        None => Ok((0, ScoringRules::parse(ScoringRules::default_text()).map_err(|_| AppError::new(crate::Kind::Internal, "internal"))?)),
        Some(r) => Ok((r.version, ScoringRules::parse(&r.text).map_err(AppError::invalid)?)),
    }
}

/// The facts of every region and department for each of some quarters, each from the entries
/// as they stood on the day it is judged on (the due date of its last month's reports, once
/// passed), and the supervision orders due in it (an order closed by then is closed for good,
/// and one not closed by then counts as overdue, whatever came after).
pub async fn facts(st: &App, plan: &Plan, quarters: &[Quarter], today: chrono::NaiveDate) -> Result<Vec<Vec<UnitFacts>>, AppError> {
    let zone = &plan.zone.code;
    let users: BTreeMap<String, String> = st.store.users(zone).await?.into_iter().map(|u| (u.name, u.org_unit)).collect();
    let due_day = crate::entries::settings_of(st, zone).await?.dispatch_due_day;
    // the entries read once, taken as of each quarter's day
    let entries = crate::history::Entries::load(st, zone).await?;
    let orders = st.store.orders(zone).await?;
    let mut out = Vec::new();
    for q in quarters {
        let on = entries.on(st, plan, ecociv_core::dispatch::judged_on(q.last_month(), today, due_day)).await?;
        let rows = Rows { reports: &on.reports, observations: &on.observations, users: &users, returned: &on.returned, orders: &orders };
        out.push(ecociv_core::assessment::facts(plan, &rows, *q, today, due_day));
    }
    Ok(out)
}

/// The plan's last quarter: the assessment stops there.
pub fn last_quarter(plan: &Plan) -> Quarter {
    Quarter { year: plan.end_year, q: 4 }
}

/// The quarter the assessment opens on: the last one ended by `today`, and after the plan's
/// end its last quarter.
pub fn latest_quarter(plan: &Plan, today: chrono::NaiveDate) -> Quarter {
    Quarter::of(ecociv_core::entry::YearMonth::of(today)).previous().min(last_quarter(plan))
}

/// A quarter's assessment with a version of the rules (the latest by default), computed once
/// for the data as it stands; a quarter after the plan's last is refused (`after_plan`).
pub async fn assess(st: &App, plan: &Plan, quarter: Quarter, version: Option<i64>) -> Result<Arc<Assessment>, AppError> {
    // a quarter of an earlier plan is assessed by that plan's codes and units
    let earlier = crate::plan_next::earlier_owner(st, plan, quarter.year).await?;
    let plan = earlier.as_ref().unwrap_or(plan);
    if quarter > last_quarter(plan) {
        return Err(AppError::not_found("after_plan").field("quarter", &quarter.to_string()));
    }
    let z = &plan.zone.code;
    let id = format!("assessment/{}/{quarter}/{version:?}/{}", plan.code, st.today());
    let reads = Reads { observations: true, dispatch: true, controls: true };
    st.views.get(z, id, reads, st.versions(z).await?, || compute(st, plan, quarter, version)).await
}

/// Computes a quarter's assessment from the rules and the data.
async fn compute(st: &App, plan: &Plan, quarter: Quarter, version: Option<i64>) -> Result<Assessment, AppError> {
    let (v, rules) = rules_of(st, &plan.zone.code, version).await?;
    let today = st.today();
    let mut both = facts(st, plan, &[quarter, quarter.previous()], today).await?;
    let before = both.pop().unwrap_or_default();
    let now = both.pop().unwrap_or_default();
    let previous: BTreeMap<String, Decimal> = score(&rules, &before, &BTreeMap::new()).into_iter().map(|s| (s.unit, s.score)).collect();
    let all = score(&rules, &now, &previous);
    let kind = |name: &str| plan.org_unit(name).map(|o| o.kind);
    let mut regions: Vec<UnitScore> = all.iter().filter(|s| kind(&s.unit) == Some(OrgKind::Region)).cloned().collect();
    let mut departments: Vec<UnitScore> = all.into_iter().filter(|s| kind(&s.unit) == Some(OrgKind::Department)).collect();
    ecociv_core::scoring::rank(&mut regions);
    ecociv_core::scoring::rank(&mut departments);
    Ok(Assessment { quarter: quarter.to_string(), rules_version: v, rules_title: rules.title, regions, departments })
}

/// The task force computes and records a quarter's assessment (also a past quarter with other
/// rules): it is kept, and on the audit trail.
pub async fn record_assessment(st: &App, actor: &Actor, quarter: Quarter, version: Option<i64>) -> Result<AssessmentRecord, AppError> {
    let plan = crate::entries::plan_of(st, actor).await?;
    if !actor.can_approve(&plan) {
        return Err(AppError::forbidden());
    }
    let result = assess(st, &plan, quarter, version).await?;
    let rec = AssessmentRecord {
        id: 0,
        zone: plan.zone.code.clone(),
        quarter: quarter.to_string(),
        rules_version: result.rules_version,
        result: serde_json::to_string(&*result).expect("serializable"),
        computed_by: actor.name.clone(),
        computed_at: st.stamp(),
    };
    Ok(st.store.record_assessment(&rec, &actor.name).await?)
}

/// The task force writes a new version of the scoring rules (checked before it is kept).
pub async fn set_rules(st: &App, actor: &Actor, text: &str) -> Result<ScoringRulesRecord, AppError> {
    let plan = crate::entries::plan_of(st, actor).await?;
    if !actor.can_approve(&plan) {
        return Err(AppError::forbidden());
    }
    ScoringRules::parse(text).map_err(AppError::invalid)?;
    Ok(st.store.add_scoring_rules(&plan.zone.code, text, &actor.name).await?)
}
