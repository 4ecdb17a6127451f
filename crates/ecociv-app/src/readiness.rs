//! Review readiness of a zone (see `ecociv_core::readiness`), and the veto conditions the task
//! force records, shown above everything.

use ecociv_core::access::Actor;
use ecociv_core::entry::FieldError;
use ecociv_core::model::Plan;
use ecociv_core::readiness::Readiness;
use ecociv_core::record::VetoRecord;
use serde::Deserialize;
use utoipa::ToSchema;

use std::sync::Arc;

use crate::App;
use crate::error::AppError;
use crate::views::Reads;

/// The readiness of a plan's zone, from the store.
pub async fn readiness(st: &App, plan: &Plan) -> Result<Arc<Readiness>, AppError> {
    let zone = &plan.zone.code;
    let reads = Reads { observations: true, dispatch: false, controls: true };
    st.view(zone, "readiness".into(), reads, |store| async move {
        let (observations, evidence, uppers) = (
            ecociv_core::lineage::observations_for(plan, store.observations(zone).await?),
            store.all_evidence(zone).await?,
            ecociv_core::lineage::uppers_for(plan, store.upper_targets(zone).await?),
        );
        Ok(ecociv_core::readiness::readiness(plan, &observations, &evidence, &uppers, store.vetoes(zone).await?))
    })
    .await
}

/// A veto condition as the task force records it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VetoInput {
    /// `major_incident` (重大、特大突发环境事件), `falsified_data` (监测数据造假), or `other`.
    pub kind: String,
    pub description: String,
    /// `YYYY-MM-DD`.
    pub occurred_on: String,
}

/// The task force records a veto condition.
pub async fn record_veto(st: &App, actor: &Actor, input: &VetoInput) -> Result<VetoRecord, AppError> {
    let plan = crate::entries::plan_of(st, actor).await?;
    if !actor.can_approve(&plan) {
        return Err(AppError::forbidden());
    }
    let mut errs = Vec::new();
    if !["major_incident", "falsified_data", "other"].contains(&input.kind.as_str()) {
        errs.push(FieldError::keyed("kind", "bad_kind", "field.veto.bad_kind"));
    }
    if input.description.trim().is_empty() {
        errs.push(FieldError::keyed("description", "required", "field.veto.description_required"));
    }
    ecociv_core::entry::check_text(&mut errs, "description", &input.description);
    if ecociv_core::clock::parse_today(&input.occurred_on).map(|d| d > st.today()).unwrap_or(true) {
        errs.push(FieldError::keyed("occurred_on", "bad_date", "field.veto.bad_date"));
    }
    if !errs.is_empty() {
        return Err(AppError::invalid(errs));
    }
    let rec = VetoRecord {
        id: 0,
        zone: plan.zone.code.clone(),
        kind: input.kind.clone(),
        description: input.description.trim().into(),
        occurred_on: input.occurred_on.trim().into(),
        recorded_by: actor.name.clone(),
        recorded_at: st.stamp(),
    };
    Ok(st.store.add_veto(&rec, &actor.name).await?)
}
