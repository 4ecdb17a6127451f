//! What the entry pages and the API share about an entry's decisions: its history from the
//! audit trail (who did what, and which fields changed), the decision form, and reading a
//! decision and its reason from a request.

use crate::error::WebError;
use crate::i18n::t;
use crate::layout::state_label;
use axum::http::StatusCode;
use ecociv_app::entries::Decision;
use ecociv_core::Locale;
use ecociv_core::record::EntryState;
use ecociv_core::trail::TrailEvent;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;

pub(crate) struct HistoryRow {
    pub(crate) at: String,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) reason: String,
    pub(crate) change: String,
}

/// The fields of an entry the history shows, with the label of each.
pub(crate) const HISTORY_FIELDS: [(&str, &str); 7] = [
    ("value", "obs.value"),
    ("state", "todo.state"),
    ("progress_percent", "report.progress_percent"),
    ("investment_month_wan", "report.month_wan"),
    ("investment_cumulative_wan", "report.cumulative_wan"),
    ("status", "report.status"),
    ("progress", "report.progress_text"),
];

/// A trail action (`dispatch_report.submitted`, …) in locale `l`; an unknown one as it is.
pub(crate) fn action_label(action: &str, l: Locale) -> String {
    crate::i18n::t_opt(l, &format!("history.{action}")).unwrap_or(action).to_string()
}

/// A field's value as the history shows it: entry states and project statuses by their labels.
pub(crate) fn history_value(entity: &str, key: &str, v: Option<&serde_json::Value>, l: Locale) -> String {
    let Some(v) = v else { return "—".into() };
    let raw = v.as_str().map(String::from).unwrap_or_else(|| v.to_string());
    match key {
        "state" if entity == "supervision_order" => ecociv_core::supervision::OrderState::parse(&raw).map(|s| s.label(l).to_string()).unwrap_or(raw),
        "state" => EntryState::parse(&raw).map(|s| state_label(s, l).to_string()).unwrap_or(raw),
        "status" => ecociv_core::entry::ProjectStatus::parse(&raw).map(|s| s.label(l).to_string()).unwrap_or(raw),
        _ => raw,
    }
}

pub(crate) fn history_rows(events: &[TrailEvent], l: Locale) -> Vec<HistoryRow> {
    events
        .iter()
        .map(|e| {
            let fields = |s: &str| -> HashMap<String, serde_json::Value> { serde_json::from_str(s).unwrap_or_default() };
            let (before, after) = (fields(&e.before), fields(&e.after));
            let mut change: Vec<String> = Vec::new();
            for (key, label) in HISTORY_FIELDS {
                let (b, a) = (before.get(key), after.get(key));
                if a.is_some() && b != a {
                    change.push(format!("{}: {} → {}", t(l, label), history_value(&e.entity, key, b, l), history_value(&e.entity, key, a, l)));
                }
            }
            HistoryRow {
                at: ecociv_core::clock::beijing_minute(&e.at),
                actor: e.actor.clone(),
                action: action_label(&e.action, l),
                reason: e.reason.clone(),
                change: change.join(t(l, "list.clause_separator")),
            }
        })
        .collect()
}

#[derive(Deserialize)]
pub(crate) struct DecideForm {
    #[serde(default)]
    pub(crate) csrf: String,
    pub(crate) decision: String,
    #[serde(default)]
    pub(crate) reason: String,
}

/// A reason for returning or unlocking (empty for approving).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReasonInput {
    #[serde(default)]
    pub reason: String,
}

/// The reason of a decision: an empty body, or `{"reason": "…"}`.
pub(crate) fn reason_of(body: &[u8], l: ecociv_core::Locale) -> Result<String, WebError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(String::new());
    }
    serde_json::from_slice::<ReasonInput>(body).map(|r| r.reason).map_err(|e| {
        let mut w = WebError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_json").in_locale(l);
        w.fields.insert("body".into(), e.to_string());
        w
    })
}

pub(crate) fn decision(d: &str, l: ecociv_core::Locale) -> Result<Decision, WebError> {
    Decision::parse(d).ok_or_else(|| WebError::not_found("not_found").field("decision", d).in_locale(l))
}

/// A decision the form sent back: the message beside the reason field, and the reason as typed
/// (empty when the page is opened, not answered).
#[derive(Default)]
pub(crate) struct Refused {
    pub(crate) message: String,
    pub(crate) reason: String,
}

impl Refused {
    /// A refused decision as the form shows it on the entry's page, with its status: a check
    /// that failed (422) or a state that does not allow it (409), the checks' messages (labels,
    /// not codes) else the error's message. Any other error is `Err`, for an error page.
    pub(crate) fn of_decision(e: ecociv_app::AppError, l: Locale, reason: &str) -> Result<(StatusCode, Refused), WebError> {
        let e = WebError::from(e).in_locale(l);
        if e.status != StatusCode::UNPROCESSABLE_ENTITY && e.status != StatusCode::CONFLICT {
            return Err(e);
        }
        let checks: Vec<String> = e.checks.iter().map(|c| c.message(l).to_string()).collect();
        let message = if checks.is_empty() { e.message() } else { checks.join(t(l, "list.clause_separator")) };
        Ok((e.status, Refused { message, reason: reason.to_string() }))
    }
}

/// The answer to a decision form: to the entry's page (`done`, its path) when it was taken; when
/// refused, the entry's page again (`view`) with the message beside the form, what was typed
/// kept and the refusal's status; any other error as an error page.
pub(crate) async fn decision_answer<Fut: std::future::Future<Output = axum::response::Response>>(
    st: &crate::state::AppState,
    l: Locale,
    uri: &axum::extract::OriginalUri,
    a: &crate::auth::Authed,
    result: Result<String, ecociv_app::AppError>,
    typed: &str,
    view: impl FnOnce(Refused) -> Fut,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match result {
        Ok(done) => axum::response::Redirect::to(&done).into_response(),
        Err(e) => match Refused::of_decision(e, l, typed) {
            Ok((status, refused)) => {
                let mut r = view(refused).await;
                *r.status_mut() = status;
                r
            }
            Err(e) => crate::layout::error_page_for(st, l, uri, Some(a), e),
        },
    }
}
