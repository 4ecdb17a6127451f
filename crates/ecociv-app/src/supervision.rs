//! Supervision orders (督查督办) as the pages and the API run them: the task force issues an
//! order to a unit and closes it or sends it back; the unit answers, with evidence (attached
//! through `entries::attach`). Every step is one store call on the audit trail; the checks and
//! the moves are `ecociv_core::supervision`'s.

use ecociv_core::access::{Actor, Role};
use ecociv_core::entry::{FieldError, check_text};
use ecociv_core::model::Plan;
use ecociv_core::supervision::{Move, OrderInput, SupervisionOrder, check_order, check_required_text};

use crate::App;
use crate::entries::plan_of;
use crate::error::AppError;

/// Whether an actor may see an order: every user of its zone (the bulletin names the orders
/// and the units they went to; only the unit ordered answers).
pub fn may_see(actor: &Actor, o: &SupervisionOrder) -> bool {
    actor.role == Role::Admin || actor.zone == o.zone
}

/// The orders of the actor's zone that the actor may see, the newest first.
pub async fn orders_for(st: &App, actor: &Actor) -> Result<Vec<SupervisionOrder>, AppError> {
    let plan = plan_of(st, actor).await?;
    Ok(st.store.orders(&plan.zone.code).await?.into_iter().filter(|o| may_see(actor, o)).collect())
}

/// One order the actor may see (an order of another zone or unit is not found).
pub async fn order_for(st: &App, actor: &Actor, id: i64) -> Result<(std::sync::Arc<Plan>, SupervisionOrder), AppError> {
    let plan = plan_of(st, actor).await?;
    let o = st.store.order(&plan.zone.code, id).await?.filter(|o| may_see(actor, o)).ok_or_else(|| unknown(id))?;
    Ok((plan, o))
}

fn unknown(id: i64) -> AppError {
    AppError::not_found("unknown_order").field("id", &id.to_string())
}

/// The task force issues an order.
pub async fn issue(st: &App, actor: &Actor, input: &OrderInput) -> Result<SupervisionOrder, AppError> {
    let plan = plan_of(st, actor).await?;
    if !actor.can_approve(&plan) {
        return Err(AppError::forbidden());
    }
    let c = check_order(&plan, input, st.today()).map_err(AppError::invalid)?;
    let o = SupervisionOrder::issued(&plan.zone.code, c, &actor.name, st.stamp());
    Ok(st.store.issue_order(&o, &actor.name).await?)
}

/// A move of an order: the unit's answer (`text` is the answer), or the task force's close,
/// return or withdrawal (`text` is the reason, required to return or withdraw). `version`, when given, is the version
/// the caller saw: an order changed since is a conflict rather than a move on what was not seen.
pub async fn act(st: &App, actor: &Actor, id: i64, mv: Move, text: &str, version: Option<i64>) -> Result<SupervisionOrder, AppError> {
    let plan = plan_of(st, actor).await?;
    let o = st.store.order(&plan.zone.code, id).await?.filter(|o| may_see(actor, o)).ok_or_else(|| unknown(id))?;
    let allowed = match mv {
        Move::Answer => actor.can_act_for(&plan, &o.org_unit),
        Move::Close | Move::Return | Move::Withdraw => actor.can_approve(&plan),
    };
    if !allowed {
        return Err(AppError::forbidden());
    }
    if version.is_some_and(|v| v != o.version) {
        return Err(AppError::conflict("conflict").field("version", &o.version.to_string()));
    }
    let to = mv.from(o.state).ok_or_else(|| AppError::conflict("wrong_state").field("state", o.state.code()))?;
    let mut errs: Vec<FieldError> = Vec::new();
    let text = text.trim();
    match mv {
        Move::Answer => check_required_text(&mut errs, "answer", text),
        Move::Return | Move::Withdraw => check_required_text(&mut errs, "reason", text),
        Move::Close => {
            check_text(&mut errs, "reason", text);
            if text.chars().count() > ecociv_core::supervision::MAX_TEXT {
                errs.push(FieldError::keyed("reason", "too_long", "field.report.text_too_long"));
            }
        }
    }
    if !errs.is_empty() {
        return Err(AppError::invalid(errs));
    }
    let after = match mv {
        Move::Answer => SupervisionOrder { state: to, answer: text.into(), answered_by: actor.name.clone(), answered_at: st.stamp(), ..o.clone() },
        Move::Close | Move::Return | Move::Withdraw => {
            SupervisionOrder { state: to, decided_by: actor.name.clone(), decided_at: st.stamp(), reason: text.into(), ..o.clone() }
        }
    };
    let reason = if mv == Move::Answer { "" } else { text };
    Ok(st.store.update_order(&o, &after, mv.action(), &actor.name, reason).await?)
}
