//! The checks on what departments, regions and units send in: yearly observations of an
//! indicator and monthly dispatch reports of a project or task. Pure: the caller supplies the
//! plan, the previous entries and the clock; the result is the checked entry or every problem
//! as a field error with a stable code and a message of the locale files (`field.*`).

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Locale;
use crate::locale::{Text, t};
use crate::model::{Plan, Project, Task};
use crate::rule::ValueKind;
use crate::value::{StateWord, Value, half_width, parse_quantity};

/// One problem with one field: a stable code, and a message of the locale files that is shown
/// in the language asked for when it is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    message: Text,
}

impl FieldError {
    /// A field error whose message is the text `key` of the locale files; its placeholders are
    /// filled by [`FieldError::arg`] and [`FieldError::list`].
    pub fn keyed(field: &str, code: &'static str, key: &'static str) -> FieldError {
        FieldError { field: field.into(), code, message: Text::new(key) }
    }
    /// The value of the placeholder `{name}` (or `{name:?}`) of the message.
    pub fn arg(mut self, name: &'static str, value: &dyn std::fmt::Display) -> FieldError {
        self.message = self.message.arg(name, value);
        self
    }
    /// The items of the placeholder `{name}`, listed as the language of the message lists them.
    pub fn list(mut self, name: &'static str, items: &[&str]) -> FieldError {
        self.message = self.message.list(name, items);
        self
    }
    /// The message in a language.
    pub fn message(&self, l: Locale) -> String {
        self.message.render(l)
    }
    /// The same problem in the `index`-th (from 0) of a list of inputs: `rows[2].owner`.
    pub fn in_row(mut self, index: usize) -> FieldError {
        self.field = format!("rows[{index}].{}", self.field);
        self
    }
    /// The message, to be written in a language later.
    pub fn text(&self) -> &Text {
        &self.message
    }
}

/// A month of dispatch, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn of(d: NaiveDate) -> YearMonth {
        YearMonth { year: d.year(), month: d.month() }
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }
    pub fn next(self) -> YearMonth {
        if self.month == 12 { YearMonth { year: self.year + 1, month: 1 } } else { YearMonth { year: self.year, month: self.month + 1 } }
    }
    /// Reads a month as people type it in a spreadsheet: `2024-05`, `2024-5`, `2024/05`,
    /// `2024.5`, `2024年5月`, `202405`, or a day of it (`2024-05-01`, `2024/5/1`,
    /// `2024年5月1日`, an ISO date-time); full-width digits too.
    pub fn read(text: &str) -> Option<YearMonth> {
        let t = half_width(text);
        let t = t.split(['T', ' ']).next().unwrap_or("");
        let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月', '日']).filter(|p| !p.is_empty()).collect();
        let (y, m) = match parts.as_slice() {
            [ym] if ym.len() == 6 && ym.bytes().all(|b| b.is_ascii_digit()) => (&ym[..4], &ym[4..]),
            [y, m] | [y, m, _] => (*y, *m),
            _ => return None,
        };
        if let [_, _, d] = parts.as_slice() {
            d.parse::<u32>().ok().filter(|d| (1..=31).contains(d))?;
        }
        let (year, month): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
        (y.len() == 4 && m.len() <= 2 && (1..=12).contains(&month)).then_some(YearMonth { year, month })
    }
    /// The due date of a dispatch report for this month: `due_day` of the next month.
    pub fn dispatch_due(self, due_day: u32) -> NaiveDate {
        let n = self.next();
        let last = n.next().first_day().pred_opt().expect("a day before").day();
        NaiveDate::from_ymd_opt(n.year, n.month, due_day.clamp(1, last)).expect("valid day")
    }
}

impl FromStr for YearMonth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let (y, m) = t.split_once('-').ok_or_else(|| format!("{t:?} is not YYYY-MM"))?;
        let year: i32 = y.parse().map_err(|_| format!("{t:?} is not YYYY-MM"))?;
        let month: u32 = m.parse().map_err(|_| format!("{t:?} is not YYYY-MM"))?;
        if y.len() != 4 || !(1..=12).contains(&month) {
            return Err(format!("{t:?} is not YYYY-MM"));
        }
        Ok(YearMonth { year, month })
    }
}

impl TryFrom<String> for YearMonth {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<YearMonth> for String {
    fn from(m: YearMonth) -> String {
        m.to_string()
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Reads a year as people type it: `2024`, `2024年`, `２０２４`.
pub fn read_year(text: &str) -> Option<i32> {
    let t = half_width(text.trim().trim_end_matches('年'));
    t.parse().ok().filter(|_| t.len() == 4)
}

/// Per-zone settings of the data loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneSettings {
    /// Dispatch reports are due on this day of the next month.
    pub dispatch_due_day: u32,
    /// Yearly values are due by this month and day of the next year.
    pub observation_due: (u32, u32),
    /// A change against the previous year larger than this share (0.5 = 50%) needs a written explanation.
    pub jump_bound: Decimal,
    /// The indicators the task force asks by region: the regions enter their own values of these.
    pub regional_indicators: Vec<String>,
    /// What the task force of the zone above may do in this zone.
    pub parent_rights: Vec<crate::access::ParentRight>,
}

impl Default for ZoneSettings {
    fn default() -> Self {
        ZoneSettings {
            dispatch_due_day: 5,
            observation_due: (3, 31),
            jump_bound: Decimal::new(5, 1),
            regional_indicators: Vec::new(),
            parent_rights: Vec::new(),
        }
    }
}

impl ZoneSettings {
    /// Checks settings sent by the task force.
    pub fn check(&self, plan: &Plan) -> Result<(), Vec<FieldError>> {
        let mut errs = Vec::new();
        if !(1..=28).contains(&self.dispatch_due_day) {
            errs.push(FieldError::keyed("dispatch_due_day", "out_of_range", "field.controls.due_day"));
        }
        if NaiveDate::from_ymd_opt(2023, self.observation_due.0, self.observation_due.1).is_none() {
            errs.push(FieldError::keyed("observation_due", "bad_date", "field.controls.observation_due"));
        }
        if self.jump_bound <= Decimal::ZERO {
            errs.push(FieldError::keyed("jump_bound", "out_of_range", "field.controls.jump_bound_positive"));
        }
        for c in &self.regional_indicators {
            if plan.leaf(c).is_none() {
                errs.push(FieldError::keyed("regional_indicators", "unknown_indicator", "field.unknown_indicator").arg("indicator", &c));
            }
        }
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }

    pub fn observation_due_date(&self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year + 1, self.observation_due.0, self.observation_due.1)
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(year + 1, 12, 31).expect("valid"))
    }

    /// The day a plan closes: when the last things it asks for were due — the values of its last
    /// year (the spring after it) and the report of its last month. After it, every entry of
    /// the plan's periods is refused unless the task force reopens the period with a reason.
    pub fn plan_closes_on(&self, plan: &Plan) -> NaiveDate {
        let last_month = YearMonth { year: plan.end_year, month: 12 }.dispatch_due(self.dispatch_due_day);
        self.observation_due_in(plan, plan.end_year).max(last_month)
    }

    /// When the values of `year` are due under `plan`: the usual date of the year after; but a
    /// year whose usual date passed before the plan was issued (its base year, the years before
    /// it) is asked for by the end of the plan's first phase, when its archive must stand. So no
    /// value is late against a date on which nobody could have known it was asked for.
    pub fn observation_due_in(&self, plan: &Plan, year: i32) -> NaiveDate {
        let usual = self.observation_due_date(year);
        if usual >= plan.issued_on {
            return usual;
        }
        let first_phase_end = plan.phases.iter().map(|p| p.end).min().unwrap_or(plan.issued_on);
        first_phase_end.max(plan.issued_on)
    }

    /// The year projections stand in on a date: the clock's year once last year's values are
    /// due, else last year. So a 2025 deadline gives way to its result only when the 2025
    /// values are due (2026-04-01 by default), not on 2026-01-01 when none can be in yet.
    pub fn projection_year(&self, today: NaiveDate) -> i32 {
        let y = today.year();
        if today <= self.observation_due_date(y - 1) { y - 1 } else { y }
    }
}

/// An observation as sent in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ObservationInput {
    /// A leaf code: `3`, `7.2`.
    pub indicator: String,
    pub year: i32,
    /// A region of the zone (name or alias), where the task force asks values by region.
    #[serde(default)]
    pub region: Option<String>,
    /// A number in the indicator's unit (a string or a JSON number), or a state word.
    #[schema(value_type = String)]
    pub value: serde_json::Value,
    #[serde(default)]
    pub comment: String,
    /// Required when the value jumps beyond the bound against the previous year.
    #[serde(default)]
    pub explanation: Option<String>,
}

/// An observation that passed the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedObservation {
    pub indicator: String,
    pub year: i32,
    pub region: Option<String>,
    pub value: Value,
    pub comment: String,
    pub explanation: Option<String>,
    /// A jump beyond the bound (explained).
    pub jump: bool,
}

/// Reads a JSON value (string or number) as text.
pub fn json_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Checks an observation: the code is a leaf of the plan, the year is open (from the base
/// year up to the clock's year, or opened later), the region is one of the zone's, the value
/// has the kind the rule judges and stays in range, and a jump against the previous year is
/// explained.
pub fn check_observation(
    plan: &Plan,
    input: &ObservationInput,
    previous: Option<&Value>,
    today: NaiveDate,
    settings: &ZoneSettings,
    extra_years: &[i32],
) -> Result<CheckedObservation, Vec<FieldError>> {
    let mut errs = Vec::new();
    let leaf = plan.leaf(&input.indicator);
    if leaf.is_none() {
        let composite = plan.indicator(input.indicator.trim()).is_some_and(|i| !i.sub_indicators.is_empty());
        if composite {
            errs.push(FieldError::keyed("indicator", "composite_indicator", "field.observation.composite").arg("indicator", &input.indicator));
        } else {
            errs.push(FieldError::keyed("indicator", "unknown_indicator", "field.unknown_indicator").arg("indicator", &input.indicator));
        }
    }
    let open = (plan.base_year..=plan.end_year).contains(&input.year) || extra_years.contains(&input.year);
    if input.year > today.year() {
        errs.push(FieldError::keyed("year", "future_year", "field.observation.future_year").arg("year", &input.year));
    } else if !open {
        errs.push(
            FieldError::keyed("year", "year_not_open", "field.observation.year_not_open")
                .arg("year", &input.year)
                .arg("base_year", &plan.base_year)
                .arg("end_year", &plan.end_year),
        );
    }
    let region = match input.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => match plan.region(r) {
            Some(o) => Some(o.name.clone()),
            None => {
                errs.push(FieldError::keyed("region", "unknown_region", "field.observation.unknown_region").arg("region", &r));
                None
            }
        },
    };
    let mut value = None;
    let mut jump = false;
    let text = json_text(&input.value).unwrap_or_default();
    if let Some(leaf) = leaf {
        let rule = leaf.target.parse_rule().expect("plan rules parse");
        match rule.value_kind() {
            ValueKind::State(w) => match StateWord::parse(&text) {
                Some(s) if s.word == w.word || s.is_generic() => value = Some(Value::State(s)),
                _ => {
                    let acc = w.accepted_values().join("、");
                    errs.push(FieldError::keyed("value", "not_a_state", "field.observation.not_a_state").arg("accepted", &acc).arg("text", &text));
                }
            },
            _ => match parse_quantity(&text, leaf.unit) {
                None => errs.push(FieldError::keyed("value", "not_a_number", "field.not_a_number").arg("unit", &leaf.unit).arg("text", &text)),
                Some(n) => {
                    let (min, max) = admissible_range(leaf.unit, leaf.code);
                    if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                        let shown = |o: Option<Decimal>| o.map(|d| d.to_string()).unwrap_or_else(|| "∞".into());
                        errs.push(
                            FieldError::keyed("value", "out_of_range", "field.observation.out_of_range")
                                .arg("min", &shown(min))
                                .arg("max", &shown(max))
                                .arg("unit", &leaf.unit)
                                .arg("value", &n),
                        );
                    } else {
                        if let Some(p) = previous.and_then(Value::number)
                            && !p.is_zero()
                            && ((n - p) / p).abs() > settings.jump_bound
                        {
                            jump = true;
                            if input.explanation.as_deref().is_none_or(|e| e.trim().is_empty()) {
                                let pct = (settings.jump_bound * Decimal::ONE_HUNDRED).normalize();
                                errs.push(
                                    FieldError::keyed("explanation", "jump_needs_explanation", "field.observation.jump_needs_explanation")
                                        .arg("previous", &p)
                                        .arg("percent", &pct),
                                );
                            }
                        }
                        value = Some(Value::Number(n));
                    }
                }
            },
        }
    }
    check_text(&mut errs, "comment", &input.comment);
    check_text(&mut errs, "explanation", input.explanation.as_deref().unwrap_or(""));
    if input.comment.chars().count() > 2000 {
        errs.push(FieldError::keyed("comment", "too_long", "field.observation.comment_too_long"));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(CheckedObservation {
        indicator: leaf.expect("checked").code.to_string(),
        year: input.year,
        region,
        value: value.expect("checked"),
        comment: input.comment.trim().to_string(),
        explanation: input.explanation.clone().filter(|e| !e.trim().is_empty()),
        jump,
    })
}

/// The admissible range of a value: percentages 0–100 (rates of change and increases may be
/// negative), other measures not negative.
pub fn admissible_range(unit: &str, code: &str) -> (Option<Decimal>, Option<Decimal>) {
    let hundred = Some(Decimal::ONE_HUNDRED);
    match (unit, code) {
        // 19 is a rate of decline; 22 an increase in percentage points
        ("%", "19") | (_, "22") => (Some(-Decimal::ONE_HUNDRED), hundred),
        ("%", _) => (Some(Decimal::ZERO), hundred),
        _ => (Some(Decimal::ZERO), None),
    }
}

/// The state of a project in a dispatch report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    NotStarted,
    UnderWay,
    Completed,
    Suspended,
}

impl ProjectStatus {
    pub fn code(self) -> &'static str {
        match self {
            ProjectStatus::NotStarted => "not_started",
            ProjectStatus::UnderWay => "under_way",
            ProjectStatus::Completed => "completed",
            ProjectStatus::Suspended => "suspended",
        }
    }
    /// Reads the code, or the label in any language (a template's drop-down).
    pub fn parse(s: &str) -> Option<ProjectStatus> {
        let t = s.trim();
        [ProjectStatus::NotStarted, ProjectStatus::UnderWay, ProjectStatus::Completed, ProjectStatus::Suspended]
            .into_iter()
            .find(|x| x.code() == t || Locale::all().any(|l| x.label(l).eq_ignore_ascii_case(t)))
    }
    pub fn label(self, l: Locale) -> &'static str {
        match self {
            ProjectStatus::NotStarted => t(l, "project_status.not_started"),
            ProjectStatus::UnderWay => t(l, "project_status.under_way"),
            ProjectStatus::Completed => t(l, "project_status.completed"),
            ProjectStatus::Suspended => t(l, "project_status.suspended"),
        }
    }
}

/// A project's monthly dispatch report as sent in. Amounts in 万元.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProjectReportInput {
    #[schema(value_type = String, example = "2024-05")]
    pub period: String,
    #[schema(value_type = String)]
    pub status: String,
    #[schema(value_type = String)]
    pub progress_percent: serde_json::Value,
    #[schema(value_type = String)]
    pub investment_month_wan: serde_json::Value,
    /// Required in the first report (the opening cumulative); afterwards it must equal last
    /// month's cumulative plus this month, and may be left out.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub investment_cumulative_wan: Option<serde_json::Value>,
    #[serde(default)]
    pub benefits: String,
    #[serde(default)]
    pub problems: String,
    /// Required when the cumulative investment exceeds the budget.
    #[serde(default)]
    pub explanation: Option<String>,
    /// The month's investment by source (optional); given, it sums to the month's investment.
    #[serde(default)]
    pub funding: Option<FundingInput>,
}

/// The month's investment by source as sent in (万元): 财政资金, 金融资金, 社会资金 (plan 六(四)).
/// A source left out counts as none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FundingInput {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub funding_fiscal: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub funding_financial: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub funding_social: Option<serde_json::Value>,
}

impl FundingInput {
    /// The sources by field name, as given (empty text and null are not given).
    fn given(&self) -> Vec<(&'static str, &serde_json::Value)> {
        [("funding_fiscal", &self.funding_fiscal), ("funding_financial", &self.funding_financial), ("funding_social", &self.funding_social)]
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_ref().filter(|v| !v.is_null() && json_text(v).is_some_and(|t| !t.trim().is_empty()))?)))
            .collect()
    }
}

/// The month's investment by source, 万元.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Funding {
    pub funding_fiscal: Decimal,
    pub funding_financial: Decimal,
    pub funding_social: Decimal,
}

impl Funding {
    /// As a record keeps it: `财政|金融|社会`, canonical decimals.
    pub fn encode(&self) -> String {
        [self.funding_fiscal, self.funding_financial, self.funding_social].map(|d| d.normalize().to_string()).join("|")
    }
    /// Reads what [`Funding::encode`] wrote; `None` for an empty or unreadable text.
    pub fn parse(s: &str) -> Option<Funding> {
        let parts: Vec<Decimal> = s.split('|').map(|p| p.parse().ok()).collect::<Option<_>>()?;
        match parts.as_slice() {
            [a, b, c] => Some(Funding { funding_fiscal: *a, funding_financial: *b, funding_social: *c }),
            _ => None,
        }
    }
    pub fn total(&self) -> Decimal {
        self.funding_fiscal + self.funding_financial + self.funding_social
    }
}

impl std::ops::AddAssign for Funding {
    fn add_assign(&mut self, o: Funding) {
        self.funding_fiscal += o.funding_fiscal;
        self.funding_financial += o.funding_financial;
        self.funding_social += o.funding_social;
    }
}

impl std::iter::Sum for Funding {
    fn sum<I: Iterator<Item = Funding>>(it: I) -> Funding {
        let mut total = Funding::default();
        for f in it {
            total += f;
        }
        total
    }
}

/// A checked project report.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedProjectReport {
    pub period: YearMonth,
    pub status: ProjectStatus,
    pub progress_percent: Decimal,
    pub investment_month_wan: Decimal,
    pub investment_cumulative_wan: Decimal,
    pub benefits: String,
    pub problems: String,
    pub explanation: Option<String>,
    pub over_budget: bool,
    /// The month's investment by source, when given.
    pub funding: Option<Funding>,
}

/// The last report of a subject before the period being reported.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousReport {
    pub period: YearMonth,
    pub investment_cumulative_wan: Decimal,
}

/// A number in `unit` (万/亿 words converted, see [`parse_quantity`]).
fn decimal_field(errs: &mut Vec<FieldError>, field: &str, v: &serde_json::Value, unit: &str) -> Option<Decimal> {
    let text = json_text(v).unwrap_or_default();
    match parse_quantity(&text, unit) {
        Some(n) => Some(n),
        None => {
            // 万元 has its own words in each language; other units are written as they are
            let e = match unit {
                "万元" => FieldError::keyed(field, "not_a_number", "field.not_a_number_wan"),
                u => FieldError::keyed(field, "not_a_number", "field.not_a_number").arg("unit", &u),
            };
            errs.push(e.arg("text", &text));
            None
        }
    }
}

/// A report's month: `YYYY-MM`, not after this month, not before the plan.
pub(crate) fn check_period(errs: &mut Vec<FieldError>, plan: &Plan, period: &str, today: NaiveDate) -> Option<YearMonth> {
    match period.parse::<YearMonth>() {
        Err(_) => {
            errs.push(FieldError::keyed("period", "bad_period", "field.report.bad_month").arg("period", &period));
            None
        }
        Ok(m) if m > YearMonth::of(today) => {
            errs.push(FieldError::keyed("period", "future_month", "field.report.future_month").arg("month", &m));
            None
        }
        Ok(m) if m.year < plan.start_year => {
            errs.push(FieldError::keyed("period", "month_before_plan", "field.report.month_before_plan").arg("start_year", &plan.start_year).arg("month", &m));
            None
        }
        Ok(m) => Some(m),
    }
}

/// Checks a project's dispatch report against the previous one.
pub fn check_project_report(
    plan: &Plan,
    project: &Project,
    input: &ProjectReportInput,
    previous: Option<&PreviousReport>,
    today: NaiveDate,
) -> Result<CheckedProjectReport, Vec<FieldError>> {
    let mut errs = Vec::new();
    let period = check_period(&mut errs, plan, &input.period, today);
    let status = ProjectStatus::parse(&input.status);
    if status.is_none() {
        errs.push(FieldError::keyed("status", "bad_status", "field.report.bad_status").arg("status", &input.status));
    }
    let progress = decimal_field(&mut errs, "progress_percent", &input.progress_percent, "%");
    if let Some(p) = progress
        && (p < Decimal::ZERO || p > Decimal::ONE_HUNDRED)
    {
        errs.push(FieldError::keyed("progress_percent", "out_of_range", "field.report.progress_out_of_range").arg("progress", &p));
    }
    if let (Some(p), Some(s)) = (progress, status) {
        if p == Decimal::ONE_HUNDRED && s != ProjectStatus::Completed {
            errs.push(FieldError::keyed("status", "complete_means_completed", "field.report.complete_means_completed"));
        }
        if s == ProjectStatus::Completed && p != Decimal::ONE_HUNDRED {
            errs.push(FieldError::keyed("progress_percent", "completed_means_100", "field.report.completed_means_100"));
        }
        if s == ProjectStatus::NotStarted && !p.is_zero() {
            errs.push(FieldError::keyed("status", "started_means_progress", "field.report.started_means_progress").arg("progress", &p));
        }
    }
    let month = decimal_field(&mut errs, "investment_month_wan", &input.investment_month_wan, "万元");
    if let Some(m) = month
        && m < Decimal::ZERO
    {
        errs.push(FieldError::keyed("investment_month_wan", "negative", "field.report.negative_month").arg("month", &m));
    }
    let given_cum = input.investment_cumulative_wan.as_ref().filter(|v| !v.is_null() && json_text(v).is_some_and(|t| !t.trim().is_empty()));
    let cum_given = given_cum.and_then(|v| decimal_field(&mut errs, "investment_cumulative_wan", v, "万元"));
    if let (Some(prev), Some(p)) = (previous, period)
        && p <= prev.period
    {
        errs.push(FieldError::keyed("period", "not_after_last_report", "field.report.not_after_last").arg("last", &prev.period).arg("period", &p));
    }
    let mut cumulative = None;
    match (previous, month, cum_given) {
        (None, Some(m), Some(c)) => {
            if c < m {
                errs.push(
                    FieldError::keyed("investment_cumulative_wan", "cumulative_below_month", "field.report.cumulative_below_month")
                        .arg("cumulative", &c)
                        .arg("month", &m),
                );
            } else {
                cumulative = Some(c);
            }
        }
        (None, _, None) => errs.push(FieldError::keyed("investment_cumulative_wan", "opening_cumulative_required", "field.report.opening_cumulative_required")),
        (Some(prev), Some(m), c) => {
            let expected = prev.investment_cumulative_wan + m;
            match c {
                Some(c) if c != expected => errs.push(
                    FieldError::keyed("investment_cumulative_wan", "cumulative_mismatch", "field.report.cumulative_mismatch")
                        .arg("last_cumulative", &prev.investment_cumulative_wan)
                        .arg("cumulative", &c)
                        .arg("month", &m)
                        .arg("expected", &expected),
                ),
                _ => cumulative = Some(expected),
            }
        }
        _ => {}
    }
    let mut over_budget = false;
    if let (Some(c), Some(b)) = (cumulative, &project.budget) {
        let budget_wan = b.yi * Decimal::from(10_000);
        if c > budget_wan {
            over_budget = true;
            if input.explanation.as_deref().is_none_or(|e| e.trim().is_empty()) {
                errs.push(
                    FieldError::keyed("explanation", "over_budget_needs_explanation", "field.report.over_budget")
                        .arg("budget", &budget_wan.normalize())
                        .arg("cumulative", &c),
                );
            }
        }
    }
    // the split by source, when given: amounts not negative, summing to the month's investment
    let mut funding = None;
    if let Some(given) = input.funding.as_ref().map(FundingInput::given).filter(|g| !g.is_empty()) {
        let mut f = Funding::default();
        let mut readable = true;
        for (field, v) in given {
            match decimal_field(&mut errs, field, v, "万元") {
                Some(d) if d < Decimal::ZERO => {
                    errs.push(FieldError::keyed(field, "negative", "field.report.negative_funding").arg("amount", &d));
                    readable = false;
                }
                Some(d) => match field {
                    "funding_fiscal" => f.funding_fiscal = d,
                    "funding_financial" => f.funding_financial = d,
                    _ => f.funding_social = d,
                },
                None => readable = false,
            }
        }
        if let (true, Some(m)) = (readable, month) {
            if f.total() != m {
                errs.push(
                    FieldError::keyed("funding_fiscal", "funding_sum", "field.report.funding_sum")
                        .arg("sum", &f.total().normalize())
                        .arg("month", &m.normalize()),
                );
            } else {
                funding = Some(f);
            }
        }
    }
    for (field, text) in [("benefits", &input.benefits), ("problems", &input.problems), ("explanation", &input.explanation.clone().unwrap_or_default())] {
        check_text(&mut errs, field, text);
        if text.chars().count() > 4000 {
            errs.push(FieldError::keyed(field, "too_long", "field.report.text_too_long"));
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(CheckedProjectReport {
        period: period.expect("checked"),
        status: status.expect("checked"),
        progress_percent: progress.expect("checked"),
        investment_month_wan: month.expect("checked"),
        investment_cumulative_wan: cumulative.expect("checked"),
        benefits: input.benefits.trim().into(),
        problems: input.problems.trim().into(),
        explanation: input.explanation.clone().filter(|e| !e.trim().is_empty()),
        over_budget,
        funding,
    })
}

/// The summary of the survey a yearly value comes from (indicators 35 and 36, public
/// satisfaction and participation, surveyed yearly by 统计局): how many answered and how they
/// were asked. The value is the survey's result; its report goes with it as evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub sample_size: u32,
    pub method: String,
}

impl Survey {
    /// What the value's comment says of its survey (in the zone's first language, as data).
    pub fn comment(&self) -> String {
        crate::locale::tf(crate::Locale::Zh, "survey.comment", &[("sample", self.sample_size.to_string()), ("method", self.method.clone())])
    }
}

/// Checks a survey's summary: a sample of at least one answer, a method said in words.
pub fn check_survey(sample_size: &str, method: &str) -> Result<Survey, Vec<FieldError>> {
    let mut errs = Vec::new();
    let n = half_width(sample_size).trim().parse::<u32>().ok().filter(|n| *n >= 1);
    if n.is_none() {
        errs.push(FieldError::keyed("sample_size", "bad_sample_size", "field.survey.sample_size").arg("text", &sample_size));
    }
    let method = method.trim();
    if method.is_empty() || method.chars().count() > 200 {
        errs.push(FieldError::keyed("method", "bad_method", "field.survey.method"));
    }
    check_text(&mut errs, "method", method);
    match n {
        Some(sample_size) if errs.is_empty() => Ok(Survey { sample_size, method: method.into() }),
        _ => Err(errs),
    }
}

/// A task's monthly dispatch report as sent in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TaskReportInput {
    #[schema(example = "2024-05")]
    pub period: String,
    /// What was done.
    pub progress: String,
    /// Amounts done so far toward the task's quantities, by their position (0-based) in the task.
    #[serde(default)]
    pub quantities: Vec<QuantityDone>,
    #[serde(default)]
    pub problems: String,
}

/// An amount done toward one of a task's quantities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuantityDone {
    pub index: usize,
    #[schema(value_type = String)]
    pub done: serde_json::Value,
}

/// A checked task report.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedTaskReport {
    pub period: YearMonth,
    pub progress: String,
    pub quantities: Vec<(usize, Decimal)>,
    pub problems: String,
}

/// Checks a task's dispatch report.
pub fn check_task_report(
    plan: &Plan,
    task: &Task,
    input: &TaskReportInput,
    last_period: Option<YearMonth>,
    today: NaiveDate,
) -> Result<CheckedTaskReport, Vec<FieldError>> {
    let mut errs = Vec::new();
    let period = check_period(&mut errs, plan, &input.period, today);
    if let (Some(p), Some(last)) = (period, last_period)
        && p <= last
    {
        errs.push(FieldError::keyed("period", "not_after_last_report", "field.report.not_after_last").arg("last", &last).arg("period", &p));
    }
    if input.progress.trim().is_empty() {
        errs.push(FieldError::keyed("progress", "required", "field.task_report.progress_required"));
    }
    check_text(&mut errs, "progress", &input.progress);
    check_text(&mut errs, "problems", &input.problems);
    let mut quantities: Vec<(usize, Decimal)> = Vec::new();
    for q in &input.quantities {
        let field = format!("quantities[{}]", q.index);
        if quantities.iter().any(|(i, _)| *i == q.index) {
            errs.push(FieldError::keyed(&field, "duplicate_quantity", "field.task_report.duplicate_quantity").arg("quantity", &(q.index + 1)));
            continue;
        }
        if q.index >= task.quantities.len() {
            errs.push(
                FieldError::keyed(&field, "unknown_quantity", "field.task_report.unknown_quantity").arg("task", &task.number).arg("quantity", &(q.index + 1)),
            );
            continue;
        }
        if let Some(d) = decimal_field(&mut errs, &field, &q.done, "") {
            if d < Decimal::ZERO {
                errs.push(FieldError::keyed(&field, "negative", "field.task_report.negative_done"));
            } else if task.quantities[q.index].unit == "%" && d > Decimal::ONE_HUNDRED {
                errs.push(FieldError::keyed(&field, "out_of_range", "field.task_report.percent_out_of_range").arg("done", &d));
            } else {
                quantities.push((q.index, d));
            }
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(CheckedTaskReport { period: period.expect("checked"), progress: input.progress.trim().into(), quantities, problems: input.problems.trim().into() })
}

/// A character that every document ecociv writes can carry: XML 1.0's characters (no C0
/// control but tab and line breaks, no U+FFFE or U+FFFF), and no C1 control either.
pub fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || !(c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}')
}

/// Refuses characters a document cannot carry (see [`printable`]) in a free-text field,
/// naming the first and where it is (the character count from 1).
pub fn check_text(errs: &mut Vec<FieldError>, field: &str, text: &str) {
    if let Some((at, c)) = text.chars().enumerate().find(|(_, c)| !printable(*c)) {
        errs.push(FieldError::keyed(field, "bad_text", "field.control_characters").arg("code", &format!("U+{:04X}", c as u32)).arg("at", &(at + 1)));
    }
}

/// A string is a strong enough password: at least 10 characters with three of: lower case,
/// upper case, digits, other characters.
pub fn check_password_strength(pw: &str) -> Result<(), FieldError> {
    let classes = [
        pw.chars().any(|c| c.is_lowercase()),
        pw.chars().any(|c| c.is_uppercase()),
        pw.chars().any(|c| c.is_ascii_digit()),
        pw.chars().any(|c| !c.is_alphanumeric()),
    ];
    if pw.chars().count() < 10 || classes.iter().filter(|x| **x).count() < 3 {
        return Err(FieldError::keyed("password", "weak_password", "field.password.weak"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_data::{build_plan, hohhot};
    use serde_json::json;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    #[test]
    fn months_and_years_as_typed_in_a_sheet() {
        let may = Some(YearMonth { year: 2024, month: 5 });
        for t in [
            "2024-05",
            "2024-5",
            "2024/05",
            "2024.5",
            "2024年5月",
            "2024年05月",
            "202405",
            "2024-05-01",
            "2024/5/1",
            "2024年5月1日",
            "２０２４年５月",
            "2024-05-01T00:00:00",
        ] {
            assert_eq!(YearMonth::read(t), may, "{t}");
        }
        for t in ["2024", "2024-13", "24-05", "2024-05-40", "May 2024", "", "2024-05-01-02"] {
            assert_eq!(YearMonth::read(t), None, "{t}");
        }
        assert_eq!(read_year("2024年"), Some(2024));
        assert_eq!(read_year("２０２４"), Some(2024));
        assert_eq!(read_year("24"), None);
        assert_eq!(ProjectStatus::parse("在建"), Some(ProjectStatus::UnderWay));
        assert_eq!(ProjectStatus::parse("Under way"), Some(ProjectStatus::UnderWay));
        assert_eq!(ProjectStatus::parse("completed"), Some(ProjectStatus::Completed));
        assert_eq!(ProjectStatus::parse("done"), None);
    }

    fn codes(r: Result<impl std::fmt::Debug, Vec<FieldError>>) -> Vec<(String, &'static str)> {
        r.unwrap_err().into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn projections_wait_for_the_yearly_values() {
        let s = ZoneSettings::default();
        let d = |t: &str| t.parse::<NaiveDate>().unwrap();
        assert_eq!(s.projection_year(d("2026-01-01")), 2025);
        assert_eq!(s.projection_year(d("2026-03-31")), 2025);
        assert_eq!(s.projection_year(d("2026-04-01")), 2026);
        assert_eq!(s.projection_year(d("2024-06-10")), 2024);
    }

    #[test]
    fn observations_are_checked() {
        let p = build_plan(&hohhot()).unwrap();
        let s = ZoneSettings::default();
        let today = d("2024-06-01");
        let ok = |ind: &str, year: i32, v: serde_json::Value| ObservationInput { indicator: ind.into(), year, value: v, ..Default::default() };
        assert!(check_observation(&p, &ok("7.1", 2023, json!("86.2")), None, today, &s, &[]).is_ok());
        assert!(check_observation(&p, &ok("7.1", 2023, json!(86.2)), None, today, &s, &[]).is_ok());
        assert_eq!(codes(check_observation(&p, &ok("7.1", 2023, json!("140")), None, today, &s, &[])), vec![("value".into(), "out_of_range")]);
        assert_eq!(codes(check_observation(&p, &ok("13", 2023, json!("45")), None, today, &s, &[])), vec![("value".into(), "not_a_state")]);
        assert_eq!(codes(check_observation(&p, &ok("3", 2023, json!("很多")), None, today, &s, &[])), vec![("value".into(), "not_a_number")]);
        assert_eq!(codes(check_observation(&p, &ok("7", 2023, json!("1")), None, today, &s, &[])), vec![("indicator".into(), "composite_indicator")]);
        assert_eq!(codes(check_observation(&p, &ok("3", 2025, json!("25")), None, today, &s, &[])), vec![("year".into(), "future_year")]);
        assert_eq!(codes(check_observation(&p, &ok("3", 2019, json!("25")), None, today, &s, &[])), vec![("year".into(), "year_not_open")]);
        assert!(check_observation(&p, &ok("3", 2026, json!("25")), None, d("2027-02-01"), &s, &[2026]).is_ok());
        assert_eq!(codes(check_observation(&p, &ok("17", 2023, json!("-1")), None, today, &s, &[])), vec![("value".into(), "out_of_range")]);
        assert!(check_observation(&p, &ok("22", 2023, json!("-1.5")), None, today, &s, &[]).is_ok());
        // a jump needs an explanation
        let prev = Value::Number(Decimal::from(40));
        assert_eq!(
            codes(check_observation(&p, &ok("3", 2023, json!("70")), Some(&prev), today, &s, &[])),
            vec![("explanation".into(), "jump_needs_explanation")]
        );
        let explained = ObservationInput { explanation: Some("考核办法调整".into()), ..ok("3", 2023, json!("70")) };
        assert!(check_observation(&p, &explained, Some(&prev), today, &s, &[]).unwrap().jump);
        assert!(!check_observation(&p, &ok("3", 2023, json!("60")), Some(&prev), today, &s, &[]).unwrap().jump, "exactly 50% is within the bound");
        let regional = ObservationInput { region: Some("托县".into()), ..ok("24", 2023, json!("96")) };
        assert_eq!(check_observation(&p, &regional, None, today, &s, &[]).unwrap().region.as_deref(), Some("托克托县"));
        let bad_region = ObservationInput { region: Some("海淀区".into()), ..ok("24", 2023, json!("96")) };
        assert_eq!(codes(check_observation(&p, &bad_region, None, today, &s, &[])), vec![("region".into(), "unknown_region")]);
    }

    fn report(period: &str, status: &str, progress: &str, month: &str, cum: Option<&str>) -> ProjectReportInput {
        ProjectReportInput {
            period: period.into(),
            status: status.into(),
            progress_percent: json!(progress),
            investment_month_wan: json!(month),
            investment_cumulative_wan: cum.map(|c| json!(c)),
            ..Default::default()
        }
    }

    #[test]
    fn the_split_by_source_adds_up_to_the_months_investment() {
        let p = build_plan(&hohhot()).unwrap();
        let proj = p.project(4).unwrap();
        let today = d("2024-06-10");
        let with = |f: FundingInput| ProjectReportInput { funding: Some(f), ..report("2024-05", "under_way", "30", "100", Some("3000")) };
        let split =
            |a: &str, b: &str, c: &str| FundingInput { funding_fiscal: Some(json!(a)), funding_financial: Some(json!(b)), funding_social: Some(json!(c)) };
        let ok = check_project_report(&p, proj, &with(split("60", "25.5", "14.5")), None, today).unwrap();
        assert_eq!(ok.funding.map(|f| f.encode()), Some("60|25.5|14.5".to_string()));
        assert_eq!(Funding::parse("60|25.5|14.5"), ok.funding);
        // a source left out counts as none
        let one = check_project_report(&p, proj, &with(FundingInput { funding_fiscal: Some(json!("100")), ..Default::default() }), None, today).unwrap();
        assert_eq!(one.funding.unwrap().encode(), "100|0|0");
        // nothing given: no split
        assert_eq!(check_project_report(&p, proj, &with(split("", " ", "")), None, today).unwrap().funding, None);
        let codes =
            |f: FundingInput| check_project_report(&p, proj, &with(f), None, today).unwrap_err().into_iter().map(|e| (e.field, e.code)).collect::<Vec<_>>();
        assert_eq!(codes(split("60", "20", "10")), [("funding_fiscal".to_string(), "funding_sum")], "90 ≠ 100");
        assert_eq!(codes(split("120", "-20", "0")), [("funding_financial".to_string(), "negative")]);
        assert_eq!(codes(split("六十", "20", "20")), [("funding_fiscal".to_string(), "not_a_number")]);
        assert_eq!(Funding::parse(""), None);
        assert_eq!(Funding::parse("1|2"), None);
    }

    #[test]
    fn project_reports_keep_the_cumulative_honest() {
        let p = build_plan(&hohhot()).unwrap();
        let proj = p.project(4).unwrap(); // budget 1.052 亿元 = 10520 万元
        let today = d("2024-06-10");
        let first = check_project_report(&p, proj, &report("2024-04", "under_way", "30", "500", Some("3000")), None, today).unwrap();
        assert_eq!(first.investment_cumulative_wan, Decimal::from(3000));
        assert_eq!(
            codes(check_project_report(&p, proj, &report("2024-04", "under_way", "30", "500", None), None, today)),
            vec![("investment_cumulative_wan".into(), "opening_cumulative_required")]
        );
        let prev = PreviousReport { period: first.period, investment_cumulative_wan: first.investment_cumulative_wan };
        let second = check_project_report(&p, proj, &report("2024-05", "under_way", "40", "200", None), Some(&prev), today).unwrap();
        assert_eq!(second.investment_cumulative_wan, Decimal::from(3200));
        assert_eq!(
            codes(check_project_report(&p, proj, &report("2024-05", "under_way", "40", "200", Some("3100")), Some(&prev), today)),
            vec![("investment_cumulative_wan".into(), "cumulative_mismatch")]
        );
        assert_eq!(
            codes(check_project_report(&p, proj, &report("2024-04", "under_way", "40", "200", None), Some(&prev), today)),
            vec![("period".into(), "not_after_last_report")]
        );
        assert_eq!(
            codes(check_project_report(&p, proj, &report("2024-07", "under_way", "40", "200", None), Some(&prev), today)),
            vec![("period".into(), "future_month")]
        );
        assert_eq!(
            codes(check_project_report(&p, proj, &report("2024-05", "under_way", "140", "200", None), Some(&prev), today)),
            vec![("progress_percent".into(), "out_of_range")]
        );
        assert_eq!(
            codes(check_project_report(&p, proj, &report("2024-05", "under_way", "40", "-5", None), Some(&prev), today)),
            vec![("investment_month_wan".into(), "negative")]
        );
        assert_eq!(
            codes(check_project_report(&p, proj, &report("2024-05", "under_way", "100", "0", None), Some(&prev), today)),
            vec![("status".into(), "complete_means_completed")]
        );
        assert!(check_project_report(&p, proj, &report("2024-05", "completed", "100", "0", None), Some(&prev), today).is_ok());
        assert_eq!(
            codes(check_project_report(&p, proj, &report("2024-05", "not_started", "50", "0", None), Some(&prev), today)),
            vec![("status".into(), "started_means_progress")]
        );
        assert!(
            check_project_report(&p, proj, &report("2024-05", "not_started", "0", "10", None), Some(&prev), today).is_ok(),
            "money may go before the works"
        );
        let over = check_project_report(&p, proj, &report("2024-05", "under_way", "90", "8000", None), Some(&prev), today);
        assert_eq!(codes(over), vec![("explanation".into(), "over_budget_needs_explanation")]);
        let explained = ProjectReportInput { explanation: Some("设计变更".into()), ..report("2024-05", "under_way", "90", "8000", None) };
        assert!(check_project_report(&p, proj, &explained, Some(&prev), today).unwrap().over_budget);
        assert_eq!(codes(check_project_report(&p, proj, &report("2024-13", "x", "a", "b", None), None, today)).len(), 5);
    }

    #[test]
    fn task_reports_and_months() {
        let p = build_plan(&hohhot()).unwrap();
        let t9 = p.task(9).unwrap();
        let input = TaskReportInput {
            period: "2024-05".into(),
            progress: "完成造林".into(),
            quantities: vec![QuantityDone { index: 0, done: json!("12.5") }],
            problems: String::new(),
        };
        let r = check_task_report(&p, t9, &input, None, d("2024-06-01")).unwrap();
        assert_eq!(r.quantities, vec![(0, Decimal::new(125, 1))]);
        let bad = TaskReportInput { quantities: vec![QuantityDone { index: 7, done: json!("1") }], progress: " ".into(), ..input.clone() };
        assert_eq!(codes(check_task_report(&p, t9, &bad, None, d("2024-06-01"))).len(), 2);
        let m: YearMonth = "2024-12".parse().unwrap();
        assert_eq!(m.dispatch_due(5), d("2025-01-05"));
        assert_eq!("2024-02".parse::<YearMonth>().unwrap().dispatch_due(31), d("2024-03-31"));
        assert_eq!("2024-01".parse::<YearMonth>().unwrap().dispatch_due(31), d("2024-02-29"));
        assert!("2024-13".parse::<YearMonth>().is_err());
        assert!("24-01".parse::<YearMonth>().is_err());
        assert!(check_password_strength("short").is_err());
        assert!(check_password_strength("alllowercaseletters").is_err());
        assert!(check_password_strength("Correct-horse-9").is_ok());
    }
}
