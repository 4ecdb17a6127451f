//! The review's documents on the web (what they hold is `ecociv_app::documents`). Downloads:
//! `/reports/{bulletin|assessment|work|technical}/{period}.{docx|pdf}`; the page `/reports`
//! lists them and lets the task force write their mastheads.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ecociv_app::documents::{Document, Format, MastheadInput, masthead_of, render, set_masthead, text_keys, title_word};
use ecociv_core::entry::YearMonth;
use ecociv_core::scoring::Quarter;
use ecociv_report::documents::Masthead;

use crate::auth::Authed;
use crate::error::{InLocale, WebError};
use crate::extract::P;
use crate::state::AppState;
use ecociv_app::entries;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(page))
        .route("/reports/masthead", axum::routing::post(masthead_form))
        .route("/reports/{kind}/{file}", get(download))
        .route("/api/v1/mastheads", get(api_mastheads))
        .route("/api/v1/mastheads/{kind}/{period}", axum::routing::put(api_set_masthead))
}

/// The mastheads of the zone's documents.
#[utoipa::path(get, path = "/api/v1/mastheads", responses((status = 200, body = [ecociv_core::record::MastheadRecord])), security(("bearer" = []), ("cookie" = [])))]
pub(crate) async fn api_mastheads(State(st): State<AppState>, a: Authed) -> Result<axum::Json<Vec<ecociv_core::record::MastheadRecord>>, WebError> {
    let plan = entries::plan_of(&st, &a.actor).await?;
    Ok(axum::Json(st.store.mastheads(&plan.zone.code).await?))
}

/// The task force sets what a document carries: header lines, number, signing office, date,
/// and the paragraphs only people write.
#[utoipa::path(put, path = "/api/v1/mastheads/{kind}/{period}", params(("kind" = String, Path, description = "bulletin, assessment, work, technical"), ("period" = String, Path, description = "2024-05, 2024Q2, 2024")),
    request_body = MastheadInput,
    responses((status = 200, body = ecociv_core::record::MastheadRecord), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub(crate) async fn api_set_masthead(
    State(st): State<AppState>,
    a: Authed,
    P((kind, period)): P<(String, String)>,
    crate::extract::J(input): crate::extract::J<MastheadInput>,
) -> Result<axum::Json<ecociv_core::record::MastheadRecord>, WebError> {
    a.check_csrf(None)?;
    Ok(axum::Json(set_masthead(&st, &a.actor, &kind, &period, &input).await.map_err(|e| e.in_locale(a.locale))?))
}

#[derive(askama::Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    l: crate::layout::Layout,
    task_force: bool,
    /// (label, kind, period) of each document.
    documents: Vec<(String, String, String)>,
    /// The document whose masthead is being edited, and its masthead.
    kind: String,
    period: String,
    /// The document's name in the page's language.
    name: String,
    masthead: Masthead,
    text_keys: Vec<(&'static str, String)>,
}

#[derive(serde::Deserialize, Default)]
struct ReportsQuery {
    kind: Option<String>,
    period: Option<String>,
}

/// The documents of the review to download; the task force edits their mastheads here.
async fn page(
    State(st): State<AppState>,
    crate::i18n::Lang(l): crate::i18n::Lang,
    uri: axum::extract::OriginalUri,
    a: Authed,
    crate::extract::Q(q): crate::extract::Q<ReportsQuery>,
) -> Response {
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return crate::layout::error_page(&st, l, &uri, e),
    };
    let today = st.today();
    let month = ecociv_core::dispatch::report_month(today);
    let quarter = Quarter::of(month);
    let mut docs = vec![Document::Closing(plan.end_year), Document::Bulletin(month), Document::Assessment(quarter)];
    for y in (plan.base_year..=YearMonth::of(today).year).rev() {
        docs.push(Document::SelfAssessment(y));
        docs.push(Document::Work(y));
        docs.push(Document::Technical(y));
    }
    let documents = docs
        .into_iter()
        .filter(|d| d.admissible(&plan, today) && d.may_read(&a.actor))
        .map(|d| (format!("{} {}", title_word(d, l), d.period()), d.kind().to_string(), d.period()))
        .collect();
    let doc = q.kind.as_deref().zip(q.period.as_deref()).and_then(|(k, p)| Document::parse(k, p)).unwrap_or(Document::Technical(YearMonth::of(today).year - 1));
    let masthead = masthead_of(&st, &plan.zone.code, doc).await.unwrap_or_default();
    let text_keys = text_keys(doc.kind()).iter().map(|k| (*k, masthead.texts.get(*k).cloned().unwrap_or_default())).collect();
    let task_force = a.actor.can_approve(&plan);
    let page = ReportsPage {
        l: crate::layout::layout(&st, l, &uri, Some(&plan), Some(&a)).await,
        task_force,
        documents,
        kind: doc.kind().into(),
        period: doc.period(),
        name: format!("{} {}", title_word(doc, l), doc.period()),
        masthead,
        text_keys,
    };
    crate::layout::render(&page)
}

#[derive(serde::Deserialize)]
struct MastheadForm {
    #[serde(default)]
    csrf: String,
    kind: String,
    period: String,
    #[serde(default)]
    header_lines: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    assessment: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    requirements: String,
}

async fn masthead_form(
    State(st): State<AppState>,
    crate::i18n::Lang(l): crate::i18n::Lang,
    uri: axum::extract::OriginalUri,
    a: Authed,
    crate::extract::F(f): crate::extract::F<MastheadForm>,
) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return crate::layout::error_page(&st, l, &uri, e);
    }
    let keys = text_keys(&f.kind);
    let texts = [("assessment", &f.assessment), ("measures", &f.measures), ("requirements", &f.requirements)]
        .into_iter()
        .filter(|(k, _)| keys.contains(k))
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let input =
        MastheadInput { header_lines: f.header_lines.lines().map(String::from).collect(), number: f.number, issuer: f.issuer, issued_on: f.issued_on, texts };
    match set_masthead(&st, &a.actor, &f.kind, &f.period, &input).await {
        Ok(m) => axum::response::Redirect::to(&format!("/reports?kind={}&period={}#masthead", m.kind, m.period)).into_response(),
        Err(e) => crate::layout::error_page(&st, l, &uri, e),
    }
}

async fn download(
    State(st): State<AppState>,
    uri: axum::extract::OriginalUri,
    headers: axum::http::HeaderMap,
    a: Authed,
    P(path): P<(String, String)>,
) -> Response {
    match download_document(&st, &a, path).await {
        Ok(r) => r,
        Err(e) => crate::layout::download_error(&st, &uri, &headers, &a, e),
    }
}

async fn download_document(st: &AppState, a: &Authed, (kind, file): (String, String)) -> Result<Response, WebError> {
    let l = a.locale;
    let plan = entries::plan_of(st, &a.actor).await?;
    let not_found = || WebError::not_found("not_found").field("file", &format!("{kind}/{file}")).in_locale(l);
    let (period, format) = file.rsplit_once('.').and_then(|(p, ext)| Some((p, Format::parse(ext)?))).ok_or_else(not_found)?;
    let doc = Document::parse(&kind, period).ok_or_else(not_found)?;
    // the plan whose years hold the period: the plan in force, or an earlier one
    let plan = ecociv_app::document_plan::plan_for_document(st, &plan.zone.code, doc).await.map_err(|e| e.in_locale(l))?.ok_or_else(not_found)?;
    if !doc.may_read(&a.actor) {
        return Err(WebError::forbidden().in_locale(l));
    }
    let bytes = render(st, &plan, doc, format, l).await.map_err(|e| e.in_locale(l))?;
    let ext = format.ext();
    let name = format!("{}-{}-{}.{ext}", plan.zone.name, title_word(doc, l).replace(' ', "-"), doc.period());
    Ok(crate::exports::attachment(bytes, format.media_type(), &name, &format!("{}-{}.{ext}", doc.kind(), doc.period())))
}

/// The OpenAPI part of the documents: their mastheads.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_mastheads, api_set_masthead), components(schemas(ecociv_core::record::MastheadRecord, MastheadInput)))]
pub(crate) struct Doc;
