//! A yearly value that a survey gives (`/observations/survey`): its result, sample size and
//! method, and its report uploaded with it, in one form (`ecociv_app::entries::submit_survey`).
//! A refused form comes back with what was typed and each message beside its field.

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use ecociv_app::entries;
use ecociv_core::entry::ObservationInput;
use serde::Deserialize;

use crate::auth::Authed;
use crate::error::{InLocale, WebError};
use crate::extract::Q;
use crate::i18n::Lang;
use crate::layout::{Layout, error_page_for, layout, render};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/observations/survey", get(form).post(post).layer(axum::extract::DefaultBodyLimit::max(crate::evidence::UPLOAD_BODY_LIMIT)))
}

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyPage {
    l: Layout,
    indicator: String,
    indicator_name: String,
    year: String,
    result: String,
    sample_size: String,
    method: String,
    errors: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
struct SurveyQuery {
    indicator: Option<String>,
    year: Option<String>,
}

async fn page(st: &AppState, l: ecociv_core::Locale, uri: &OriginalUri, a: &Authed, typed: [String; 5]) -> Result<SurveyPage, WebError> {
    let plan = entries::plan_of(st, &a.actor).await?;
    let [indicator, year, result, sample_size, method] = typed;
    let indicator_name = plan.leaf(&indicator).map(|x| plan.leaf_name(x.code, l)).unwrap_or_default();
    Ok(SurveyPage { l: layout(st, l, uri, Some(&plan), Some(a)).await, indicator, indicator_name, year, result, sample_size, method, errors: vec![] })
}

async fn form(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, Q(q): Q<SurveyQuery>) -> Response {
    let typed = [q.indicator.unwrap_or_default(), q.year.unwrap_or_default(), String::new(), String::new(), String::new()];
    match page(&st, l, &uri, &a, typed).await {
        Ok(p) => render(&p),
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

async fn post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, m: axum::extract::Multipart) -> Response {
    let (fields, file) = match crate::evidence::form_fields(m).await {
        Ok(x) => x,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    if let Err(e) = a.check_csrf(Some(&get("csrf"))) {
        return error_page_for(&st, l, &uri, Some(&a), e);
    }
    let typed = [get("indicator"), get("year"), get("result"), get("sample_size"), get("method")];
    let refused = |typed: [String; 5], e: ecociv_app::AppError| {
        let st = st.clone();
        let (uri, a) = (uri.clone(), a.clone());
        async move {
            let e = e.in_locale(l);
            match page(&st, l, &uri, &a, typed).await {
                Ok(mut p) => {
                    p.errors = crate::layout::form_errors(&e, l);
                    (e.status, render(&p)).into_response()
                }
                Err(e2) => error_page_for(&st, l, &uri, Some(&a), e2),
            }
        }
    };
    // the summary and the file, checked together: every problem at once
    let mut problems = Vec::new();
    let survey = ecociv_core::entry::check_survey(&typed[3], &typed[4]).map_err(|e| problems.extend(e)).ok();
    if file.is_none() {
        problems.push(ecociv_core::entry::FieldError::keyed("file", "required", "field.upload.required"));
    }
    let year = typed[1].trim().parse::<i32>().ok();
    if year.is_none() {
        problems.push(ecociv_core::entry::FieldError::keyed("year", "bad_year", "field.observation.bad_year"));
    }
    let (Some(survey), Some((name, bytes)), Some(year), true) = (survey, file, year, problems.is_empty()) else {
        return refused(typed, ecociv_app::AppError::invalid(problems)).await;
    };
    let input = ObservationInput {
        indicator: typed[0].trim().to_string(),
        year,
        region: None,
        value: serde_json::Value::String(typed[2].clone()),
        comment: String::new(),
        explanation: None,
    };
    match entries::submit_survey(&st, &a.actor, &input, &survey, &name, &bytes).await {
        Ok((o, _)) => Redirect::to(&format!("/observations/{}", o.id)).into_response(),
        Err(e) if matches!(e.kind, ecociv_app::Kind::Invalid | ecociv_app::Kind::Conflict) => refused(typed, e).await,
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}
