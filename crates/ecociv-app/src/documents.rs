//! The documents of the review, for the pages and the command line: the monthly dispatch
//! bulletin, the quarterly assessment report, the annual work report and the annual technical
//! report (`ecociv_report::documents`), as Word or PDF. Each is written from the same
//! computation as its page (the bulletin, the assessment, the approved standings), so the
//! document and the page never disagree. The task force writes each document's masthead: the
//! red header, the number, the signing office, the date and the paragraphs only people write.

use ecociv_core::Locale;
use ecociv_core::entry::ProjectStatus;
use ecociv_core::entry::YearMonth;
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
}

impl Document {
    /// Reads `bulletin` + `2024-05`, `assessment` + `2024Q2`, `work|technical` + `2024`.
    pub fn parse(kind: &str, period: &str) -> Option<Document> {
        match kind {
            "bulletin" => period.parse().ok().map(Document::Bulletin),
            "assessment" => period.parse().ok().map(Document::Assessment),
            "work" => ecociv_core::entry::read_year(period).map(Document::Work),
            "technical" => ecociv_core::entry::read_year(period).map(Document::Technical),
            _ => None,
        }
    }
    pub fn kind(self) -> &'static str {
        match self {
            Document::Bulletin(_) => "bulletin",
            Document::Assessment(_) => "assessment",
            Document::Work(_) => "work",
            Document::Technical(_) => "technical",
        }
    }
    pub fn period(self) -> String {
        match self {
            Document::Bulletin(m) => m.to_string(),
            Document::Assessment(q) => q.to_string(),
            Document::Work(y) | Document::Technical(y) => y.to_string(),
        }
    }
    /// Whether its period has begun by `today` and lies within the plan's data.
    pub fn admissible(self, plan: &Plan, today: chrono::NaiveDate) -> bool {
        let this = YearMonth::of(today);
        match self {
            Document::Bulletin(m) => m <= this && m.year >= plan.start_year,
            Document::Assessment(q) => q.months()[0] <= this && q.year >= plan.start_year,
            Document::Work(y) => (plan.start_year..=this.year).contains(&y),
            Document::Technical(y) => (plan.base_year..=this.year).contains(&y),
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
            errs.push(FieldError::new(field, "too_long", "不能超过 200 字", "at most 200 characters"));
        }
    }
    for line in &input.header_lines {
        check_text(&mut errs, "header_lines", line);
    }
    if input.header_lines.len() > 4 || input.header_lines.iter().any(|l| l.chars().count() > 100) {
        errs.push(FieldError::new("header_lines", "too_long", "版头最多 4 行、每行不超过 100 字", "at most 4 header lines of 100 characters"));
    }
    let keys = text_keys(doc.kind());
    for (key, text) in &input.texts {
        if !keys.contains(&key.as_str()) {
            errs.push(FieldError::new(
                "texts",
                "unknown_text",
                format!("此类文件没有“{key}”段落（可用：{}）", keys.join("、")),
                format!("this document has no {key:?} text (it has {})", keys.join(", ")),
            ));
        }
        check_text(&mut errs, "texts", text);
        if text.chars().count() > 20_000 {
            errs.push(FieldError::new("texts", "too_long", "每段文字不能超过 20000 字", "at most 20000 characters a text"));
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
        updated_at: ecociv_store::trail::now(),
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
        Document::Bulletin(_) => l.pick("调度通报", "bulletin"),
        Document::Assessment(_) => l.pick("考核通报", "assessment report"),
        Document::Work(_) => l.pick("工作报告", "work report"),
        Document::Technical(_) => l.pick("技术报告", "technical report"),
    }
}

fn internal<E: std::fmt::Display>(e: E) -> AppError {
    AppError::internal(format!("document: {e}"))
}

/// A document of a zone, from the same computation as its page.
pub async fn document(st: &App, plan: &Plan, doc: Document, l: Locale) -> Result<OfficialDoc, AppError> {
    let z = &plan.zone.code;
    let masthead = masthead_of(st, z, doc).await?;
    match doc {
        Document::Technical(year) => {
            let evidence: Vec<_> = st.store.all_evidence(z).await?.into_iter().filter(|e| e.entity == "observation").collect();
            let observations = st.store.observations(z).await?;
            // the files the report lists (the year's approved values) are checked against their hash
            let listed: Vec<i64> = observations.iter().filter(|o| o.year == i64::from(year) && o.state == EntryState::Approved).map(|o| o.id).collect();
            let mut missing_files = Vec::new();
            for e in evidence.iter().filter(|e| listed.contains(&e.entity_id)) {
                if st.store.blob(&e.hash).await?.is_none_or(|b| ecociv_core::record::content_hash(&b) != e.hash) {
                    missing_files.push(e.id);
                }
            }
            let report = TechnicalReport {
                missing_files: &missing_files,
                plan,
                year,
                observations: &observations,
                uppers: &st.store.upper_targets(z).await?,
                evidence: &evidence,
                method: Method::Cagr,
                masthead: &masthead,
            };
            Ok(report.document(l))
        }
        Document::Bulletin(month) => {
            let b = crate::bulletin::bulletin(st, plan, month).await?;
            Ok(bulletin_doc(plan, &b, &masthead, l))
        }
        Document::Assessment(quarter) => {
            let a = crate::assessment::assess(st, plan, quarter, None).await?;
            Ok(assessment_doc(plan, &a, &masthead, l))
        }
        Document::Work(year) => {
            let reports = st.store.dispatch_reports(z).await?;
            let settings = crate::entries::settings_of(st, z).await?;
            let december = ecociv_core::bulletin::build(
                plan,
                &reports,
                YearMonth { year, month: 12 }.min(YearMonth::of(st.today())),
                st.today(),
                settings.dispatch_due_day,
            );
            Ok(work_doc(plan, year, &reports, &december.behind, &masthead, l))
        }
    }
}

fn zone_name(plan: &Plan, l: Locale) -> String {
    l.pick(&plan.zone.name, &plan.zone.name_en).to_string()
}

/// The monthly dispatch bulletin: who reported on time, late or not at all, the best and the
/// worst units, the projects behind.
fn bulletin_doc(plan: &Plan, b: &ecociv_core::bulletin::Bulletin, m: &Masthead, l: Locale) -> OfficialDoc {
    use ecociv_core::locale::t;
    let month = b.month;
    let title = l
        .pick(
            &format!("{}生态文明建设示范区创建项目调度通报（{}年{}月）", zone_name(plan, l), month.year, month.month),
            &format!("{}: dispatch bulletin of the demonstration zone projects, {month}", zone_name(plan, l)),
        )
        .to_string();
    let mut d = OfficialDoc::new(&title);
    d.red_header(&m.header);
    d.title(&title);
    d.heading(1, l.pick("一、报送情况", "1. Reporting"));
    if b.judged {
        d.para(l.pick(
            &format!(
                "{}应报送月度调度的项目{}个，按时报送{}个，逾期报送{}个，未报送{}个（报送截止日期：{}）。",
                month, b.due, b.on_time, b.late_count, b.missing, b.due_date
            ),
            &format!(
                "Of {} projects due to report for {month}, {} reported on time, {} late and {} not at all (due {}).",
                b.due, b.on_time, b.late_count, b.missing, b.due_date
            ),
        ));
    } else {
        d.para(l.pick(
            &format!("{}的调度报送截止日期为{}，尚未到期：已按时报送{}个，待报送{}个。", month, b.due_date, b.on_time, b.pending),
            &format!("The reports for {month} are due on {}: {} sent so far, {} still to come.", b.due_date, b.on_time, b.pending),
        ));
    }
    let counts = [
        (t(l, "bulletin.on_time"), b.on_time),
        (t(l, "todo.late"), b.late_count),
        (t(l, "bulletin.missing"), b.missing),
        (t(l, "bulletin.not_yet_due"), b.pending),
    ];
    d.chart(chart::bars(
        l.pick(&format!("{month}项目调度报送情况"), &format!("Reporting for {month}")),
        &counts.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>(),
        &[chart::Series { name: l.pick("项目数", "projects").into(), color: chart::BLUE, values: counts.iter().map(|(_, n)| *n as f64).collect() }],
        l.pick("个", "projects"),
    ));
    let (top, bottom) = ecociv_core::bulletin::best_and_worst(b);
    if !top.is_empty() {
        d.heading(2, l.pick("（一）报送较好的单位", "(1) Best reporting units"));
        d.para(&top.iter().map(|u| format!("{}（{}%）", u.unit, u.score())).collect::<Vec<_>>().join("、"));
    }
    if !bottom.is_empty() {
        d.heading(2, l.pick("（二）报送较差的单位", "(2) Weakest reporting units"));
        d.para(&bottom.iter().map(|u| format!("{}（{}%）", u.unit, u.score())).collect::<Vec<_>>().join("、"));
    }
    if !b.late.is_empty() {
        d.caption(l.pick("表1  未按时报送的项目", "Table 1  Projects not reported on time"));
        let header =
            [l.pick("序号", "No."), l.pick("项目名称", "Project"), l.pick("实施单位", "Implementers"), l.pick("情况", "State")].map(String::from).to_vec();
        let rows: Vec<Vec<String>> =
            b.late.iter().map(|(n, name, imp, how)| vec![n.to_string(), name.clone(), imp.join("、"), t(l, how.key()).to_string()]).collect();
        d.table(&header, &rows, &[700, 4545, 2400, 1200]);
    }
    d.heading(1, l.pick("二、进度滞后的项目", "2. Projects behind"));
    if b.behind.is_empty() {
        d.para(l.pick("本月无进度明显滞后的项目。", "No project is clearly behind this month."));
    } else {
        d.caption(l.pick("表2  进度滞后的项目", "Table 2  Projects behind"));
        let header = [
            l.pick("序号", "No."),
            l.pick("项目名称", "Project"),
            l.pick("实施单位", "Implementers"),
            l.pick("已报进度（%）", "Reported (%)"),
            l.pick("应达进度（%）", "Expected (%)"),
        ]
        .map(String::from)
        .to_vec();
        let rows: Vec<Vec<String>> = b
            .behind
            .iter()
            .map(|x| vec![x.number.to_string(), x.name.clone(), x.implementers.join("、"), x.reported.to_string(), x.expected.to_string()])
            .collect();
        d.table(&header, &rows, &[700, 3745, 2400, 1000, 1000]);
    }
    d.heading(1, l.pick("三、工作要求", "3. Requirements"));
    m.human_text(&mut d, "requirements", l.pick("待填写：下一步工作要求", "to be written: what is required next"));
    m.sign_off(&mut d);
    d
}

/// The quarterly assessment report: the scores and ranks of regions and departments, with the
/// change against the quarter before.
fn assessment_doc(plan: &Plan, a: &ecociv_core::assessment::Assessment, m: &Masthead, l: Locale) -> OfficialDoc {
    let title = l
        .pick(
            &format!("{}生态文明建设示范区创建工作{}考核情况通报", zone_name(plan, l), a.quarter.replace('Q', "年第") + "季度"),
            &format!("{}: assessment of the demonstration zone work, {}", zone_name(plan, l), a.quarter),
        )
        .to_string();
    let mut d = OfficialDoc::new(&title);
    d.red_header(&m.header);
    d.title(&title);
    d.para(l.pick(
        &if a.rules_version == 0 {
            format!("本次考核按默认评分规则（{}）计算，满分100分，得分相同者名次并列。", a.rules_title)
        } else {
            format!("本次考核按评分规则第{}版（{}）计算，满分100分，得分相同者名次并列。", a.rules_version, a.rules_title)
        },
        &if a.rules_version == 0 {
            format!("Scored with the default rules ({}), out of 100; equal scores share a rank.", a.rules_title)
        } else {
            format!("Scored with version {} of the rules ({}), out of 100; equal scores share a rank.", a.rules_version, a.rules_title)
        },
    ));
    let table = |d: &mut OfficialDoc, caption: &str, units: &[UnitScore]| {
        d.caption(caption);
        let header = [l.pick("名次", "Rank"), l.pick("单位", "Unit"), l.pick("得分", "Score"), l.pick("较上季度", "Change")].map(String::from).to_vec();
        let rows: Vec<Vec<String>> = units
            .iter()
            .map(|u| vec![u.rank.to_string(), u.unit.clone(), format!("{:.2}", u.score), u.change.map(|c| format!("{c:+.2}")).unwrap_or_else(|| "—".into())])
            .collect();
        d.table(&header, &rows, &[1000, TEXT_WIDTH - 3600, 1300, 1300]);
    };
    if !a.regions.is_empty() {
        d.chart(chart::bars(
            l.pick(&format!("{}旗县区考核得分", a.quarter), &format!("Regions' scores, {}", a.quarter)),
            &a.regions.iter().map(|u| u.unit.clone()).collect::<Vec<_>>(),
            &[chart::Series {
                name: l.pick("得分", "score").into(),
                color: chart::BLUE,
                values: a.regions.iter().map(|u| u.score.to_string().parse().unwrap_or(0.0)).collect(),
            }],
            l.pick("分", "points"),
        ));
    }
    d.heading(1, l.pick("一、旗县区考核结果", "1. Regions"));
    table(&mut d, l.pick("表1  旗县区得分与排名", "Table 1  Regions: scores and ranks"), &a.regions);
    d.heading(1, l.pick("二、市直部门考核结果", "2. Departments"));
    table(&mut d, l.pick("表2  市直部门得分与排名", "Table 2  Departments: scores and ranks"), &a.departments);
    d.heading(1, l.pick("三、有关要求", "3. Requirements"));
    m.human_text(&mut d, "requirements", l.pick("待填写：对排名靠后单位的要求", "to be written: what is asked of the units at the bottom"));
    m.sign_off(&mut d);
    d
}

/// The annual work report: the 37 tasks and 76 projects as their reports of the year stand,
/// what was done, what is behind and why.
fn work_doc(
    plan: &Plan,
    year: i32,
    reports: &[ecociv_core::record::DispatchRecord],
    behind: &[ecociv_core::bulletin::Behind],
    m: &Masthead,
    l: Locale,
) -> OfficialDoc {
    let title = l
        .pick(
            &format!("{}{year}年度生态文明建设示范区创建工作报告", zone_name(plan, l)),
            &format!("{}: work report of the demonstration zone, {year}", zone_name(plan, l)),
        )
        .to_string();
    let of_year = |kind: &str, n: u32| {
        let mut v: Vec<&ecociv_core::record::DispatchRecord> = reports
            .iter()
            .filter(|r| r.kind == kind && r.subject == i64::from(n) && r.state != EntryState::Returned && r.period.starts_with(&format!("{year}-")))
            .collect();
        v.sort_by(|a, b| a.period.cmp(&b.period));
        v
    };
    let mut d = OfficialDoc::new(&title);
    d.red_header(&m.header);
    d.title(&title);
    d.heading(1, l.pick("一、总体进展", "1. Overall progress"));
    let reported_projects = plan.projects.iter().filter(|p| !of_year("project", p.number).is_empty()).count();
    let completed = plan.projects.iter().filter(|p| of_year("project", p.number).last().is_some_and(|r| r.status == "completed")).count();
    let invested: rust_decimal::Decimal = plan
        .projects
        .iter()
        .filter_map(|p| of_year("project", p.number).last().and_then(|r| r.investment_cumulative_wan.parse::<rust_decimal::Decimal>().ok()))
        .sum();
    let reported_tasks = plan.tasks.iter().filter(|t| !of_year("task", t.number).is_empty()).count();
    d.para(l.pick(
        &format!(
            "{year}年，{}项工作任务中{reported_tasks}项报送了调度情况；{}个重点项目中{reported_projects}个报送了调度情况，已完工{completed}个，累计完成投资{}万元；进度滞后的项目{}个。",
            plan.tasks.len(),
            plan.projects.len(),
            invested.normalize(),
            behind.len()
        ),
        &format!(
            "In {year}, {reported_tasks} of {} tasks and {reported_projects} of {} projects reported; completed: {completed}; invested to date: {} × 10,000 yuan; projects behind: {}.",
            plan.tasks.len(),
            plan.projects.len(),
            invested.normalize(),
            behind.len()
        ),
    ));
    m.human_text(&mut d, "assessment", l.pick("待填写：年度工作总体评价", "to be written: the assessment of the year's work"));
    let statuses = [ProjectStatus::NotStarted, ProjectStatus::UnderWay, ProjectStatus::Completed, ProjectStatus::Suspended];
    let status_of = |p: &ecociv_core::model::Project| of_year("project", p.number).last().and_then(|r| ProjectStatus::parse(&r.status));
    let mut labels: Vec<String> = statuses.iter().map(|s| s.label(l).to_string()).collect();
    labels.push(l.pick("未报送", "not reported").into());
    let mut counts: Vec<f64> = statuses.iter().map(|s| plan.projects.iter().filter(|p| status_of(p) == Some(*s)).count() as f64).collect();
    counts.push(plan.projects.iter().filter(|p| status_of(p).is_none()).count() as f64);
    d.chart(chart::bars(
        l.pick(&format!("{year}年度重点项目建设状态"), &format!("The projects by status, {year}")),
        &labels,
        &[chart::Series { name: l.pick("项目数", "projects").into(), color: chart::BLUE, values: counts }],
        l.pick("个", "projects"),
    ));
    d.heading(1, l.pick("二、工作任务完成情况", "2. The tasks"));
    d.caption(l.pick(&format!("表1  {year}年度工作任务进展"), &format!("Table 1  The tasks in {year}")));
    let header = [
        l.pick("序号", "No."),
        l.pick("工作任务", "Task"),
        l.pick("牵头单位", "Leads"),
        l.pick("报送次数", "Reports"),
        l.pick("最新进展", "Latest progress"),
        l.pick("存在问题", "Problems"),
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = plan
        .tasks
        .iter()
        .map(|t| {
            let r = of_year("task", t.number);
            let last = r.last();
            vec![
                t.number.to_string(),
                t.title.clone(),
                t.lead_departments.join("、"),
                r.len().to_string(),
                last.map(|x| format!("{}：{}", x.period, x.progress)).unwrap_or_else(|| l.pick("未报送", "not reported").into()),
                last.map(|x| x.problems.clone()).unwrap_or_default(),
            ]
        })
        .collect();
    d.table(&header, &rows, &[520, 2300, 1300, 700, 2525, 1500]);
    d.heading(1, l.pick("三、重点项目建设情况", "3. The projects"));
    d.caption(l.pick(&format!("表2  {year}年度重点项目进展"), &format!("Table 2  The projects in {year}")));
    let header = [
        l.pick("序号", "No."),
        l.pick("项目名称", "Project"),
        l.pick("实施单位", "Implementers"),
        l.pick("投资概算（亿元）", "Budget (100 M yuan)"),
        l.pick("累计投资（万元）", "Invested (10k yuan)"),
        l.pick("进度（%）", "Progress (%)"),
        l.pick("状态", "Status"),
        l.pick("存在问题", "Problems"),
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
                    .unwrap_or_else(|| l.pick("未报送", "not reported").into()),
                last.map(|r| r.problems.clone()).unwrap_or_default(),
            ]
        })
        .collect();
    d.table(&header, &rows, &[520, 2400, 1300, 900, 900, 700, 700, 1425]);
    d.heading(1, l.pick("四、进度滞后的项目及原因", "4. Projects behind, and why"));
    if behind.is_empty() {
        d.para(l.pick("无进度明显滞后的项目。", "No project is clearly behind."));
    }
    for b in behind {
        let why = of_year("project", b.number).last().map(|r| r.problems.clone()).filter(|p| !p.trim().is_empty());
        d.para(l.pick(
            &format!(
                "{} {}（{}）：已报进度{}%，应达{}%。原因：{}",
                b.number,
                b.name,
                b.implementers.join("、"),
                b.reported,
                b.expected,
                why.as_deref().unwrap_or("未报送原因")
            ),
            &format!(
                "{} {} ({}): {}% reported, {}% expected. Why: {}",
                b.number,
                b.name,
                b.implementers.join(", "),
                b.reported,
                b.expected,
                why.as_deref().unwrap_or("no reason reported")
            ),
        ));
    }
    d.heading(1, l.pick("五、下一年度工作安排", "5. Next year"));
    m.human_text(&mut d, "measures", l.pick("待填写：下一年度工作措施", "to be written: the measures for next year"));
    m.sign_off(&mut d);
    d
}
