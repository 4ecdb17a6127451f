//! The HTML pages (read-only for now): the plan overview with where the plan stands by the
//! clock, indicators by domain and category, an indicator's page with the tasks and projects
//! that serve it, tasks, projects with filters and budget totals, and the data-quality
//! findings. zh-CN by default; `/lang/{tag}` switches and remembers the language.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use ecociv_core::Locale;
use ecociv_core::audit::{Finding, Severity};
use ecociv_core::clock::{MilestoneState, Standing};
use ecociv_core::model::*;
use serde::Deserialize;

use crate::api::ProjectQuery;
use crate::auth::MaybeAuthed;
use crate::error::WebError;
use crate::extract::{P, Q};
use crate::i18n::{Lang, t, tf};
use crate::{AppState, ZoneQuery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview))
        .route("/indicators", get(indicators))
        .route("/indicators/{code}", get(indicator))
        .route("/tasks", get(tasks))
        .route("/tasks/{number}", get(task))
        .route("/projects", get(projects))
        .route("/projects/{number}", get(project))
        .route("/findings", get(findings))
        .route("/lang/{tag}", get(switch_language))
}

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
    pub session: Option<crate::pages_loop::Session>,
    /// The zone's recorded veto conditions, shown as a banner above everything (signed-in pages
    /// that set them; never the public ones).
    pub vetoes: Vec<ecociv_core::record::VetoRecord>,
}

impl Layout {
    pub(crate) fn new(st: &AppState, l: Locale, uri: &OriginalUri, plan: Option<&Plan>, zone: &ZoneQuery) -> Layout {
        let names_en = plan.map(|p| p.org_units.iter().map(|o| (o.name.clone(), o.name_en.clone())).collect()).unwrap_or_default();
        Layout {
            locale: l,
            path: uri.0.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into()),
            zone_name: plan.map(|p| if l == Locale::En { p.zone.name_en.clone() } else { p.zone.name.clone() }).unwrap_or_default(),
            today: st.today(),
            zone_q: zone.zone.as_ref().map(|z| format!("?zone={z}")).unwrap_or_default(),
            names_en,
            session: None,
            vetoes: Vec::new(),
        }
    }
    /// Shows the signed-in user in the header.
    pub(crate) fn with(mut self, m: MaybeAuthed) -> Layout {
        self.session = m.0.as_ref().map(crate::pages_loop::Session::of);
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
    /// A 0–1 share as a percentage with one decimal.
    pub fn percent(&self, share: &rust_decimal::Decimal) -> String {
        (share * rust_decimal::Decimal::ONE_HUNDRED).round_dp(1).normalize().to_string()
    }
    pub fn loc(&self) -> Locale {
        self.locale
    }
    pub fn en(&self) -> bool {
        self.locale == Locale::En
    }
    pub fn lang_tag(&self) -> &'static str {
        self.locale.tag()
    }
    /// The link that switches to the other language and comes back here.
    pub fn switch_href(&self) -> String {
        let other = if self.en() { "zh-CN" } else { "en" };
        format!("/lang/{other}?back={}", encode(&self.path))
    }
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.locale.pick(zh, en)
    }
    /// An org unit's name in the page's language; a list joined with "、" ("A、B") is translated
    /// name by name.
    pub fn org(&self, name: &str) -> String {
        if !self.en() {
            return name.to_string();
        }
        if let Some(en) = self.names_en.get(name) {
            return en.clone();
        }
        if name.contains('、') {
            return name.split('、').map(|n| self.names_en.get(n).cloned().unwrap_or_else(|| n.to_string())).collect::<Vec<_>>().join("; ");
        }
        name.to_string()
    }
    pub fn orgs(&self, names: &[String]) -> String {
        if names.is_empty() {
            return "—".into();
        }
        names.iter().map(|n| self.org(n)).collect::<Vec<_>>().join(if self.en() { "; " } else { "、" })
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
struct ErrorPage {
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

pub(crate) fn error_page_for(st: &AppState, l: Locale, uri: &OriginalUri, a: Option<&crate::auth::Authed>, e: impl Into<WebError>) -> Response {
    let e = e.into().in_locale(l);
    let fields = e.field_messages().into_iter().collect();
    let plan = a.and_then(|a| st.cached_plan(&a.actor.zone));
    let mut lay = Layout::new(st, l, uri, plan.as_deref(), &ZoneQuery::default());
    lay.session = a.map(crate::pages_loop::Session::of);
    let page = ErrorPage { l: lay, message: e.message(), fields };
    (e.status, render(&page)).into_response()
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
            Err(e) => return error_page(&$st, $l, &$uri, e),
        }
    };
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// A path on this site: starts with one `/`, no backslash, no control characters (browsers
/// read `/\\host` and `/<tab>/host` as another host).
pub fn is_local_path(p: &str) -> bool {
    p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && !p.chars().any(char::is_control) && !p[1..].trim_start().starts_with('/')
}

/// Sets the `lang` cookie and goes back to the page (only paths on this site).
async fn switch_language(P(tag): P<String>, Q(b): Q<Back>) -> Response {
    let l = Locale::parse(&tag).unwrap_or_default();
    let back = b.back.filter(|p| is_local_path(p)).unwrap_or_else(|| "/".into());
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(header::LOCATION, HeaderValue::from_str(&back).unwrap_or(HeaderValue::from_static("/")));
    let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly", l.tag());
    r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("ascii cookie"));
    r
}

// ---------- overview ----------

struct PhaseView {
    name: String,
    start: NaiveDate,
    end: NaiveDate,
    state: &'static str,
    class: &'static str,
    milestones: Vec<(String, NaiveDate, &'static str, &'static str)>,
}

struct DomainRow {
    name: &'static str,
    indicators: usize,
    tasks: usize,
    projects: usize,
    total: BudgetTotal,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    l: Layout,
    plan: Plan,
    standing: String,
    ended: bool,
    phases: Vec<PhaseView>,
    domains: Vec<DomainRow>,
    total: BudgetTotal,
    leaves: String,
    warnings: usize,
}

pub(crate) fn standing_text(plan: &Plan, today: NaiveDate, l: Locale) -> String {
    match plan.standing(today) {
        Standing::NotStarted { days_to_start, days_to_review } => {
            tf(l, "standing.not_started", &[("days", days_to_start.to_string()), ("review", days_to_review.to_string())])
        }
        Standing::InPhase { phase, day_of_phase, days_in_phase, days_to_review } => {
            let name = plan.phases.iter().find(|p| p.number == phase).map(|p| l.pick(&p.name, &p.name_en).to_string()).unwrap_or_default();
            let mut s = tf(
                l,
                "standing.in_phase",
                &[
                    ("phase", phase.to_string()),
                    ("name", name),
                    ("day", day_of_phase.to_string()),
                    ("total", days_in_phase.to_string()),
                    ("review", days_to_review.max(0).to_string()),
                ],
            );
            if days_to_review == 0 {
                s = format!("{s} · {}", t(l, "standing.review_day"));
            } else if days_to_review < 0 {
                s = format!("{s} · {}", tf(l, "standing.review_passed_days", &[("days", (-days_to_review).to_string())]));
            }
            s
        }
        Standing::BetweenPhases { days_to_review, .. } => tf(l, "standing.between", &[("review", days_to_review.to_string())]),
        Standing::Ended { days_since_end } => tf(l, "standing.ended", &[("end", plan.end_date().to_string()), ("days", days_since_end.to_string())]),
    }
}

async fn overview(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, Q(zq): Q<ZoneQuery>) -> Response {
    let plan = plan_or_page!(st, l, uri, zq);
    let today = st.today();
    let phases = plan
        .phases
        .iter()
        .map(|p| {
            let (state, class) = if today > p.end {
                (t(l, "phase.done"), "done")
            } else if today >= p.start {
                (t(l, "phase.current"), "current")
            } else {
                (t(l, "phase.ahead"), "ahead")
            };
            PhaseView {
                name: l.pick(&p.name, &p.name_en).to_string(),
                start: p.start,
                end: p.end,
                state,
                class,
                milestones: p
                    .milestones
                    .iter()
                    .map(|m| {
                        let (s, c) = match m.state(today) {
                            MilestoneState::Due => (t(l, "milestone.due"), "done"),
                            MilestoneState::Upcoming => (t(l, "milestone.upcoming"), "ahead"),
                        };
                        (l.pick(&m.text, &m.text_en).to_string(), m.due, s, c)
                    })
                    .collect(),
            }
        })
        .collect();
    let domains = Domain::ALL
        .iter()
        .map(|d| DomainRow {
            name: d.name(l),
            indicators: plan.indicators.iter().filter(|i| i.domain == *d).count(),
            tasks: plan.tasks.iter().filter(|t| t.indicators.iter().any(|c| plan.indicator_of(c).is_some_and(|i| i.domain == *d))).count(),
            projects: plan.projects.iter().filter(|p| p.domain == *d).count(),
            total: Plan::budget_total(plan.projects.iter().filter(|p| p.domain == *d)),
        })
        .collect();
    let page = OverviewPage {
        l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m),
        standing: standing_text(&plan, today, l),
        ended: matches!(plan.standing(today), Standing::Ended { .. }),
        phases,
        domains,
        total: Plan::budget_total(&plan.projects),
        leaves: tf(l, "overview.leaves", &[("n", plan.leaves().len().to_string())]),
        warnings: plan.findings.iter().filter(|f| f.severity == Severity::Warning).count(),
        plan,
    };
    render(&page)
}

// ---------- indicators ----------

struct CategoryGroup {
    label: String,
    name: String,
    indicators: Vec<Indicator>,
}

struct DomainGroup {
    name: &'static str,
    categories: Vec<CategoryGroup>,
}

#[derive(Template)]
#[template(path = "indicators.html")]
struct IndicatorsPage {
    l: Layout,
    groups: Vec<DomainGroup>,
    count: usize,
}

async fn indicators(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, Q(zq): Q<ZoneQuery>) -> Response {
    let plan = plan_or_page!(st, l, uri, zq);
    let groups = Domain::ALL
        .iter()
        .map(|d| DomainGroup {
            name: d.name(l),
            categories: plan
                .categories
                .iter()
                .filter(|c| c.domain == *d)
                .map(|c| CategoryGroup {
                    label: c.label.clone(),
                    name: l.pick(&c.name, &c.name_en).to_string(),
                    indicators: plan.indicators.iter().filter(|i| i.category == c.number).cloned().collect(),
                })
                .collect(),
        })
        .collect();
    render(&IndicatorsPage { l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m), groups, count: plan.indicators.len() })
}

#[derive(Template)]
#[template(path = "indicator.html")]
struct IndicatorPage {
    l: Layout,
    ind: Indicator,
    category: String,
    charts: Vec<crate::dashboard::Chart>,
    standings: Vec<ecociv_core::indicator_status::LeafStanding>,
    /// The note on how the projections were made, naming the method in use (or, after the
    /// deadline, that the result replaces them).
    projection_note: &'static str,
    /// After the deadline: the result at the deadline, no projection.
    after_deadline: bool,
    tasks: Vec<Task>,
    projects: Vec<Project>,
    findings: Vec<Finding>,
}

async fn indicator(
    State(st): State<AppState>,
    Lang(l): Lang,
    uri: OriginalUri,
    m: MaybeAuthed,
    P(code): P<String>,
    Q(sq): Q<crate::public::StandingQuery>,
) -> Response {
    let zq = ZoneQuery { zone: sq.zone.clone() };
    let plan = plan_or_page!(st, l, uri, zq);
    let Some(ind) = plan.indicator_of(&code).filter(|i| i.code == code || i.sub_indicators.iter().any(|s| s.code == code)) else {
        return error_page(&st, l, &uri, WebError::not_found("unknown_indicator").field("code", &code));
    };
    let category = plan.category(ind.category).map(|c| format!("{}{}", c.label, l.pick(&c.name, &c.name_en))).unwrap_or_default();
    // the approved values of its leaves (the page is public)
    let method = sq.method.unwrap_or_default();
    let projection_note = match method {
        ecociv_core::projection::Method::Cagr => t(l, "indicator.projection_note"),
        ecociv_core::projection::Method::Linear => t(l, "indicator.projection_note_linear"),
    };
    let standings: Vec<_> = match ecociv_app::standings::approved_standings(&st, &plan, l, method).await {
        Ok(all) => all.into_iter().filter(|s| s.indicator == ind.code).collect(),
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let after_deadline = standings.iter().any(|s| s.projection.final_status.is_some());
    let projection_note = if after_deadline { t(l, "indicator.final_note") } else { projection_note };
    let charts = standings
        .iter()
        .filter(|s| s.years.iter().any(|y| y.value.parse::<rust_decimal::Decimal>().is_ok()))
        .map(|s| crate::dashboard::series_chart(s, s.projection.target, l))
        .collect();
    let page = IndicatorPage {
        charts,
        standings,
        projection_note,
        after_deadline,
        l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m),
        category,
        tasks: plan.tasks_for(&ind.code).into_iter().cloned().collect(),
        projects: plan.projects_for(&ind.code).into_iter().cloned().collect(),
        findings: plan.findings.iter().filter(|f| f.place.table == "indicators" && f.place.row == ind.code).cloned().collect(),
        ind: ind.clone(),
    };
    render(&page)
}

// ---------- tasks ----------

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    l: Layout,
    sections: Vec<(&'static str, Vec<Task>)>,
}

async fn tasks(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, Q(zq): Q<ZoneQuery>) -> Response {
    let plan = plan_or_page!(st, l, uri, zq);
    let sections = [(1, "tasks.section1"), (2, "tasks.section2")]
        .into_iter()
        .map(|(n, key)| (t(l, key), plan.tasks.iter().filter(|t| t.section == n).cloned().collect()))
        .collect();
    render(&TasksPage { l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m), sections })
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    l: Layout,
    task: Task,
    indicators: Vec<(String, String)>,
    findings: Vec<Finding>,
}

async fn task(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, P(number): P<String>, Q(zq): Q<ZoneQuery>) -> Response {
    let plan = plan_or_page!(st, l, uri, zq);
    let Some(task) = number.parse().ok().and_then(|n| plan.task(n)).cloned() else {
        return error_page(&st, l, &uri, WebError::not_found("unknown_task").field("number", &number));
    };
    let indicators = task.indicators.iter().map(|c| (c.clone(), plan.leaf_name(c, l))).collect();
    let findings = plan.findings.iter().filter(|f| f.place.table == "tasks" && f.place.row == task.number.to_string()).cloned().collect();
    render(&TaskPage { l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m), task, indicators, findings })
}

/// The name of an indicator or sub-indicator code in locale `l` (English where the plan has it).

// ---------- projects ----------

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    l: Layout,
    projects: Vec<Project>,
    total: BudgetTotal,
    domains: Vec<(&'static str, &'static str)>,
    implementers: Vec<(String, String)>,
    indicators: Vec<(String, String)>,
    years: Vec<i32>,
    sel_domain: String,
    sel_implementer: String,
    sel_indicator: String,
    sel_year: String,
    zone: String,
}

async fn projects(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, Q(q): Q<ProjectQuery>) -> Response {
    let zq = ZoneQuery { zone: q.zone.clone() };
    let plan = plan_or_page!(st, l, uri, zq);
    let filter = match q.filter(&plan) {
        Ok(f) => f,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let list: Vec<Project> = plan.filter_projects(&filter).into_iter().cloned().collect();
    let layout = Layout::new(&st, l, &uri, Some(&plan), &zq).with(m);
    let mut implementers: Vec<(String, String)> = Vec::new();
    for p in &plan.projects {
        for o in &p.implementers {
            if !implementers.iter().any(|(n, _)| n == o) {
                implementers.push((o.clone(), layout.org(o)));
            }
        }
    }
    let indicators = plan.leaves().iter().map(|x| (x.code.to_string(), format!("{} {}", x.code, plan.leaf_name(x.code, l)))).collect();
    let page = ProjectsPage {
        total: Plan::budget_total(&list),
        projects: list,
        domains: Domain::ALL.iter().map(|d| (d.code(), d.name(l))).collect(),
        implementers,
        indicators,
        years: (plan.start_year - 2..=plan.end_year).collect(),
        sel_domain: filter.domain.map(|d| d.code().to_string()).unwrap_or_default(),
        sel_implementer: filter.implementer.unwrap_or_default(),
        sel_indicator: filter.indicator.unwrap_or_default(),
        sel_year: filter.year.map(|y| y.to_string()).unwrap_or_default(),
        zone: q.zone.unwrap_or_default(),
        l: layout,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    l: Layout,
    p: Project,
    indicators: Vec<(String, String)>,
    findings: Vec<Finding>,
}

async fn project(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, P(number): P<String>, Q(zq): Q<ZoneQuery>) -> Response {
    let plan = plan_or_page!(st, l, uri, zq);
    let Some(p) = number.parse().ok().and_then(|n| plan.project(n)).cloned() else {
        return error_page(&st, l, &uri, WebError::not_found("unknown_project").field("number", &number));
    };
    let indicators = p.assessed_indicators.iter().map(|c| (c.clone(), plan.leaf_name(c, l))).collect();
    let findings = plan.findings.iter().filter(|f| f.place.table == "projects" && f.place.row == p.number.to_string()).cloned().collect();
    render(&ProjectPage { l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m), p, indicators, findings })
}

// ---------- findings ----------

#[derive(Template)]
#[template(path = "findings.html")]
struct FindingsPage {
    l: Layout,
    findings: Vec<Finding>,
    count: String,
}

async fn findings(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, Q(zq): Q<ZoneQuery>) -> Response {
    let plan = plan_or_page!(st, l, uri, zq);
    let count = tf(l, "findings.count", &[("n", plan.findings.len().to_string())]);
    render(&FindingsPage { l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m), findings: plan.findings, count })
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
