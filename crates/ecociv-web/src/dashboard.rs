//! Dashboards for leaders (signed in): the zone at a glance (indicator status by domain,
//! projections, what is off track and whose it is, the phases and days to the review) and the
//! project portfolio (budget against investment completed by domain, region and implementer,
//! progress, late reporters). Charts are ECharts (vendored, `assets/vendor`), each with its data
//! as a table beside it and a CSV download; the option JSON is built here.

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ecociv_core::Locale;
use ecociv_core::indicator_status::LeafStanding;
use ecociv_core::model::{Domain, OrgKind, Plan};
use ecociv_core::projection::ProjectionStatus;
use ecociv_core::rule::Status;
use rust_decimal::Decimal;
use serde_json::json;

use crate::auth::Authed;
use crate::i18n::{Lang, t};
use crate::layout::{Layout, error_page_for, render};
use crate::state::AppState;
use ecociv_app::entries;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(glance))
        .route("/dashboard/projects", get(portfolio))
        .route("/assets/vendor/echarts-6.1.0.min.js", get(echarts))
        .route("/assets/charts.js", get(charts_js))
}

/// The pinned ECharts build.
pub const ECHARTS: &[u8] = include_bytes!("../assets/vendor/echarts-6.1.0.min.js");

fn script(body: &'static [u8]) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    r
}

async fn echarts() -> Response {
    script(ECHARTS)
}

async fn charts_js() -> Response {
    script(include_bytes!("../assets/charts.js"))
}

/// A chart: its ECharts option and its data as rows for the table and the download.
pub struct Chart {
    pub id: String,
    pub title: String,
    pub option: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Groups that share projects (regions, implementers): the zone's budget and investment
    /// with each project counted once, shown under the table with a note.
    pub zone_total: Option<(Decimal, Decimal)>,
}

/// One group's investment so far by source (万元).
struct FundingRow {
    group: String,
    fiscal: String,
    financial: String,
    social: String,
    /// Invested without a split by source (reports that gave none, the opening cumulative).
    unsplit: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct GlancePage {
    l: Layout,
    standing: String,
    charts: Vec<Chart>,
    watch: Vec<LeafStanding>,
    /// The rectification tasks by standing, and the overdue ones.
    rectifications: Vec<(ecociv_core::rectification::Standing, usize)>,
    rectifications_overdue: Vec<ecociv_core::rectification::Rectification>,
    /// Supervision orders overdue today.
    orders_overdue: usize,
}

async fn glance(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let standings = match ecociv_app::standings::approved_standings(&st, &plan, l, ecociv_core::projection::Method::Cagr).await {
        Ok(s) => s,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let vetoes = match st.store.vetoes(&plan.zone.code).await {
        Ok(v) => v,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let statuses = [Status::Met, Status::NotMet, Status::NoData, Status::TargetNotSet];
    let domains: Vec<&str> = Domain::ALL.iter().map(|d| d.name(l)).collect();
    let count = |d: Domain, s: Status| standings.iter().filter(|x| plan.indicator(&x.indicator).is_some_and(|i| i.domain == d) && x.latest == s).count();
    let series: Vec<serde_json::Value> = statuses
        .iter()
        .map(|s| json!({"name": s.label(l), "type": "bar", "stack": "all", "data": Domain::ALL.iter().map(|d| count(*d, *s)).collect::<Vec<_>>()}))
        .collect();
    let by_domain = Chart {
        id: "by-domain".into(),
        title: t(l, "dash.by_domain").into(),
        option: json!({"tooltip": {"trigger": "axis"}, "legend": {}, "xAxis": {"type": "category", "data": domains}, "yAxis": {"type": "value", "minInterval": 1}, "series": series}).to_string(),
        head: std::iter::once(t(l, "col.domain").to_string()).chain(statuses.iter().map(|s| s.label(l).to_string())).collect(),
        rows: Domain::ALL.iter().map(|d| std::iter::once(d.name(l).to_string()).chain(statuses.iter().map(|s| count(*d, *s).to_string())).collect()).collect(),
        zone_total: None,
    };
    let kinds =
        [ProjectionStatus::Achieved, ProjectionStatus::OnTrack, ProjectionStatus::AtRisk, ProjectionStatus::OffTrack, ProjectionStatus::InsufficientData];
    let pcount = |k: ProjectionStatus| standings.iter().filter(|x| x.projection.status == k).count();
    let after_deadline = standings.iter().any(|x| x.projection.final_status.is_some());
    let klabel = |k: &ProjectionStatus| if after_deadline { k.label_after_deadline(l) } else { k.label(l) };
    let projections = Chart {
        id: "projections".into(),
        title: t(l, "dash.projections").into(),
        option: json!({"tooltip": {}, "series": [{"type": "pie", "radius": ["40%", "70%"], "data": kinds.iter().map(|k| json!({"name": klabel(k), "value": pcount(*k)})).collect::<Vec<_>>()}]}).to_string(),
        head: vec![t(l, "public.projection").into(), t(l, "dash.count").into()],
        rows: kinds.iter().map(|k| vec![klabel(k).to_string(), pcount(*k).to_string()]).collect(),
        zone_total: None,
    };
    let watch: Vec<LeafStanding> = standings.iter().filter(|x| x.projection.needs_attention()).cloned().collect();
    let today = st.today();
    let (rects, orders) = match (st.store.rectifications(&plan.zone.code).await, st.store.orders(&plan.zone.code).await) {
        (Ok(r), Ok(o)) => (r, o),
        (Err(e), _) | (_, Err(e)) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let rectifications = ecociv_core::rectification::counts(&rects, today).to_vec();
    let rectifications_overdue = rects.into_iter().filter(|r| r.standing(today) == ecociv_core::rectification::Standing::Overdue).collect();
    let page = GlancePage {
        l: Layout::new(&st, l, &uri, Some(&plan), &crate::state::ZoneQuery::default()).with(crate::auth::MaybeAuthed(Some(a))).with_vetoes(vetoes),
        standing: crate::plan::standing_text(&plan, today, crate::plan::closes_on(&st, &plan).await, l),
        charts: vec![by_domain, projections, timeline(&plan, today, l)],
        watch,
        rectifications,
        rectifications_overdue,
        orders_overdue: orders.iter().filter(|o| o.overdue(today)).count(),
    };
    render(&page)
}

/// The series of a leaf: approved values, the target line and the projection to the deadline.
pub fn series_chart(s: &LeafStanding, target: Option<Decimal>, l: Locale) -> Chart {
    let numeric: Vec<(i32, String)> = s.years.iter().filter(|y| y.value.parse::<Decimal>().is_ok()).map(|y| (y.year, y.value.clone())).collect();
    let mut series =
        vec![json!({"name": t(l, "public.values"), "type": "line", "data": numeric.iter().map(|(y, v)| json!([y.to_string(), v])).collect::<Vec<_>>(),
        "markLine": target.map(|t| json!({"symbol": "none", "label": {"formatter": format!("{} {t}", s.target)}, "data": [{"yAxis": t.to_string()}]}))})];
    if let (Some(p), Some((cy, cv))) = (s.projection.projected, numeric.last()) {
        series.push(json!({"name": t(l, "public.projection"), "type": "line", "lineStyle": {"type": "dashed"},
            "data": [[cy.to_string(), cv], [s.projection.deadline.to_string(), p.to_string()]]}));
    }
    Chart {
        id: format!("series-{}", s.code.replace('.', "-")),
        title: format!("{} {}", s.code, s.name),
        option: json!({"tooltip": {"trigger": "axis"}, "legend": {}, "xAxis": {"type": "category", "boundaryGap": false}, "yAxis": {"type": "value", "name": s.unit, "scale": true}, "series": series}).to_string(),
        head: vec![t(l, "obs.year").into(), t(l, "obs.value").into(), t(l, "todo.state").into()],
        rows: s.years.iter().map(|y| vec![y.year.to_string(), y.value.clone(), y.status.label(l).to_string()]).collect(),
        zone_total: None,
    }
}

fn timeline(plan: &Plan, today: chrono::NaiveDate, l: Locale) -> Chart {
    let names: Vec<String> = plan.phases.iter().map(|p| l.pick(&p.name, &p.name_en).to_string()).collect();
    let bars: Vec<serde_json::Value> =
        plan.phases.iter().map(|p| json!([{"name": l.pick(&p.name, &p.name_en), "xAxis": p.start.to_string()}, {"xAxis": p.end.to_string()}])).collect();
    let milestones: Vec<serde_json::Value> = plan
        .phases
        .iter()
        .flat_map(|p| p.milestones.iter().map(move |m| (p, m)))
        .map(|(p, m)| json!({"name": l.pick(&m.text, &m.text_en), "value": [m.due.to_string(), l.pick(&p.name, &p.name_en)]}))
        .collect();
    Chart {
        id: "timeline".into(),
        title: t(l, "overview.phases").into(),
        option: json!({
            "tooltip": {},
            "xAxis": {"type": "time"},
            "yAxis": {"type": "category", "data": names},
            "series": [
                {"type": "scatter", "name": t(l, "milestone.due_on"), "data": milestones, "symbolSize": 10},
                {"type": "line", "name": t(l, "today"), "data": [],
                 "markLine": {"symbol": "none", "data": [{"xAxis": today.to_string()}]},
                 "markArea": {"itemStyle": {"opacity": 0.15}, "data": bars}}
            ]
        })
        .to_string(),
        head: vec![t(l, "overview.phases").into(), t(l, "dash.start").into(), t(l, "dash.end").into()],
        rows: plan.phases.iter().map(|p| vec![l.pick(&p.name, &p.name_en).to_string(), p.start.to_string(), p.end.to_string()]).collect(),
        zone_total: None,
    }
}

#[derive(Template)]
#[template(path = "portfolio.html")]
struct PortfolioPage {
    l: Layout,
    charts: Vec<Chart>,
    late: Vec<(u32, String, Vec<String>, String)>,
    /// The investment so far by source: a table per grouping.
    funding: Vec<(&'static str, Vec<FundingRow>)>,
    month: String,
}

fn yi(wan: Decimal) -> Decimal {
    (wan / Decimal::from(10_000)).round_dp(4).normalize()
}

async fn portfolio(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let month = ecociv_core::dispatch::latest_month(&plan, st.today());
    let reports = match ecociv_app::standings::project_reports(&st, &plan, month).await {
        Ok(r) => r,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    // the latest report of each project that was not sent back
    let latest = &reports.latest;
    let invested = |n: u32| latest.get(&n).and_then(|r| r.investment_cumulative_wan.parse::<Decimal>().ok()).map(yi).unwrap_or_default();
    // a project with several regions or implementers counts in full under each of them; the
    // zone total counts it once
    let zone_budget: Decimal = plan.projects.iter().filter_map(|p| p.budget.as_ref().map(|b| b.yi)).sum();
    let zone_invested: Decimal = plan.projects.iter().map(|p| invested(p.number)).sum();
    let vetoes = match st.store.vetoes(&plan.zone.code).await {
        Ok(v) => v,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let group_chart = |id: &str, title: &str, groups: Vec<(String, Vec<u32>)>, shared: bool| -> Chart {
        let budget: Vec<Decimal> = groups.iter().map(|(_, ps)| ps.iter().filter_map(|n| plan.project(*n)?.budget.as_ref().map(|b| b.yi)).sum()).collect();
        let done: Vec<Decimal> = groups.iter().map(|(_, ps)| ps.iter().map(|n| invested(*n)).sum()).collect();
        let names: Vec<String> = groups.iter().map(|(n, _)| n.clone()).collect();
        Chart {
            id: id.into(),
            title: title.into(),
            option: json!({
                "tooltip": {"trigger": "axis"},
                "legend": {},
                "grid": {"containLabel": true},
                "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 30}},
                "yAxis": {"type": "value", "name": t(l, "col.budget")},
                "series": [
                    {"name": t(l, "dash.budget"), "type": "bar", "data": budget.iter().map(|d| d.to_string()).collect::<Vec<_>>()},
                    {"name": t(l, "dash.invested"), "type": "bar", "data": done.iter().map(|d| d.to_string()).collect::<Vec<_>>()}
                ]
            })
            .to_string(),
            head: vec![t(l, "assess.unit").into(), t(l, "dash.budget").into(), t(l, "dash.invested").into()],
            rows: names.iter().zip(budget.iter().zip(done.iter())).map(|(n, (b, d))| vec![n.clone(), b.to_string(), d.to_string()]).collect(),
            zone_total: shared.then_some((zone_budget, zone_invested)),
        }
    };
    let by_domain: Vec<(String, Vec<u32>)> =
        Domain::ALL.iter().map(|d| (d.name(l).to_string(), plan.projects.iter().filter(|p| p.domain == *d).map(|p| p.number).collect())).collect();
    let by_region: Vec<(String, Vec<u32>)> = plan
        .org_units
        .iter()
        .filter(|o| o.kind == OrgKind::Region)
        .map(|o| {
            (
                l.pick(&o.name, &o.name_en).to_string(),
                plan.projects.iter().filter(|p| ecociv_core::access::regions_of(&plan, p).contains(&o.name.as_str())).map(|p| p.number).collect(),
            )
        })
        .collect();
    let mut implementers: Vec<String> = plan.projects.iter().flat_map(|p| p.implementers.clone()).collect();
    implementers.sort();
    implementers.dedup();
    let by_implementer: Vec<(String, Vec<u32>)> = implementers
        .iter()
        .map(|i| {
            (
                plan.org_unit(i).map(|o| l.pick(&o.name, &o.name_en).to_string()).unwrap_or_else(|| i.clone()),
                plan.projects.iter().filter(|p| p.implementers.contains(i)).map(|p| p.number).collect(),
            )
        })
        .collect();
    let progress_bins = ["0", "1–49", "50–99", "100"];
    let bin = |n: u32| -> usize {
        let p = latest.get(&n).and_then(|r| r.progress_percent.parse::<Decimal>().ok()).unwrap_or_default();
        if p.is_zero() {
            0
        } else if p < Decimal::from(50) {
            1
        } else if p < Decimal::ONE_HUNDRED {
            2
        } else {
            3
        }
    };
    let counts: Vec<usize> = (0..4).map(|b| plan.projects.iter().filter(|p| bin(p.number) == b).count()).collect();
    let progress = Chart {
        id: "progress".into(),
        title: t(l, "dash.progress").into(),
        option: json!({"tooltip": {}, "xAxis": {"type": "category", "data": progress_bins}, "yAxis": {"type": "value", "minInterval": 1}, "series": [{"type": "bar", "data": counts}]}).to_string(),
        head: vec![t(l, "report.progress_percent").into(), t(l, "dash.count").into()],
        rows: progress_bins.iter().zip(counts.iter()).map(|(b, c)| vec![format!("{b}%"), c.to_string()]).collect(),
        zone_total: None,
    };
    // the projects not reported on time, as the month's bulletin counts them
    let bulletin = match ecociv_app::bulletin::bulletin(&st, &plan, month).await {
        Ok(b) => b,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let late: Vec<(u32, String, Vec<String>, String)> = bulletin
        .late
        .iter()
        .filter(|x| x.3 != ecociv_core::dispatch::Reporting::NotYetDue)
        .map(|(n, name, who, how)| (*n, name.clone(), who.clone(), t(l, how.key()).to_string()))
        .collect();
    // the investment so far by source, by domain, region and implementer (万元): what the
    // reports split, and the rest of the cumulative investment, which they did not
    let funding_of = |groups: &[(String, Vec<u32>)]| -> Vec<FundingRow> {
        groups
            .iter()
            .map(|(name, ps)| {
                let f: ecociv_core::entry::Funding = ps.iter().filter_map(|n| reports.funding.get(n).copied()).sum();
                let invested: Decimal = ps.iter().filter_map(|n| latest.get(n)?.investment_cumulative_wan.parse::<Decimal>().ok()).sum();
                let show = |d: Decimal| d.normalize().to_string();
                FundingRow {
                    group: name.clone(),
                    fiscal: show(f.funding_fiscal),
                    financial: show(f.funding_financial),
                    social: show(f.funding_social),
                    unsplit: show((invested - f.total()).max(Decimal::ZERO)),
                }
            })
            .collect()
    };
    let funding = vec![
        (t(l, "dash.funding_by_domain"), funding_of(&by_domain)),
        (t(l, "dash.funding_by_region"), funding_of(&by_region)),
        (t(l, "dash.funding_by_implementer"), funding_of(&by_implementer)),
    ];
    let page = PortfolioPage {
        funding,
        l: Layout::new(&st, l, &uri, Some(&plan), &crate::state::ZoneQuery::default()).with(crate::auth::MaybeAuthed(Some(a))).with_vetoes(vetoes),
        charts: vec![
            group_chart("by-domain", t(l, "dash.by_domain_budget"), by_domain.clone(), false),
            group_chart("by-region", t(l, "dash.by_region"), by_region.clone(), true),
            group_chart("by-implementer", t(l, "dash.by_implementer"), by_implementer.clone(), true),
            progress,
        ],
        late,
        month: month.to_string(),
    };
    render(&page)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_vendored_echarts_is_the_pinned_build() {
        use sha2::Digest;
        let sha = format!("{:x}", sha2::Sha256::digest(super::ECHARTS));
        assert_eq!(sha, "b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0", "assets/vendor/README.md pins this build");
    }
}
