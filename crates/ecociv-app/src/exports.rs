//! The tables and the templates of a zone, read from the store and written by `ecociv_report`:
//! 附件1 (indicators with the latest value, target and status), 附件2 (projects with the latest
//! dispatch report), every observation, or the dispatch history (of one project or region), as
//! xlsx, CSV or JSON; and the workbook an org unit fills offline for a year or a month.

use ecociv_core::Locale;
use ecociv_core::entry::YearMonth;
use ecociv_core::model::Plan;
use ecociv_report::ReportError;
use ecociv_report::template::{dispatch_month, dispatch_template, observation_template, observation_year, task_template};

pub use ecociv_report::sheet::TemplateKind;

use crate::App;
use crate::entries::{may_see_dispatch, may_see_observation, settings_of};
use crate::error::{AppError, Result};
use ecociv_core::access::Actor;

/// A table of a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// 附件1: the indicators with the latest value, target and status.
    Annex1,
    /// 附件2: the projects with the latest dispatch report.
    Annex2,
    /// Every observation.
    Observations,
    /// The dispatch history.
    Dispatch,
}

impl Table {
    pub const ALL: [Table; 4] = [Table::Annex1, Table::Annex2, Table::Observations, Table::Dispatch];

    pub fn code(self) -> &'static str {
        match self {
            Table::Annex1 => "annex1",
            Table::Annex2 => "annex2",
            Table::Observations => "observations",
            Table::Dispatch => "dispatch",
        }
    }

    pub fn parse(s: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.code() == s)
    }
}

/// The format a table is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Xlsx,
    /// UTF-8 with a BOM, so that Excel reads it right.
    Csv,
    Json,
}

impl TableFormat {
    pub const ALL: [TableFormat; 3] = [TableFormat::Xlsx, TableFormat::Csv, TableFormat::Json];

    /// The file extension.
    pub fn ext(self) -> &'static str {
        match self {
            TableFormat::Xlsx => "xlsx",
            TableFormat::Csv => "csv",
            TableFormat::Json => "json",
        }
    }

    pub fn parse(ext: &str) -> Option<TableFormat> {
        TableFormat::ALL.into_iter().find(|f| f.ext() == ext)
    }

    /// The media type.
    pub fn media(self) -> &'static str {
        match self {
            TableFormat::Xlsx => XLSX,
            TableFormat::Csv => "text/csv; charset=utf-8",
            TableFormat::Json => "application/json",
        }
    }
}

/// The media type of a workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// What narrows the dispatch history: one project, or the projects of one region (name or
/// alias); neither, the whole zone. The other tables ignore it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrow {
    pub project: Option<u32>,
    pub region: Option<String>,
}

/// A table of the zone of `plan` as the plan prints it, with the data as it stands, written
/// in a format. An unknown region or project is refused (`unknown_region`, `unknown_project`).
/// For a `reader` (a signed-in user) it holds what the API shows that user: the entries they
/// may see (`may_see_observation`, `may_see_dispatch`), and in 附件1 the approved values, which
/// are public; without one (the command line, run by whoever holds the database) everything.
pub async fn table(st: &App, plan: &Plan, reader: Option<&Actor>, table: Table, format: TableFormat, narrow: &Narrow, l: Locale) -> Result<Vec<u8>> {
    let z = &plan.zone.code;
    let region = match narrow.region.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => Some(plan.region(r).ok_or_else(|| AppError::bad_request("unknown_region").field("region", r))?.name.clone()),
        None => None,
    };
    if let Some(n) = narrow.project
        && plan.project(n).is_none()
    {
        return Err(AppError::bad_request("unknown_project").field("project", &n.to_string()));
    }
    let t = match table {
        Table::Annex1 => {
            let year = settings_of(st, z).await?.projection_year(st.today());
            ecociv_report::annex1(
                plan,
                &ecociv_core::lineage::observations_for(plan, st.store.observations(z).await?),
                &ecociv_core::lineage::uppers_for(plan, st.store.upper_targets(z).await?),
                year,
                l,
            )
        }
        Table::Annex2 => ecociv_report::annex2(plan, &seen_dispatch(st, plan, reader).await?, l),
        Table::Observations => {
            let mut all = ecociv_core::lineage::observations_for(plan, st.store.observations(z).await?);
            all.retain(|o| reader.is_none_or(|a| may_see_observation(a, plan, o)));
            ecociv_report::observations(plan, &all, l)
        }
        Table::Dispatch => ecociv_report::dispatch(plan, &seen_dispatch(st, plan, reader).await?, narrow.project, region.as_deref(), l),
    };
    Ok(match format {
        TableFormat::Xlsx => ecociv_report::xlsx(&[t]).map_err(AppError::internal)?,
        TableFormat::Csv => ecociv_report::csv(&t),
        TableFormat::Json => ecociv_report::json(&t),
    })
}

/// The zone's dispatch reports that a reader may see (all without one).
async fn seen_dispatch(st: &App, plan: &Plan, reader: Option<&Actor>) -> Result<Vec<ecociv_core::record::DispatchRecord>> {
    let mut all = ecociv_core::lineage::reports_for(plan, st.store.dispatch_reports(&plan.zone.code).await?);
    all.retain(|d| reader.is_none_or(|a| may_see_dispatch(a, plan, d)));
    Ok(all)
}

/// A template made for an org unit.
#[derive(Debug, Clone)]
pub struct Template {
    /// The org unit's canonical name.
    pub org_unit: String,
    /// The workbook.
    pub bytes: Vec<u8>,
}

/// The workbook an org unit (name or alias) of the zone of `plan` fills offline: its
/// indicators for a year (from the base year to this one; none given: last year), or its
/// projects for a month (not after this one; none given: the month whose report is due next),
/// prefilled with what the store holds. Refused: an unknown org unit (`unknown_org_unit`), a
/// period out of place (`bad_period`), an org unit with no row to fill (`nothing_to_fill`).
pub async fn template(st: &App, plan: &Plan, kind: TemplateKind, org: &str, period: Option<&str>, l: Locale) -> Result<Template> {
    let z = &plan.zone.code;
    let org = plan.org_unit(org).ok_or_else(|| AppError::bad_request("unknown_org_unit").field("org", org))?;
    let today = st.today();
    let made_at = st.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let bad_period = |p: &str| AppError::bad_request("bad_period").field("period", p);
    let period = period.filter(|p| !p.is_empty());
    let bytes = match kind {
        TemplateKind::Observations => {
            let year = match period {
                None => chrono::Datelike::year(&today) - 1,
                Some(p) => observation_year(plan, p, YearMonth::of(today)).ok_or_else(|| bad_period(p))?,
            };
            let settings = settings_of(st, z).await?;
            observation_template(
                plan,
                org,
                year,
                &settings.regional_indicators,
                &ecociv_core::lineage::observations_for(plan, st.store.observations(z).await?),
                &made_at,
                l,
                None,
            )
        }
        TemplateKind::Dispatch | TemplateKind::Tasks => {
            let month = match period {
                // the month whose report is due next, as the to-do lists it
                None => ecociv_core::dispatch::report_month(today),
                Some(p) => dispatch_month(p, YearMonth::of(today)).ok_or_else(|| bad_period(p))?,
            };
            let reports = ecociv_core::lineage::reports_for(plan, st.store.dispatch_reports(z).await?);
            if kind == TemplateKind::Tasks {
                task_template(plan, org, month, &reports, &made_at, l, None)
            } else {
                dispatch_template(plan, org, month, &reports, &made_at, l, None)
            }
        }
        // the task force's list as it stands, to edit and import back
        TemplateKind::Rectifications => ecociv_report::template::rectification_table(&st.store.rectifications(z).await?, l),
    };
    let bytes = bytes.map_err(|e| match e {
        ReportError::NothingToFill { .. } => AppError::bad_request("nothing_to_fill").field("org", &org.name),
        e => AppError::internal(e),
    })?;
    Ok(Template { org_unit: org.name.clone(), bytes })
}
