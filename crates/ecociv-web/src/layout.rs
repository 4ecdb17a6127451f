//! What every answer shares: the [`Layout`] around each page (language, zone, the signed-in
//! [`Session`], the veto banner), rendering a template, errors as pages in the request's
//! language (or as JSON for scripts that download), the language switch, and the labels of
//! entry kinds and states that several pages show.

use crate::auth::{Authed, MaybeAuthed};
use crate::error::WebError;
use crate::i18n::{Lang, t};
use crate::state::{AppState, ZoneQuery};
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use ecociv_core::Locale;
use ecociv_core::access::Role;
use ecociv_core::audit::{Finding, Severity};
use ecociv_core::model::{Plan, *};
use ecociv_core::record::EntryState;
use std::collections::HashMap;

/// What every page shows around its content.
pub struct Layout {
    pub locale: Locale,
    pub path: String,
    pub zone_name: String,
    pub today: NaiveDate,
    /// `?zone=…` to keep on links, or empty.
    pub zone_q: String,
    names_en: HashMap<String, String>,
    /// The signed-in user, if any.
    pub session: Option<crate::layout::Session>,
    /// The zone's recorded veto conditions, shown as a banner above everything (signed-in pages
    /// that set them; never the public ones).
    pub vetoes: Vec<ecociv_core::record::VetoRecord>,
    /// The zone's data are examples (a try-out): a banner on every page says so.
    pub example_data: bool,
}

impl Layout {
    pub(crate) fn new(st: &AppState, l: Locale, uri: &OriginalUri, plan: Option<&Plan>, zone: &ZoneQuery) -> Layout {
        let names_en = plan.map(|p| p.org_units.iter().map(|o| (o.name.clone(), o.name_en.clone())).collect()).unwrap_or_default();
        Layout {
            locale: l,
            path: uri.0.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into()),
            zone_name: plan.map(|p| l.pick(&p.zone.name, &p.zone.name_en).to_string()).unwrap_or_default(),
            today: st.today(),
            zone_q: zone.zone.as_ref().map(|z| format!("?zone={z}")).unwrap_or_default(),
            names_en,
            session: None,
            vetoes: Vec::new(),
            example_data: plan.is_some_and(|p| p.zone.example_data),
        }
    }
    /// Shows the signed-in user in the header.
    pub(crate) fn with(mut self, m: MaybeAuthed) -> Layout {
        self.session = m.0.as_ref().map(crate::layout::Session::of);
        self
    }
    /// Shows the zone's veto conditions as a banner at the top of the page.
    pub(crate) fn with_vetoes(mut self, vetoes: Vec<ecociv_core::record::VetoRecord>) -> Layout {
        self.vetoes = vetoes;
        self
    }
    pub fn t(&self, key: &str) -> &'static str {
        t(self.locale, key)
    }
    /// A target's rule in words (its code, when it does not parse).
    pub fn rule_words(&self, target: &ecociv_core::model::Target) -> String {
        target.parse_rule().map(|r| r.in_words(self.locale)).unwrap_or_else(|_| target.rule.clone())
    }
    /// A stored timestamp in Beijing time, to the minute.
    pub fn time(&self, ts: &str) -> String {
        ecociv_core::clock::beijing_minute(ts)
    }
    /// A 0–1 share as a percentage with one decimal.
    pub fn percent(&self, share: &rust_decimal::Decimal) -> String {
        (share * rust_decimal::Decimal::ONE_HUNDRED).round_dp(1).normalize().to_string()
    }
    pub fn loc(&self) -> Locale {
        self.locale
    }
    pub fn lang_tag(&self) -> &'static str {
        self.locale.tag()
    }
    /// The language switch: for each other locale its tag, its name in itself and the link that
    /// switches to it and comes back here.
    pub fn switches(&self) -> Vec<(&'static str, &'static str, String)> {
        let back = encode(&self.path);
        Locale::all().filter(|l| *l != self.locale).map(|l| (l.tag(), l.native_name(), format!("/lang/{}?back={back}", l.tag()))).collect()
    }
    /// One of the two texts of a data field (see [`Locale::pick`]).
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.locale.pick(zh, en)
    }
    /// An org unit's name in the page's language (the plan prints it in Chinese and English:
    /// every locale but zh-CN reads the English one); a list joined with "、" ("A、B") is
    /// translated name by name.
    pub fn org(&self, name: &str) -> String {
        if self.locale == Locale::Zh {
            return name.to_string();
        }
        if let Some(en) = self.names_en.get(name) {
            return en.clone();
        }
        if name.contains('、') {
            return name
                .split('、')
                .map(|n| self.names_en.get(n).cloned().unwrap_or_else(|| n.to_string()))
                .collect::<Vec<_>>()
                .join(self.t("list.name_separator"));
        }
        name.to_string()
    }
    pub fn orgs(&self, names: &[String]) -> String {
        if names.is_empty() {
            return "—".into();
        }
        names.iter().map(|n| self.org(n)).collect::<Vec<_>>().join(self.t("list.name_separator"))
    }
    /// A veto kind (`major_incident`, …) in the page's language; an unknown kind as it is.
    pub fn veto_kind(&self, kind: &str) -> String {
        crate::i18n::t_opt(self.locale, &format!("veto.{kind}")).unwrap_or(kind).to_string()
    }
    pub fn domain(&self, d: &Domain) -> &'static str {
        d.name(self.locale)
    }
    pub fn attribute(&self, a: &Attribute) -> &'static str {
        match a {
            Attribute::Binding => self.t("attribute.binding"),
            Attribute::Reference => self.t("attribute.reference"),
            Attribute::Unknown => self.t("attribute.unknown"),
        }
    }
    pub fn severity(&self, s: &Severity) -> &'static str {
        match s {
            Severity::Info => self.t("severity.info"),
            Severity::Warning => self.t("severity.warning"),
        }
    }
    pub fn finding_title(&self, f: &Finding) -> &'static str {
        f.code.title(self.locale)
    }
    pub fn finding_note<'a>(&self, f: &'a Finding) -> &'a str {
        f.note_in(self.locale)
    }
    pub fn finding_place(&self, f: &Finding) -> String {
        f.place_label(self.locale)
    }
    pub fn period(&self, p: &Period) -> String {
        if p.ongoing {
            return format!("{}（{}）", p.printed, self.t("project.ongoing"));
        }
        match (p.start, p.end) {
            (Some(s), Some(e)) if p.printed.trim().is_empty() => format!("{}（{s}–{e}）", self.t("project.no_period")),
            (Some(s), Some(e)) if s == e => s.to_string(),
            (Some(s), Some(e)) => format!("{s}–{e}"),
            _ if p.printed.trim().is_empty() => self.t("project.no_period").into(),
            _ => p.printed.clone(),
        }
    }
    /// The page of a finding's row, or empty.
    pub fn finding_href(&self, f: &Finding) -> String {
        finding_href(f).map(|h| self.href(&h)).unwrap_or_default()
    }
    /// Keeps the zone on a link.
    pub fn href(&self, path: &str) -> String {
        format!("{path}{}", self.zone_q)
    }
}

/// Percent-encodes a path for a query value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(s) => Html(s).into_response(),
        Err(e) => {
            tracing::error!("template error: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    l: Layout,
    message: String,
    fields: Vec<(String, String)>,
}

/// Renders an error as a page in the request's language.
pub(crate) fn error_page(st: &AppState, l: Locale, uri: &OriginalUri, e: impl Into<WebError>) -> Response {
    error_page_for(st, l, uri, None, e)
}

/// Renders an error as a page for a signed-in user (when there is one): the header shows the
/// user and the title the zone (from the plan cache, as the user's pages loaded it).
/// The error of a download: a page for a browser (it asks for HTML), the JSON error for a script.
pub(crate) fn download_error(st: &AppState, uri: &OriginalUri, headers: &axum::http::HeaderMap, a: &crate::auth::Authed, e: impl Into<WebError>) -> Response {
    let e: WebError = e.into();
    let browser = headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    if browser { error_page_for(st, a.locale, uri, Some(a), e) } else { e.in_locale(a.locale).into_response() }
}

/// The messages of a refused form, each with the field it is about (or the error's own
/// message alone, for a refusal that names no field).
pub(crate) fn form_errors(e: &WebError, l: Locale) -> Vec<(String, String)> {
    if e.checks.is_empty() { vec![(String::new(), e.message())] } else { e.checks.iter().map(|c| (c.field.clone(), c.message(l).to_string())).collect() }
}

/// A refused form's answer: its page again (`page`, with what was typed) with the messages
/// beside the fields (`errors` says where the page keeps them) and the refusal's status; an
/// error while making the page, as an error page.
pub(crate) async fn refused_form<T: Template>(
    st: &AppState,
    l: Locale,
    uri: &OriginalUri,
    a: &crate::auth::Authed,
    e: ecociv_app::AppError,
    page: impl std::future::Future<Output = Result<T, WebError>>,
    errors: impl FnOnce(&mut T) -> &mut Vec<(String, String)>,
) -> Response {
    let e = WebError::from(e).in_locale(l);
    match page.await {
        Ok(mut p) => {
            *errors(&mut p) = form_errors(&e, l);
            (e.status, render(&p)).into_response()
        }
        Err(e2) => error_page_for(st, l, uri, Some(a), e2),
    }
}

pub(crate) fn error_page_for(st: &AppState, l: Locale, uri: &OriginalUri, a: Option<&crate::auth::Authed>, e: impl Into<WebError>) -> Response {
    let e = e.into().in_locale(l);
    // each field by its label, where the locale files name it (`field.label.<code>`)
    let fields = e.field_messages().into_iter().map(|(k, v)| (field_label(l, &k), v)).collect();
    let plan = a.and_then(|a| st.cached_plan(&a.actor.zone));
    let mut lay = Layout::new(st, l, uri, plan.as_deref(), &ZoneQuery::default());
    lay.session = a.map(crate::layout::Session::of);
    let page = ErrorPage { l: lay, message: e.message(), fields };
    let mut r = (e.status, render(&page)).into_response();
    crate::error::retry_after(&mut r);
    r
}

/// A field's label for people (`field.label.<code>` of the locale files), else its code.
pub(crate) fn field_label(l: Locale, code: &str) -> String {
    ecociv_core::locale::t_opt(l, &format!("field.label.{code}")).map(str::to_string).unwrap_or_else(|| code.to_string())
}

/// The fallback for unknown paths: a JSON error under /api, a page elsewhere.
pub async fn not_found(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri) -> Response {
    if uri.0.path().starts_with("/api/") {
        return WebError::not_found("not_found").in_locale(l).into_response();
    }
    error_page(&st, l, &uri, WebError::not_found("not_found"))
}

macro_rules! plan_or_page {
    ($st:expr, $l:expr, $uri:expr, $zone:expr) => {
        match $st.plan($zone.zone.as_deref()).await {
            Ok(p) => p,
            Err(e) => return $crate::layout::error_page(&$st, $l, &$uri, e),
        }
    };
}
pub(crate) use plan_or_page;

/// A path on this site: starts with one `/`, no backslash, no control characters (browsers
/// read `/\\host` and `/<tab>/host` as another host).
pub fn is_local_path(p: &str) -> bool {
    p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && !p.chars().any(char::is_control) && !p[1..].trim_start().starts_with('/')
}

pub(crate) fn kind_label(kind: &str, l: Locale) -> &'static str {
    if kind == "project" { t(l, "col.project") } else { t(l, "col.task") }
}

pub(crate) fn state_label(s: EntryState, l: Locale) -> &'static str {
    match s {
        EntryState::Submitted => t(l, "state.submitted"),
        EntryState::Returned => t(l, "state.returned"),
        EntryState::Approved => t(l, "state.approved"),
    }
}

/// Who is signed in, for the header of every page.
pub struct Session {
    pub name: String,
    pub role: &'static str,
    pub org: String,
    pub csrf: String,
    pub task_force: bool,
}

impl Session {
    pub fn of(a: &Authed) -> Session {
        Session {
            name: a.actor.name.clone(),
            role: a.actor.role.code(),
            org: a.actor.org_unit.clone(),
            csrf: a.csrf.clone(),
            task_force: matches!(a.actor.role, Role::TaskForce | Role::Admin),
        }
    }
}

pub(crate) async fn layout(st: &AppState, l: Locale, uri: &OriginalUri, plan: Option<&Plan>, a: Option<&Authed>) -> Layout {
    let mut lay = Layout::new(st, l, uri, plan, &ZoneQuery::default());
    lay.session = a.map(Session::of);
    lay
}

/// Links from a finding to the page of its row.
pub fn finding_href(f: &Finding) -> Option<String> {
    let row = f.place.row.split('.').next().unwrap_or("");
    match f.place.table.as_str() {
        "indicators" => Some(format!("/indicators/{row}")),
        "tasks" => Some(format!("/tasks/{row}")),
        "projects" => Some(format!("/projects/{row}")),
        _ => None,
    }
}
