//! Which plan a document is made from: the plan whose years hold the document's period — the
//! plan in force, or an earlier plan for a period it owned (`crate::plan_next::earlier_owner`).

use std::sync::Arc;

use ecociv_core::model::Plan;

use crate::App;
use crate::documents::Document;
use crate::error::AppError;

/// The plan of `zone` that `doc` is made from: the plan whose years hold the document's period
/// (the plan in force, or an earlier one for a period it owned: its closing report, its
/// self-assessments, and its bulletins, assessments, work and technical reports, made again
/// after the next plan was issued); None when that plan does not have the document (yet).
pub async fn plan_for_document(st: &App, zone: &str, doc: Document) -> Result<Option<Arc<Plan>>, AppError> {
    let year = match doc {
        Document::Bulletin(m) => m.year,
        Document::Assessment(q) => q.year,
        Document::Work(y) | Document::Technical(y) | Document::Closing(y) | Document::SelfAssessment(y) => y,
    };
    let current = st.plan(Some(zone)).await?;
    let plan = match crate::plan_next::earlier_owner(st, &current, year).await? {
        Some(earlier) => Arc::new(earlier),
        None => current,
    };
    Ok(doc.admissible(&plan, st.today()).then_some(plan))
}
