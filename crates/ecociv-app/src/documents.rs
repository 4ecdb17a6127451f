//! The documents of the review, for the pages and the command line: the monthly dispatch
//! bulletin, the quarterly assessment report, the annual work report and the annual technical
//! report (`ecociv_report::documents`), as Word or PDF. Each is written from the same
//! computation as its page (the bulletin, the assessment, the approved standings), so the
//! document and the page never disagree. The task force writes each document's masthead: the
//! red header, the number, the signing office, the date and the paragraphs only people write.

use ecociv_core::Locale;
use ecociv_core::entry::ProjectStatus;
use ecociv_core::entry::YearMonth;
use ecociv_core::locale::{t, tf};
use ecociv_core::model::Plan;
use ecociv_core::projection::Method;
use ecociv_core::record::EntryState;
use ecociv_core::scoring::{Quarter, UnitScore};
use ecociv_report::chart;
use ecociv_report::documents::{Masthead, TechnicalReport};
use ecociv_report::official::{OfficialDoc, TEXT_WIDTH};

use crate::App;
use crate::error::AppError;

/// A document and its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    Bulletin(YearMonth),
    Assessment(Quarter),
    Work(i32),
    Technical(i32),
    /// The closing report of the plan that ends in this year.
    Closing(i32),
    /// The yearly self-assessment report of a named zone.
    SelfAssessment(i32),
}

impl Document {
    /// Reads `bulletin` + `2024-05`, `assessment` + `2024Q2`, `work|technical` + `2024`.
    pub fn parse(kind: &str, period: &str) -> Option<Document> {
        match kind {
            "bulletin" => period.parse().ok().map(Document::Bulletin),
            "assessment" => period.parse().ok().map(Document::Assessment),
            "work" => ecociv_core::entry::read_year(period).map(Document::Work),
            "technical" => ecociv_core::entry::read_year(period).map(Document::Technical),
            "closing" => ecociv_core::entry::read_year(period).map(Document::Closing),
            "self_assessment" => ecociv_core::entry::read_year(period).map(Document::SelfAssessment),
            _ => None,
        }
    }
    pub fn kind(self) -> &'static str {
        match self {
            Document::Bulletin(_) => "bulletin",
            Document::Assessment(_) => "assessment",
            Document::Work(_) => "work",
            Document::Technical(_) => "technical",
            Document::Closing(_) => "closing",
            Document::SelfAssessment(_) => "self_assessment",
        }
    }
    pub fn period(self) -> String {
        match self {
            Document::Bulletin(m) => m.to_string(),
            Document::Assessment(q) => q.to_string(),
            Document::Work(y) | Document::Technical(y) | Document::Closing(y) | Document::SelfAssessment(y) => y.to_string(),
        }
    }
    /// Whether `actor` may read it, by the read rules of the API: the bulletin and the
    /// assessment are notices addressed to every unit of the zone (who reported, the scores);
    /// the work and technical reports hold the entries themselves (reports' problems and
    /// progress, every value), so only those who may see every entry read them — the task
    /// force, the administrators and the viewers.
    pub fn may_read(self, actor: &ecociv_core::access::Actor) -> bool {
        use ecociv_core::access::Role;
        match self {
            Document::Bulletin(_) | Document::Assessment(_) => true,
            Document::Work(_) | Document::Technical(_) | Document::Closing(_) | Document::SelfAssessment(_) => {
                matches!(actor.role, Role::Admin | Role::TaskForce | Role::Viewer)
            }
        }
    }

    /// Whether its period has begun by `today` and lies within the plan's data.
    pub fn admissible(self, plan: &Plan, today: chrono::NaiveDate) -> bool {
        let this = YearMonth::of(today);
        match self {
            Document::Bulletin(m) => m <= this && ecociv_core::dispatch::asks(plan, m),
            Document::Assessment(q) => q.months()[0] <= this && q.year >= plan.start_year && q <= crate::assessment::last_quarter(plan),
            Document::Work(y) => (plan.start_year..=this.year).contains(&y),
            Document::Technical(y) => (plan.base_year..=this.year).contains(&y),
            // once the plan has ended
            Document::Closing(y) => y == plan.end_year && this.year > y,
            // a year of the plan, once it is over
            Document::SelfAssessment(y) => (plan.start_year..this.year).contains(&y) && y <= plan.end_year,
        }
    }
}

/// The paragraphs a person writes, by key, for each kind of document.
pub fn text_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "bulletin" | "assessment" => &["requirements"],
        _ => &["assessment", "measures"],
    }
}

/// A masthead as the task force sends it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct MastheadInput {
    #[serde(default)]
    pub header_lines: Vec<String>,
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub issued_on: String,
    /// Paragraphs by key: `assessment` and `measures` (work, technical), `requirements`
    /// (bulletin, assessment).
    #[serde(default)]
    pub texts: std::collections::BTreeMap<String, String>,
}

/// The task force sets the masthead of a document.
pub async fn set_masthead(
    st: &App,
    actor: &ecociv_core::access::Actor,
    kind: &str,
    period: &str,
    input: &MastheadInput,
) -> Result<ecociv_core::record::MastheadRecord, AppError> {
    use ecociv_core::entry::{FieldError, check_text};
    let plan = crate::entries::plan_of(st, actor).await?;
    if !actor.can_approve(&plan) {
        return Err(AppError::forbidden());
    }
    let doc = Document::parse(kind, period).ok_or_else(|| AppError::not_found("not_found").field("document", &format!("{kind}/{period}")))?;
    let mut errs = Vec::new();
    for (field, text) in [("number", &input.number), ("issuer", &input.issuer), ("issued_on", &input.issued_on)] {
        check_text(&mut errs, field, text);
        if text.chars().count() > 200 {
            errs.push(FieldError::keyed(field, "too_long", "field.masthead.too_long"));
        }
    }
    for line in &input.header_lines {
        check_text(&mut errs, "header_lines", line);
    }
    if input.header_lines.len() > 4 || input.header_lines.iter().any(|l| l.chars().count() > 100) {
        errs.push(FieldError::keyed("header_lines", "too_long", "field.masthead.header_lines"));
    }
    let keys = text_keys(doc.kind());
    for (key, text) in &input.texts {
        if !keys.contains(&key.as_str()) {
            errs.push(FieldError::keyed("texts", "unknown_text", "field.masthead.unknown_text").arg("key", key).list("keys", keys));
        }
        check_text(&mut errs, "texts", text);
        if text.chars().count() > 20_000 {
            errs.push(FieldError::keyed("texts", "too_long", "field.masthead.text_too_long"));
        }
    }
    if !errs.is_empty() {
        return Err(AppError::invalid(errs));
    }
    let rec = ecociv_core::record::MastheadRecord {
        zone: plan.zone.code.clone(),
        kind: doc.kind().into(),
        period: doc.period(),
        header_lines: input.header_lines.iter().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect(),
        number: input.number.trim().into(),
        issuer: input.issuer.trim().into(),
        issued_on: input.issued_on.trim().into(),
        texts: input.texts.iter().map(|(k, v)| (k.clone(), v.trim().to_string())).filter(|(_, v)| !v.is_empty()).collect(),
        updated_by: actor.name.clone(),
        updated_at: st.stamp(),
    };
    st.store.set_masthead(&rec, &actor.name).await?;
    Ok(rec)
}

/// The masthead a document is printed with: its own, else the header lines and the signing
/// office of the zone's latest one (they rarely change), with no number, date or texts.
pub async fn masthead_of(st: &App, zone: &str, doc: Document) -> Result<Masthead, AppError> {
    let all = st.store.mastheads(zone).await?;
    let own = all.iter().find(|m| m.kind == doc.kind() && m.period == doc.period());
    Ok(match (own, all.first()) {
        (Some(m), _) => Masthead {
            header: ecociv_report::official::RedHeader { lines: m.header_lines.clone(), number: m.number.clone() },
            issuer: m.issuer.clone(),
            date: m.issued_on.clone(),
            texts: m.texts.clone(),
        },
        (None, Some(latest)) => Masthead {
            header: ecociv_report::official::RedHeader { lines: latest.header_lines.clone(), number: String::new() },
            issuer: latest.issuer.clone(),
            ..Masthead::default()
        },
        (None, None) => Masthead::default(),
    })
}

/// How a document is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Docx,
    Pdf,
}

impl Format {
    pub fn parse(ext: &str) -> Option<Format> {
        match ext {
            "docx" => Some(Format::Docx),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }
    pub fn ext(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
        }
    }
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Format::Pdf => "application/pdf",
        }
    }
}

/// A document of a zone written as Word or PDF (typst, off the async threads).
pub async fn render(st: &App, plan: &Plan, doc: Document, format: Format, l: Locale) -> Result<Vec<u8>, AppError> {
    let d = document(st, plan, doc, l).await?;
    match format {
        Format::Docx => d.docx().map_err(internal),
        Format::Pdf => {
            let font = st.pdf_font.clone();
            tokio::task::spawn_blocking(move || ecociv_report::pdf::pdf(&d, font.as_deref().map(Vec::as_slice))).await.map_err(internal)?.map_err(internal)
        }
    }
}

pub fn title_word(doc: Document, l: Locale) -> &'static str {
    match doc {
        Document::Bulletin(_) => t(l, "reports.bulletin"),
        Document::Assessment(_) => t(l, "reports.assessment"),
        Document::Work(_) => t(l, "reports.work"),
        Document::Technical(_) => t(l, "reports.technical"),
        Document::Closing(_) => t(l, "reports.closing"),
        Document::SelfAssessment(_) => t(l, "reports.self_assessment"),
    }
}

fn internal<E: std::fmt::Display>(e: E) -> AppError {
    AppError::internal(format!("document: {e}"))
}

/// A document of a zone, from the same computation as its page, ending with the head of the
/// zone's audit trail it was made from (read after the data: no later event went into it).
pub async fn document(st: &App, plan: &Plan, doc: Document, l: Locale) -> Result<OfficialDoc, AppError> {
    let mut d = composed(st, plan, doc, l).await?;
    if plan.zone.example_data {
        d.notice_first(t(l, "tryout.document_notice"));
    }
    if let Some((seq, hash)) = st.store.head_of(&plan.zone.code).await? {
        d.provenance(&tf(l, "doc.provenance", &[("zone", plan.zone.code.clone()), ("seq", seq.to_string()), ("hash", hash)]));
    }
    Ok(d)
}

/// The document's own blocks.
async fn composed(st: &App, plan: &Plan, doc: Document, l: Locale) -> Result<OfficialDoc, AppError> {
    let z = &plan.zone.code;
    let masthead = masthead_of(st, z, doc).await?;
    match doc {
        Document::Technical(year) => {
            // the year as it stood when its values were due (or today, before that)
            let settings = crate::entries::settings_of(st, z).await?;
            let as_of = st.today().min(settings.observation_due_in(plan, year));
            let on_day = |at: &str| ecociv_core::clock::beijing_day(at).is_none_or(|d| d <= as_of);
            let evidence: Vec<_> = st.store.all_evidence(z).await?.into_iter().filter(|e| e.entity == "observation" && on_day(&e.uploaded_at)).collect();
            let observations = crate::history::entries_on(st, plan, as_of).await?.observations;
            // the files the report lists (the year's approved values) are checked against their hash
            let listed: Vec<i64> = observations.iter().filter(|o| o.year == i64::from(year) && o.state == EntryState::Approved).map(|o| o.id).collect();
            let mut missing_files = Vec::new();
            for e in evidence.iter().filter(|e| listed.contains(&e.entity_id)) {
                if st.store.blob(&e.zone, &e.hash).await?.is_none_or(|b| ecociv_core::record::content_hash(&b) != e.hash) {
                    missing_files.push(e.id);
                }
            }
            let report = TechnicalReport {
                missing_files: &missing_files,
                plan,
                year,
                observations: &observations,
                uppers: &ecociv_core::lineage::uppers_for(plan, st.store.upper_targets(z).await?),
                evidence: &evidence,
                method: Method::Cagr,
                masthead: &masthead,
                as_of,
            };
            Ok(report.document(l))
        }
        Document::Closing(_) => crate::closing::closing_doc(st, plan, &masthead, l).await,
        Document::SelfAssessment(year) => crate::self_assessment::self_assessment_doc(st, plan, year, &masthead, l).await,
        Document::Bulletin(month) => {
            let b = crate::bulletin::bulletin(st, plan, month).await?;
            Ok(bulletin_doc(plan, &b, &masthead, l))
        }
        Document::Assessment(quarter) => {
            let a = crate::assessment::assess(st, plan, quarter, None).await?;
            Ok(assessment_doc(plan, &a, &masthead, l))
        }
        Document::Work(year) => {
            // the year as it stood on its December reports' due date (or today, before that)
            let december = YearMonth { year, month: 12 }.min(YearMonth::of(st.today()));
            let due_day = crate::entries::settings_of(st, z).await?.dispatch_due_day;
            let as_of = ecociv_core::dispatch::judged_on(december, st.today(), due_day);
            let reports = crate::history::entries_on(st, plan, as_of).await?.reports;
            let december = crate::bulletin::bulletin(st, plan, december).await?;
            let rectifications = crate::rectifications::as_of(st, z, as_of).await?;
            let w = WorkYear { year, as_of, reports: &reports, behind: &december.behind, rectifications: &rectifications };
            Ok(work_doc(plan, &w, &masthead, l))
        }
    }
}

fn zone_name(plan: &Plan, l: Locale) -> String {
    l.pick(&plan.zone.name, &plan.zone.name_en).to_string()
}

/// The monthly dispatch bulletin: who reported on time, late or not at all, the best and the
/// worst units, the projects behind, the supervision orders.
fn bulletin_doc(plan: &Plan, b: &ecociv_core::bulletin::Bulletin, m: &Masthead, l: Locale) -> OfficialDoc {
    let month = b.month;
    let title = tf(
        l,
        "doc.bulletin.title",
        &[
            ("zone", zone_name(plan, l)),
            ("campaign", plan.campaign(l)),
            ("year", month.year.to_string()),
            ("month_number", month.month.to_string()),
            ("month", month.to_string()),
        ],
    );
    let mut d = OfficialDoc::new(&title, l);
    d.red_header(&m.header);
    d.title(&title);
    d.heading(1, t(l, "doc.bulletin.reporting_heading"));
    if b.judged {
        d.para(&tf(
            l,
            "doc.bulletin.judged",
            &[
                ("month", month.to_string()),
                ("due", b.due.to_string()),
                ("on_time", b.on_time.to_string()),
                ("missing", b.missing.to_string()),
                ("due_date", b.due_date.to_string()),
            ],
        ));
    } else {
        d.para(&tf(
            l,
            "doc.bulletin.not_judged",
            &[("month", month.to_string()), ("due_date", b.due_date.to_string()), ("on_time", b.on_time.to_string()), ("pending", b.pending.to_string())],
        ));
    }
    let counts = [(t(l, "bulletin.on_time"), b.on_time), (t(l, "bulletin.missing"), b.missing), (t(l, "bulletin.not_yet_due"), b.pending)];
    d.chart(chart::bars(
        &tf(l, "doc.bulletin.chart_title", &[("month", month.to_string())]),
        &counts.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>(),
        &[chart::Series { name: t(l, "doc.chart.projects").into(), color: chart::BLUE, values: counts.iter().map(|(_, n)| *n as f64).collect() }],
        t(l, "doc.chart.projects_unit"),
    ));
    let (top, bottom) = ecociv_core::bulletin::best_and_worst(b);
    if !top.is_empty() {
        d.heading(2, t(l, "doc.bulletin.best_heading"));
        d.para(&top.iter().map(|u| format!("{}（{}%）", u.unit, u.score())).collect::<Vec<_>>().join("、"));
    }
    if !bottom.is_empty() {
        d.heading(2, t(l, "doc.bulletin.worst_heading"));
        d.para(&bottom.iter().map(|u| format!("{}（{}%）", u.unit, u.score())).collect::<Vec<_>>().join("、"));
    }
    if !b.late.is_empty() {
        d.caption(t(l, "doc.bulletin.table1"));
        let header = [t(l, "col.code"), t(l, "col.project_name_long"), t(l, "col.implementer_units"), t(l, "col.situation")].map(String::from).to_vec();
        let rows: Vec<Vec<String>> =
            b.late.iter().map(|(n, name, imp, how)| vec![n.to_string(), name.clone(), imp.join("、"), t(l, how.key()).to_string()]).collect();
        d.table(&header, &rows, &[700, 4545, 2400, 1200]);
    }
    d.heading(1, t(l, "doc.bulletin.behind_heading"));
    if b.behind.is_empty() {
        d.para(t(l, "doc.bulletin.none_behind"));
    } else {
        d.caption(t(l, "doc.bulletin.table2"));
        let header =
            [t(l, "col.code"), t(l, "col.project_name_long"), t(l, "col.implementer_units"), t(l, "col.reported_progress"), t(l, "col.expected_progress")]
                .map(String::from)
                .to_vec();
        let rows: Vec<Vec<String>> = b
            .behind
            .iter()
            .map(|x| vec![x.number.to_string(), x.name.clone(), x.implementers.join("、"), x.reported.to_string(), x.expected.to_string()])
            .collect();
        d.table(&header, &rows, &[700, 3745, 2400, 1000, 1000]);
    }
    d.heading(1, t(l, "doc.bulletin.orders_heading"));
    if b.orders.is_empty() {
        d.para(t(l, "doc.bulletin.no_orders"));
    } else {
        let overdue = b.orders.iter().filter(|(_, s)| *s == ecociv_core::supervision::Standing::Overdue).count();
        d.para(&tf(l, "doc.bulletin.orders", &[("count", b.orders.len().to_string()), ("overdue", overdue.to_string())]));
        d.caption(t(l, "doc.bulletin.table3"));
        let header = [t(l, "col.code"), t(l, "order.unit"), t(l, "order.matter"), t(l, "order.deadline"), t(l, "col.situation")].map(String::from).to_vec();
        let rows: Vec<Vec<String>> = b
            .orders
            .iter()
            .map(|(o, s)| {
                vec![o.id.to_string(), o.org_unit.clone(), format!("{}：{}", o.subject_label(plan, l), o.matter), o.deadline.clone(), t(l, s.key()).to_string()]
            })
            .collect();
        d.table(&header, &rows, &[700, 1800, 4045, 1200, 1100]);
    }
    d.heading(1, t(l, "doc.bulletin.requirements_heading"));
    m.human_text(&mut d, "requirements", t(l, "doc.bulletin.requirements_placeholder"));
    m.sign_off(&mut d);
    d
}

/// The quarterly assessment report: the scores and ranks of regions and departments, with the
/// change against the quarter before.
fn assessment_doc(plan: &Plan, a: &ecociv_core::assessment::Assessment, m: &Masthead, l: Locale) -> OfficialDoc {
    let (quarter_year, quarter_number) = a.quarter.split_once('Q').unwrap_or((&a.quarter, ""));
    let title = tf(
        l,
        "doc.assessment.title",
        &[
            ("zone", zone_name(plan, l)),
            ("campaign", plan.campaign(l)),
            ("year", quarter_year.to_string()),
            ("number", quarter_number.to_string()),
            ("quarter", a.quarter.to_string()),
        ],
    );
    let mut d = OfficialDoc::new(&title, l);
    d.red_header(&m.header);
    d.title(&title);
    d.para(&if a.rules_version == 0 {
        tf(l, "doc.assessment.rules_default", &[("rules", a.rules_title.to_string())])
    } else {
        tf(l, "doc.assessment.rules_version", &[("version", a.rules_version.to_string()), ("rules", a.rules_title.to_string())])
    });
    let table = |d: &mut OfficialDoc, caption: &str, units: &[UnitScore]| {
        d.caption(caption);
        let header = [t(l, "assess.rank"), t(l, "col.unit"), t(l, "assess.score"), t(l, "assess.change")].map(String::from).to_vec();
        let rows: Vec<Vec<String>> = units
            .iter()
            .map(|u| vec![u.rank.to_string(), u.unit.clone(), format!("{:.2}", u.score), u.change.map(|c| format!("{c:+.2}")).unwrap_or_else(|| "—".into())])
            .collect();
        d.table(&header, &rows, &[1000, TEXT_WIDTH - 3600, 1300, 1300]);
    };
    if !a.regions.is_empty() {
        d.chart(chart::bars(
            &tf(l, "doc.assessment.chart_title", &[("quarter", a.quarter.to_string())]),
            &a.regions.iter().map(|u| u.unit.clone()).collect::<Vec<_>>(),
            &[chart::Series {
                name: t(l, "doc.assessment.chart_series").into(),
                color: chart::BLUE,
                values: a.regions.iter().map(|u| u.score.to_string().parse().unwrap_or(0.0)).collect(),
            }],
            t(l, "doc.assessment.chart_unit"),
        ));
    }
    d.heading(1, t(l, "doc.assessment.regions_heading"));
    table(&mut d, t(l, "doc.assessment.table1"), &a.regions);
    d.heading(1, t(l, "doc.assessment.departments_heading"));
    table(&mut d, t(l, "doc.assessment.table2"), &a.departments);
    d.heading(1, t(l, "doc.assessment.requirements_heading"));
    m.human_text(&mut d, "requirements", t(l, "doc.assessment.requirements_placeholder"));
    m.sign_off(&mut d);
    d
}

/// The annual work report: the 37 tasks and 76 projects as their reports of the year stand,
/// what was done, what is behind and why.
/// What a year's work report is made of: its reports and the projects behind as they stood on
/// `as_of`, and the rectification tasks.
struct WorkYear<'a> {
    year: i32,
    as_of: chrono::NaiveDate,
    reports: &'a [ecociv_core::record::DispatchRecord],
    behind: &'a [ecociv_core::bulletin::Behind],
    rectifications: &'a [ecociv_core::rectification::Rectification],
}

fn work_doc(plan: &Plan, w: &WorkYear<'_>, m: &Masthead, l: Locale) -> OfficialDoc {
    let (year, as_of, reports, behind) = (w.year, w.as_of, w.reports, w.behind);
    let title = tf(l, "doc.work.title", &[("zone", zone_name(plan, l)), ("campaign", plan.campaign(l)), ("year", year.to_string())]);
    let of_year = |kind: &str, n: u32| {
        let mut v: Vec<&ecociv_core::record::DispatchRecord> = reports
            .iter()
            .filter(|r| r.kind == kind && r.subject == i64::from(n) && r.state != EntryState::Returned && r.period.starts_with(&format!("{year}-")))
            .collect();
        v.sort_by(|a, b| a.period.cmp(&b.period));
        v
    };
    let mut d = OfficialDoc::new(&title, l);
    d.red_header(&m.header);
    d.title(&title);
    d.para(&tf(l, "doc.data_as_of", &[("date", as_of.to_string())]));
    d.heading(1, t(l, "doc.work.overview_heading"));
    let reported_projects = plan.projects.iter().filter(|p| !of_year("project", p.number).is_empty()).count();
    let completed = plan.projects.iter().filter(|p| of_year("project", p.number).last().is_some_and(|r| r.status == "completed")).count();
    let invested: rust_decimal::Decimal = plan
        .projects
        .iter()
        .filter_map(|p| of_year("project", p.number).last().and_then(|r| r.investment_cumulative_wan.parse::<rust_decimal::Decimal>().ok()))
        .sum();
    let reported_tasks = plan.tasks.iter().filter(|task| !of_year("task", task.number).is_empty()).count();
    d.para(&tf(
        l,
        "doc.work.overview",
        &[
            ("tasks", plan.tasks.len().to_string()),
            ("projects", plan.projects.len().to_string()),
            ("invested", invested.normalize().to_string()),
            ("behind", behind.len().to_string()),
            ("completed", completed.to_string()),
            ("reported_tasks", reported_tasks.to_string()),
            ("year", year.to_string()),
            ("reported_projects", reported_projects.to_string()),
        ],
    ));
    m.human_text(&mut d, "assessment", t(l, "doc.work.assessment_placeholder"));
    let statuses = [ProjectStatus::NotStarted, ProjectStatus::UnderWay, ProjectStatus::Completed, ProjectStatus::Suspended];
    let status_of = |p: &ecociv_core::model::Project| of_year("project", p.number).last().and_then(|r| ProjectStatus::parse(&r.status));
    let mut labels: Vec<String> = statuses.iter().map(|s| s.label(l).to_string()).collect();
    labels.push(t(l, "doc.work.not_reported").into());
    let mut counts: Vec<f64> = statuses.iter().map(|s| plan.projects.iter().filter(|p| status_of(p) == Some(*s)).count() as f64).collect();
    counts.push(plan.projects.iter().filter(|p| status_of(p).is_none()).count() as f64);
    d.chart(chart::bars(
        &tf(l, "doc.work.chart_title", &[("year", year.to_string())]),
        &labels,
        &[chart::Series { name: t(l, "doc.chart.projects").into(), color: chart::BLUE, values: counts }],
        t(l, "doc.chart.projects_unit"),
    ));
    d.heading(1, t(l, "doc.work.tasks_heading"));
    d.caption(&tf(l, "doc.work.table1", &[("year", year.to_string())]));
    let header = [t(l, "col.code"), t(l, "col.work_task"), t(l, "col.leads"), t(l, "col.report_count"), t(l, "col.latest_progress"), t(l, "col.problems")]
        .map(String::from)
        .to_vec();
    let rows: Vec<Vec<String>> = plan
        .tasks
        .iter()
        .map(|task| {
            let r = of_year("task", task.number);
            let last = r.last();
            vec![
                task.number.to_string(),
                task.title.clone(),
                task.lead_departments.join("、"),
                r.len().to_string(),
                last.map(|x| format!("{}：{}", x.period, x.progress)).unwrap_or_else(|| t(l, "doc.work.not_reported").into()),
                last.map(|x| x.problems.clone()).unwrap_or_default(),
            ]
        })
        .collect();
    d.table(&header, &rows, &[520, 2300, 1300, 700, 2525, 1500]);
    d.heading(1, t(l, "doc.work.projects_heading"));
    d.caption(&tf(l, "doc.work.table2", &[("year", year.to_string())]));
    let header = [
        t(l, "col.code"),
        t(l, "col.project_name_long"),
        t(l, "col.implementer_units"),
        t(l, "col.budget_yi_short"),
        t(l, "col.invested_wan"),
        t(l, "col.progress_percent"),
        t(l, "col.status"),
        t(l, "col.problems"),
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = plan
        .projects
        .iter()
        .map(|p| {
            let last = of_year("project", p.number).last().copied();
            vec![
                p.number.to_string(),
                p.name.clone(),
                p.implementers.join("、"),
                p.budget.as_ref().map(|b| b.yi.normalize().to_string()).unwrap_or_else(|| "—".into()),
                last.map(|r| r.investment_cumulative_wan.clone()).unwrap_or_default(),
                last.map(|r| r.progress_percent.clone()).unwrap_or_default(),
                last.and_then(|r| ecociv_core::entry::ProjectStatus::parse(&r.status))
                    .map(|s| s.label(l).to_string())
                    .unwrap_or_else(|| t(l, "doc.work.not_reported").into()),
                last.map(|r| r.problems.clone()).unwrap_or_default(),
            ]
        })
        .collect();
    d.table(&header, &rows, &[520, 2400, 1300, 900, 900, 700, 700, 1425]);
    // the year's investment by source, by domain: what the reports of the year split
    d.caption(&tf(l, "doc.work.table_funding", &[("year", year.to_string())]));
    let header = [t(l, "col.domain"), t(l, "col.funding_fiscal"), t(l, "col.funding_financial"), t(l, "col.funding_social")].map(String::from).to_vec();
    let rows: Vec<Vec<String>> = ecociv_core::model::Domain::ALL
        .iter()
        .map(|dom| {
            let f: ecociv_core::entry::Funding = plan
                .projects
                .iter()
                .filter(|p| p.domain == *dom)
                .flat_map(|p| of_year("project", p.number))
                .filter_map(|r| ecociv_core::entry::Funding::parse(&r.funding))
                .sum();
            vec![
                dom.name(l).to_string(),
                f.funding_fiscal.normalize().to_string(),
                f.funding_financial.normalize().to_string(),
                f.funding_social.normalize().to_string(),
            ]
        })
        .collect();
    d.table(&header, &rows, &[2645, 2100, 2050, 2050]);
    d.heading(1, t(l, "doc.work.behind_heading"));
    if behind.is_empty() {
        d.para(t(l, "doc.work.none_behind"));
    }
    for b in behind {
        let why = of_year("project", b.number).last().map(|r| r.problems.clone()).filter(|p| !p.trim().is_empty());
        d.para(&tf(
            l,
            "doc.work.behind_item",
            &[
                ("number", b.number.to_string()),
                ("name", b.name.clone()),
                ("implementers", b.implementers.join(t(l, "list.separator"))),
                ("reported", b.reported.to_string()),
                ("expected", b.expected.to_string()),
                ("why", why.unwrap_or_else(|| t(l, "doc.work.no_reason").into())),
            ],
        ));
    }
    crate::rectifications::work_section(&mut d, w.rectifications, reports, year, as_of, l);
    d.heading(1, t(l, "doc.work.next_heading"));
    m.human_text(&mut d, "measures", t(l, "doc.measures_placeholder"));
    m.sign_off(&mut d);
    d
}
