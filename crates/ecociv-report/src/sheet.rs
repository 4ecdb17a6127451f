//! The shape of a template, shared by writing it ([`crate::template`]) and reading it back
//! ([`crate::import`]): its kinds, the signature on its very hidden sheet, its columns and
//! their headers in every language, the name of its data sheet.

use ecociv_core::Locale;
use ecociv_core::locale::t;

/// The name of the very hidden sheet that holds the signature.
pub const SIGNATURE_SHEET: &str = "_ecociv";
const SIGNATURE_TAG: &str = "ecociv-template/1";

/// What a template was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    /// Yearly values of indicators; the period is a year (`2024`).
    Observations,
    /// Monthly dispatch reports of projects; the period is a month (`2024-05`).
    Dispatch,
    /// Monthly reports of the work tasks an org unit shares; the period is a month.
    Tasks,
    /// The list of rectification tasks the task force keeps (a table, no period).
    Rectifications,
}

impl TemplateKind {
    pub fn code(self) -> &'static str {
        match self {
            TemplateKind::Observations => "observations",
            TemplateKind::Dispatch => "dispatch",
            TemplateKind::Tasks => "tasks",
            TemplateKind::Rectifications => "rectifications",
        }
    }
    pub fn parse(s: &str) -> Option<TemplateKind> {
        [TemplateKind::Observations, TemplateKind::Dispatch, TemplateKind::Tasks, TemplateKind::Rectifications].into_iter().find(|k| k.code() == s)
    }
    /// Whether its period is a month (else a year, or none).
    pub fn monthly(self) -> bool {
        matches!(self, TemplateKind::Dispatch | TemplateKind::Tasks)
    }
}

/// Who and what a template was downloaded for, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub zone: String,
    pub org_unit: String,
    pub kind: TemplateKind,
    pub period: String,
    /// RFC 3339, UTC.
    pub made_at: String,
}

impl Signature {
    /// One line: the tag and the fields, separated by `|` (no field holds one).
    pub fn encode(&self) -> String {
        [SIGNATURE_TAG, &self.zone, &self.org_unit, self.kind.code(), &self.period, &self.made_at].join("|")
    }
    pub fn decode(s: &str) -> Option<Signature> {
        let f: Vec<&str> = s.trim().split('|').collect();
        match f.as_slice() {
            [tag, zone, org, kind, period, made_at] if *tag == SIGNATURE_TAG => Some(Signature {
                zone: (*zone).into(),
                org_unit: (*org).into(),
                kind: TemplateKind::parse(kind)?,
                period: (*period).into(),
                made_at: (*made_at).into(),
            }),
            _ => None,
        }
    }
}

/// One column of a template.
pub(crate) struct Column {
    pub key: &'static str,
    /// The key of its header in the locale files.
    pub header: &'static str,
    /// Filled in by the unit (unlocked) or given by ecociv (locked).
    pub entry: bool,
    pub width: f64,
}

const fn col(key: &'static str, header: &'static str, entry: bool, width: f64) -> Column {
    Column { key, header, entry, width }
}

/// The columns of an observation template; the import reads them by these keys.
pub(crate) const OBSERVATION_COLUMNS: [Column; 10] = [
    col("indicator", "col.indicator_code", false, 9.0),
    col("name", "col.indicator_name", false, 30.0),
    col("unit", "col.unit", false, 10.0),
    col("target", "col.target_value", false, 16.0),
    col("region", "col.region", false, 12.0),
    col("previous", "col.previous_value", false, 12.0),
    col("value", "col.value_this_year", true, 14.0),
    col("comment", "col.comment", true, 24.0),
    col("explanation", "col.jump_explanation", true, 24.0),
    col("version", "col.version", false, 6.0),
];

/// The columns of a dispatch template.
pub(crate) const DISPATCH_COLUMNS: [Column; 16] = [
    col("project", "col.project_number", false, 9.0),
    col("name", "col.project_name", false, 34.0),
    col("budget_yi", "col.budget_yi_total", false, 12.0),
    col("previous_cumulative_wan", "col.previous_cumulative_wan", false, 14.0),
    col("previous_progress", "col.previous_progress", false, 10.0),
    col("status", "col.status", true, 10.0),
    col("progress_percent", "col.progress_percent", true, 10.0),
    col("investment_month_wan", "col.investment_month_wan", true, 14.0),
    col("investment_cumulative_wan", "col.investment_cumulative_wan", true, 14.0),
    col("funding_fiscal", "col.funding_fiscal", true, 12.0),
    col("funding_financial", "col.funding_financial", true, 12.0),
    col("funding_social", "col.funding_social", true, 12.0),
    col("benefits", "col.benefits", true, 24.0),
    col("problems", "col.problems", true, 24.0),
    col("explanation", "col.over_budget_explanation", true, 20.0),
    col("version", "col.version", false, 6.0),
];

/// The columns of a task template: what the task asks, what was reported last, what was done.
pub(crate) const TASK_COLUMNS: [Column; 6] = [
    col("task", "col.task_number", false, 9.0),
    col("name", "col.task_title", false, 40.0),
    col("previous_progress", "col.previous_task_progress", false, 30.0),
    col("progress", "col.task_progress", true, 40.0),
    col("problems", "col.problems", true, 24.0),
    col("version", "col.version", false, 6.0),
];

/// The columns of the list of rectification tasks (the keys are the fields of a task).
pub(crate) const RECTIFICATION_COLUMNS: [Column; 8] = [
    col("number", "col.code", true, 6.0),
    col("source", "rectification.source", true, 24.0),
    col("problem", "rectification.problem", true, 40.0),
    col("owner", "rectification.owner", true, 14.0),
    col("deadline", "rectification.deadline", true, 14.0),
    col("measures", "rectification.measures", true, 40.0),
    col("status", "rectification.status", true, 10.0),
    col("version", "col.version", false, 6.0),
];

/// The columns of a template.
pub(crate) fn columns(kind: TemplateKind) -> &'static [Column] {
    match kind {
        TemplateKind::Observations => &OBSERVATION_COLUMNS,
        TemplateKind::Dispatch => &DISPATCH_COLUMNS,
        TemplateKind::Tasks => &TASK_COLUMNS,
        TemplateKind::Rectifications => &RECTIFICATION_COLUMNS,
    }
}

/// The keys of the columns of a template, in order.
pub fn column_keys(kind: TemplateKind) -> Vec<&'static str> {
    columns(kind).iter().map(|c| c.key).collect()
}

/// The locale key of the header of a column (`col.value`).
pub fn column_header_key(kind: TemplateKind, key: &str) -> Option<&'static str> {
    columns(kind).iter().find(|c| c.key == key).map(|c| c.header)
}

/// The header of a column in a language.
pub fn column_header(kind: TemplateKind, key: &str, l: Locale) -> Option<&'static str> {
    column_header_key(kind, key).map(|h| t(l, h))
}

/// The locale key of the sheet name of the rows of a template.
pub fn data_sheet_key(kind: TemplateKind) -> &'static str {
    match kind {
        TemplateKind::Observations => "sheet.observations",
        TemplateKind::Dispatch => "sheet.dispatch",
        TemplateKind::Tasks => "sheet.tasks",
        TemplateKind::Rectifications => "sheet.rectifications",
    }
}

/// The sheet name of the rows of a template.
pub fn data_sheet_name(kind: TemplateKind, l: Locale) -> &'static str {
    t(l, data_sheet_key(kind))
}
