//! Supervision orders (督查督办): `/supervision`, the list with the task force's form to issue
//! one; `/supervision/{id}`, an order with its answer form for the unit, the task force's
//! close or return, its evidence and history; and under `/api/v1/supervision-orders` the same
//! for scripts. What may be done is `ecociv_app::supervision`'s.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ecociv_app::supervision::{act, issue, order_for, orders_for};
use ecociv_core::Locale;
use ecociv_core::model::Plan;
use ecociv_core::supervision::{Move, OrderInput, SupervisionOrder};
use ecociv_core::trail::TrailEvent;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Authed;
use crate::error::{InLocale, WebError, created};
use crate::evidence::page_upload;
use crate::extract::{F, J, P};
use crate::history::{HistoryRow, Refused, decision_answer, history_rows};
use crate::i18n::{Lang, t};
use crate::layout::{Layout, error_page_for, layout, refused_form, render};
use crate::state::AppState;

/// An order as a row of a list.
pub(crate) struct OrderRow {
    pub(crate) id: i64,
    pub(crate) org_unit: String,
    pub(crate) subject: String,
    pub(crate) matter: String,
    pub(crate) deadline: String,
    pub(crate) state: String,
    /// `overdue`, or the state's code: the row's style.
    pub(crate) class: &'static str,
}

pub(crate) fn order_row(plan: &Plan, o: &SupervisionOrder, today: chrono::NaiveDate, l: Locale) -> OrderRow {
    let overdue = o.overdue(today);
    let state = if overdue { format!("{} · {}", t(l, "order.overdue"), o.state.label(l)) } else { o.state.label(l).to_string() };
    OrderRow {
        id: o.id,
        org_unit: o.org_unit.clone(),
        subject: o.subject_label(plan, l),
        matter: o.matter.clone(),
        deadline: o.deadline.clone(),
        state,
        class: if overdue { "overdue" } else { o.state.code() },
    }
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct ListPage {
    l: Layout,
    rows: Vec<OrderRow>,
    can_issue: bool,
    /// The org units an order may go to.
    units: Vec<String>,
    typed: TypedOrder,
    errors: Vec<(String, String)>,
}

/// The issue form as typed.
#[derive(Deserialize, Default)]
struct TypedOrder {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    org_unit: String,
    #[serde(default)]
    subject_kind: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    matter: String,
    #[serde(default)]
    required: String,
    #[serde(default)]
    deadline: String,
}

impl TypedOrder {
    fn input(&self) -> OrderInput {
        OrderInput {
            org_unit: self.org_unit.clone(),
            subject_kind: self.subject_kind.clone(),
            subject: self.subject.clone(),
            matter: self.matter.clone(),
            required: self.required.clone(),
            deadline: self.deadline.clone(),
        }
    }
}

async fn list_page(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, typed: TypedOrder) -> Result<ListPage, WebError> {
    let plan = ecociv_app::entries::plan_of(st, &a.actor).await?;
    let today = st.today();
    let rows = orders_for(st, &a.actor).await?.iter().map(|o| order_row(&plan, o, today, l)).collect();
    let typed = TypedOrder { deadline: if typed.deadline.is_empty() { (today + chrono::Days::new(14)).to_string() } else { typed.deadline }, ..typed };
    Ok(ListPage {
        l: layout(st, l, uri, Some(&plan), Some(a)).await,
        rows,
        can_issue: a.actor.can_approve(&plan),
        units: plan.org_units.iter().filter(|o| o.name != a.actor.org_unit).map(|o| o.name.clone()).collect(),
        typed,
        errors: vec![],
    })
}

async fn list(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    match list_page(&st, l, &uri, &a, TypedOrder::default()).await {
        Ok(p) => render(&p),
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

async fn issue_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, F(f): F<TypedOrder>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page_for(&st, l, &uri, Some(&a), e);
    }
    match issue(&st, &a.actor, &f.input()).await {
        Ok(o) => Redirect::to(&format!("/supervision/{}", o.id)).into_response(),
        Err(e) if e.kind == ecociv_app::Kind::Invalid => refused_form(&st, l, &uri, &a, e, list_page(&st, l, &uri, &a, f), |p| &mut p.errors).await,
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

#[derive(Template)]
#[template(path = "supervision_order.html")]
struct OrderPage {
    l: Layout,
    o: SupervisionOrder,
    row: OrderRow,
    issued_at: String,
    answered_at: String,
    can_answer: bool,
    can_decide: bool,
    /// The task force may withdraw an order not closed.
    can_withdraw: bool,
    history: Vec<HistoryRow>,
    evidence: Vec<ecociv_core::record::EvidenceRecord>,
    upload_action: String,
    can_upload: bool,
    /// A move the form sent back, with why.
    refused: Refused,
}

async fn order_view(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, id: i64, refused: Refused) -> Response {
    let (plan, o) = match order_for(st, &a.actor, id).await {
        Ok(x) => x,
        Err(e) => return error_page_for(st, l, uri, Some(a), e),
    };
    let history = st.store.trail_for(&plan.zone.code, "supervision_order", &id.to_string()).await.unwrap_or_default();
    let can_answer = a.actor.can_act_for(&plan, &o.org_unit) && o.state.awaits_answer();
    let page = OrderPage {
        l: layout(st, l, uri, Some(&plan), Some(a)).await,
        row: order_row(&plan, &o, st.today(), l),
        issued_at: ecociv_core::clock::beijing_minute(&o.issued_at),
        answered_at: ecociv_core::clock::beijing_minute(&o.answered_at),
        can_answer,
        can_decide: a.actor.can_approve(&plan) && o.state == ecociv_core::supervision::OrderState::Answered,
        can_withdraw: a.actor.can_approve(&plan) && Move::Withdraw.from(o.state).is_some(),
        history: history_rows(&history, l),
        evidence: st.store.evidence_of(&plan.zone.code, "supervision_order", id).await.unwrap_or_default(),
        upload_action: format!("/supervision/{id}/evidence"),
        can_upload: a.actor.can_act_for(&plan, &o.org_unit) && o.state.awaits_answer(),
        refused,
        o,
    };
    render(&page)
}

async fn order_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>) -> Response {
    order_view(&st, l, &uri, &a, id, Refused::default()).await
}

/// The answer and decision forms: the move, its text, and the version the page showed.
#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(rename = "move")]
    mv: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    version: Option<i64>,
}

async fn move_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>, F(f): F<MoveForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page_for(&st, l, &uri, Some(&a), e);
    }
    let Some(mv) = Move::parse(&f.mv) else {
        return error_page_for(&st, l, &uri, Some(&a), WebError::bad_request("bad_query").field("move", &f.mv));
    };
    let result = act(&st, &a.actor, id, mv, &f.text, f.version).await.map(|o| format!("/supervision/{}", o.id));
    decision_answer(&st, l, &uri, &a, result, &f.text, |refused| order_view(&st, l, &uri, &a, id, refused)).await
}

async fn upload_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>, m: axum::extract::Multipart) -> Response {
    page_upload(&st, l, &uri, &a, "supervision_order", id, &format!("/supervision/{id}"), m).await
}

/// The orders the caller may see, the newest first.
#[utoipa::path(get, path = "/api/v1/supervision-orders", responses((status = 200, body = [SupervisionOrder]), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_list(State(st): State<AppState>, a: Authed) -> Result<Json<Vec<SupervisionOrder>>, WebError> {
    Ok(Json(orders_for(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?))
}

/// The task force issues an order.
#[utoipa::path(post, path = "/api/v1/supervision-orders", request_body = OrderInput,
    responses((status = 201, body = SupervisionOrder), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_issue(State(st): State<AppState>, a: Authed, J(input): J<OrderInput>) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    Ok(created(issue(&st, &a.actor, &input).await.map_err(|e| e.in_locale(a.locale))?))
}

/// An order with its history from the audit trail and its evidence.
#[derive(Serialize, ToSchema)]
pub struct OrderWithHistory {
    order: SupervisionOrder,
    /// Overdue today: past its deadline and not closed.
    overdue: bool,
    history: Vec<TrailEvent>,
    evidence: Vec<ecociv_core::record::EvidenceRecord>,
}

#[utoipa::path(get, path = "/api/v1/supervision-orders/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = OrderWithHistory), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn api_get(State(st): State<AppState>, a: Authed, P(id): P<i64>) -> Result<Json<OrderWithHistory>, WebError> {
    let (plan, order) = order_for(&st, &a.actor, id).await.map_err(|e| e.in_locale(a.locale))?;
    let history = st.store.trail_for(&plan.zone.code, "supervision_order", &id.to_string()).await?;
    let evidence = st.store.evidence_of(&plan.zone.code, "supervision_order", id).await?;
    Ok(Json(OrderWithHistory { overdue: order.overdue(st.today()), order, history, evidence }))
}

/// A move's text: the answer, or the task force's reason; and the version the caller saw.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MoveInput {
    #[serde(default)]
    pub text: String,
    /// When given, the move is refused (409) if the order has changed since that version.
    #[serde(default)]
    pub version: Option<i64>,
}

/// The unit answers (`answer`), or the task force closes (`close`), returns (`return`, a reason
/// required) or withdraws an order issued by mistake (`withdraw`, a reason required).
#[utoipa::path(post, path = "/api/v1/supervision-orders/{id}/{move}", params(("id" = i64, Path), ("move" = String, Path, description = "answer, close, return or withdraw")),
    request_body = MoveInput,
    responses((status = 200, body = SupervisionOrder), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_move(State(st): State<AppState>, a: Authed, P((id, mv)): P<(i64, String)>, J(input): J<MoveInput>) -> Result<Json<SupervisionOrder>, WebError> {
    a.check_csrf(None)?;
    let mv = Move::parse(&mv).ok_or_else(|| WebError::not_found("not_found").field("move", &mv).in_locale(a.locale))?;
    Ok(Json(act(&st, &a.actor, id, mv, &input.text, input.version).await.map_err(|e| e.in_locale(a.locale))?))
}

/// Attaches a file to an order: by the unit ordered, while it is not closed.
#[utoipa::path(post, path = "/api/v1/supervision-orders/{id}/evidence", params(("id" = i64, Path)), request_body(content = crate::evidence::Upload, content_type = "multipart/form-data"),
    responses((status = 201, body = ecociv_core::record::EvidenceRecord), (status = 403, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_evidence(
    State(st): State<AppState>,
    a: Authed,
    P(id): P<i64>,
    m: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, WebError> {
    crate::evidence::api_attach(&st, &a, "supervision_order", id, m).await
}

pub fn routes() -> Router<AppState> {
    let limit = || axum::extract::DefaultBodyLimit::max(crate::evidence::UPLOAD_BODY_LIMIT);
    Router::new()
        .route("/supervision", get(list).post(issue_post))
        .route("/supervision/{id}", get(order_page).post(move_post))
        .route("/supervision/{id}/evidence", post(upload_post).layer(limit()))
        .route("/api/v1/supervision-orders", get(api_list).post(api_issue))
        .route("/api/v1/supervision-orders/{id}", get(api_get))
        .route("/api/v1/supervision-orders/{id}/evidence", post(api_evidence).layer(limit()))
        .route("/api/v1/supervision-orders/{id}/{move}", post(api_move))
}

/// The documented routes of supervision orders.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_list, api_issue, api_get, api_move, api_evidence),
    components(schemas(
        SupervisionOrder,
        OrderInput,
        MoveInput,
        OrderWithHistory,
        ecociv_core::supervision::OrderState,
        ecociv_core::supervision::SubjectKind
    ))
)]
pub struct Doc;
