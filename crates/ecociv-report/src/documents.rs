//! The documents of the review, written from the approved data as official documents
//! ([`crate::official`], to Word or PDF):
//! the annual technical report ([`TechnicalReport`]: every indicator with its value, target,
//! status, trend, projection, lead departments and evidence). Text only a person can write
//! (the assessment of the year, the measures for next year) comes from what the task force
//! entered, or stands as a marked placeholder.

use ecociv_core::Locale;
use ecociv_core::indicator_status::LeafStanding;
use ecociv_core::locale::{t, tf};
use ecociv_core::model::Plan;
use ecociv_core::projection::Method;
use ecociv_core::record::{EntryState, EvidenceRecord, ObservationRecord, UpperTargetRecord};
use ecociv_core::rule::Status;

use crate::official::{OfficialDoc, RedHeader, TEXT_WIDTH};
use crate::{approved_standings, chart};

/// What the task force puts on a document: the red header, the office that signs and the
/// date of issue, and the paragraphs only people write (by key: `assessment`, `measures`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Masthead {
    pub header: RedHeader,
    pub issuer: String,
    /// 成文日期, as printed (2025年3月31日).
    pub date: String,
    pub texts: std::collections::BTreeMap<String, String>,
}

impl Masthead {
    /// The task force's paragraphs for `key`, or a placeholder saying what is to be written.
    pub fn human_text(&self, d: &mut OfficialDoc, key: &str, placeholder: &str) {
        match self.texts.get(key).filter(|t| !t.trim().is_empty()) {
            Some(text) => text.lines().filter(|p| !p.trim().is_empty()).for_each(|p| d.para(p.trim())),
            None => d.placeholder(placeholder),
        }
    }
    /// The issuing office and the date of issue, right-aligned at the end.
    pub fn sign_off(&self, d: &mut OfficialDoc) {
        if !self.issuer.trim().is_empty() || !self.date.trim().is_empty() {
            d.para("");
            d.right(&self.issuer);
            d.right(&self.date);
        }
    }
}

/// What the technical report of a year is made of.
pub struct TechnicalReport<'a> {
    pub plan: &'a Plan,
    pub year: i32,
    pub observations: &'a [ObservationRecord],
    pub uppers: &'a [UpperTargetRecord],
    /// The evidence of observations.
    pub evidence: &'a [EvidenceRecord],
    /// Evidence whose file is gone or no longer has the hash it was uploaded with, by id.
    pub missing_files: &'a [i64],
    pub method: Method,
    pub masthead: &'a Masthead,
    /// The day the data stood as the report shows it (the entries are taken as of then).
    pub as_of: chrono::NaiveDate,
}

/// One row of the indicator table: what the document prints and the tests read back.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    pub code: String,
    pub name: String,
    pub target: String,
    /// The year's approved value with its unit, or empty.
    pub value: String,
    pub status: Status,
    pub trend: String,
    pub projection: String,
    pub lead_departments: String,
    pub evidence: usize,
}

impl TechnicalReport<'_> {
    /// Where each leaf stands in the year, on approved values.
    pub fn standings(&self, l: Locale) -> Vec<LeafStanding> {
        approved_standings(self.plan, self.observations, self.uppers, self.year, self.method, l)
    }

    /// The rows of the indicator table, one per leaf in the plan's order.
    pub fn rows(&self, l: Locale) -> Vec<IndicatorRow> {
        let standings = self.standings(l);
        self.plan
            .leaves()
            .iter()
            .map(|leaf| {
                let s = standings.iter().find(|s| s.code == leaf.code);
                let year = |y: i32| s.and_then(|s| s.years.iter().find(|x| x.year == y));
                let now = year(self.year);
                let before = year(self.year - 1);
                let with_unit = |v: &str| if leaf.unit.is_empty() || v.parse::<f64>().is_err() { v.to_string() } else { format!("{v} {}", leaf.unit) };
                let trend = match (before, now) {
                    (Some(b), Some(n)) => format!("{} → {}", b.value, n.value),
                    (None, Some(n)) => format!("— → {}", n.value),
                    _ => String::new(),
                };
                let approved_ids: Vec<i64> = self
                    .observations
                    .iter()
                    .filter(|o| o.indicator == leaf.code && o.year == i64::from(self.year) && o.state == EntryState::Approved)
                    .map(|o| o.id)
                    .collect();
                IndicatorRow {
                    code: leaf.code.to_string(),
                    name: self.plan.leaf_name(leaf.code, l),
                    target: leaf.target.printed.clone(),
                    value: now.map(|n| with_unit(&n.value)).unwrap_or_default(),
                    status: now.map(|n| n.status).unwrap_or(Status::NoData),
                    trend,
                    projection: s.map(|s| s.projection.label(l).to_string()).unwrap_or_default(),
                    lead_departments: leaf.indicator.lead_departments.join("、"),
                    evidence: self.evidence.iter().filter(|e| e.entity == "observation" && approved_ids.contains(&e.entity_id)).count(),
                }
            })
            .collect()
    }

    /// The report, to be written as Word or PDF.
    pub fn document(&self, l: Locale) -> OfficialDoc {
        let plan = self.plan;
        let y = self.year;
        let rows = self.rows(l);
        let zone = l.pick(&plan.zone.name, &plan.zone.name_en).to_string();
        let title = tf(l, "doc.technical.title", &[("zone", zone.clone()), ("campaign", plan.campaign(l)), ("year", y.to_string())]);
        let mut d = OfficialDoc::new(&title, l);
        d.red_header(&self.masthead.header);
        d.title(&title);
        d.para(&tf(l, "doc.data_as_of", &[("date", self.as_of.to_string())]));
        let count = |s: Status| rows.iter().filter(|r| r.status == s).count();
        let (met, not_met, no_data) = (count(Status::Met), count(Status::NotMet), count(Status::NoData));
        d.heading(1, t(l, "doc.technical.overview_heading"));
        d.para(&tf(
            l,
            "doc.technical.overview",
            &[
                ("indicators", plan.indicators.len().to_string()),
                ("leaves", rows.len().to_string()),
                ("others", (rows.len() - met - not_met - no_data).to_string()),
                ("met", met.to_string()),
                ("year", y.to_string()),
                ("no_data", no_data.to_string()),
                ("not_met", not_met.to_string()),
            ],
        ));
        self.masthead.human_text(&mut d, "assessment", t(l, "doc.technical.assessment_placeholder"));
        // the status of the leaves, domain by domain
        let mut domains: Vec<String> = Vec::new();
        let leaves = plan.leaves();
        for leaf in &leaves {
            let name = leaf.indicator.domain.name(l).to_string();
            if !domains.contains(&name) {
                domains.push(name);
            }
        }
        let per_domain = |status: Status| -> Vec<f64> {
            domains
                .iter()
                .map(|dn| leaves.iter().zip(&rows).filter(|(leaf, r)| leaf.indicator.domain.name(l) == dn && r.status == status).count() as f64)
                .collect()
        };
        let series = [(Status::Met, chart::GREEN), (Status::NotMet, chart::RED), (Status::NoData, chart::GREY)]
            .map(|(s, color)| chart::Series { name: s.label(l).into(), color, values: per_domain(s) })
            .to_vec();
        d.chart(chart::bars(&tf(l, "doc.technical.chart_title", &[("year", y.to_string())]), &domains, &series, t(l, "doc.technical.chart_unit")));
        d.figure_caption(&tf(l, "doc.technical.figure1", &[("year", y.to_string())]));
        d.heading(1, t(l, "doc.technical.indicators_heading"));
        d.caption(&tf(l, "doc.technical.table1", &[("year", y.to_string())]));
        let header: Vec<String> = [
            t(l, "col.code"),
            t(l, "col.indicator"),
            t(l, "col.target_value"),
            t(l, "col.measured_value"),
            t(l, "col.attainment"),
            t(l, "col.trend"),
            t(l, "col.forecast"),
            t(l, "col.lead"),
            t(l, "col.evidence_count"),
        ]
        .map(String::from)
        .to_vec();
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.code.clone(),
                    r.name.clone(),
                    r.target.clone(),
                    r.value.clone(),
                    r.status.label(l).to_string(),
                    r.trend.clone(),
                    r.projection.clone(),
                    r.lead_departments.clone(),
                    r.evidence.to_string(),
                ]
            })
            .collect();
        let widths = [520, 1500, 1500, 900, 760, 1000, 860, 1105, 700];
        debug_assert_eq!(widths.iter().sum::<u32>(), TEXT_WIDTH);
        d.table(&header, &cells, &widths);
        d.heading(1, t(l, "doc.technical.attention_heading"));
        let attention: Vec<&IndicatorRow> = rows.iter().filter(|r| matches!(r.status, Status::NotMet | Status::NoData)).collect();
        if attention.is_empty() {
            d.para(t(l, "doc.technical.all_met"));
        }
        for r in attention {
            let projection = if r.projection.is_empty() { "—" } else { &r.projection };
            d.para(&tf(
                l,
                "doc.technical.attention_item",
                &[
                    ("code", r.code.clone()),
                    ("name", r.name.clone()),
                    ("status", r.status.label(l).to_string()),
                    ("target", r.target.clone()),
                    ("lead", r.lead_departments.clone()),
                    ("projection", projection.to_string()),
                ],
            ));
        }
        d.heading(1, t(l, "doc.technical.evidence_heading"));
        let approved: Vec<&ObservationRecord> = self.observations.iter().filter(|o| o.year == i64::from(y) && o.state == EntryState::Approved).collect();
        let evidence: Vec<Vec<String>> = approved
            .iter()
            .flat_map(|o| {
                self.evidence.iter().filter(move |e| e.entity == "observation" && e.entity_id == o.id).map(move |e| {
                    let missing = if self.missing_files.contains(&e.id) { t(l, "doc.technical.file_missing") } else { "" };
                    vec![
                        o.indicator.clone(),
                        if o.region.is_empty() { "—".into() } else { o.region.clone() },
                        format!("{}{missing}", e.file_name),
                        e.uploaded_by.clone(),
                        e.hash.chars().take(16).collect(),
                    ]
                })
            })
            .collect();
        let missing = evidence.iter().filter(|r| r[2].ends_with(t(l, "doc.technical.file_missing"))).count();
        if missing > 0 {
            d.para(&tf(l, "doc.technical.missing_note", &[("missing", missing.to_string())]));
        }
        if evidence.is_empty() {
            d.para(&tf(l, "doc.technical.no_evidence", &[("year", y.to_string())]));
        } else {
            d.caption(&tf(l, "doc.technical.table2", &[("year", y.to_string())]));
            let header = [t(l, "col.indicator"), t(l, "col.region"), t(l, "evidence.file"), t(l, "col.uploaded_by"), "SM3"].map(String::from).to_vec();
            d.table(&header, &evidence, &[900, 1300, 3645, 1300, 1700]);
        }
        d.heading(1, t(l, "doc.technical.next_heading"));
        self.masthead.human_text(&mut d, "measures", t(l, "doc.measures_placeholder"));
        self.masthead.sign_off(&mut d);
        d
    }
}
