//! A zone at a glance, for the zone above it (a city's task force over its counties and
//! districts): how its indicators stand on their approved values, how ready its review archive
//! is, and how its units reported the month. Pure: the application gathers each zone's own
//! views and this adds them up.

use serde::Serialize;
use utoipa::ToSchema;

use crate::dispatch::{Due, Reporting};
use crate::indicator_status::LeafStanding;
use crate::model::{Zone, ZoneKind, ZoneLevel};
use crate::readiness::Share;
use crate::rule::Status;

/// How many leaves stand each way on their latest approved value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatusCounts {
    pub met: usize,
    pub not_met: usize,
    pub no_data: usize,
    pub target_not_set: usize,
    pub not_applicable: usize,
}

/// How the month's reports came.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReportingCounts {
    /// `2024-05`.
    pub month: String,
    pub asked: usize,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
    pub not_yet_due: usize,
}

/// One zone as the zone above it sees it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ZoneSummary {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub level: ZoneLevel,
    pub kind: ZoneKind,
    /// Its data are examples.
    pub example_data: bool,
    pub indicators: StatusCounts,
    pub readiness: Share,
    pub reporting: ReportingCounts,
}

/// How the reports `dues` of `month` came.
pub fn reporting(month: &str, dues: &[Due<'_>]) -> ReportingCounts {
    let mut reporting = ReportingCounts { month: month.to_string(), asked: dues.len(), ..ReportingCounts::default() };
    for d in dues {
        match d.reporting {
            Reporting::OnTime => reporting.on_time += 1,
            Reporting::Late => reporting.late += 1,
            Reporting::Missing => reporting.missing += 1,
            Reporting::NotYetDue => reporting.not_yet_due += 1,
        }
    }
    reporting
}

/// Adds up a zone's standings, readiness and how its month's reports came.
pub fn summarize(zone: &Zone, standings: &[LeafStanding], readiness: Share, reporting: ReportingCounts) -> ZoneSummary {
    let mut indicators = StatusCounts::default();
    for s in standings {
        match s.latest {
            Status::Met => indicators.met += 1,
            Status::NotMet => indicators.not_met += 1,
            Status::NoData => indicators.no_data += 1,
            Status::TargetNotSet => indicators.target_not_set += 1,
            Status::NotApplicable => indicators.not_applicable += 1,
        }
    }
    ZoneSummary {
        code: zone.code.clone(),
        name: zone.name.clone(),
        name_en: zone.name_en.clone(),
        level: zone.level,
        kind: zone.kind,
        example_data: zone.example_data,
        indicators,
        readiness,
        reporting,
    }
}

/// The zones of a roll-up counted together: how many, how many with an indicator not met on its
/// approved values, how many with a report missing in their latest month, and their readiness
/// (ready cells over all cells).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Totals {
    pub zones: usize,
    pub with_not_met: usize,
    pub with_missing_reports: usize,
    pub ready: usize,
    pub cells: usize,
}

/// The totals of `zones`.
pub fn totals(zones: &[ZoneSummary]) -> Totals {
    Totals {
        zones: zones.len(),
        with_not_met: zones.iter().filter(|z| z.indicators.not_met > 0).count(),
        with_missing_reports: zones.iter().filter(|z| z.reporting.missing > 0).count(),
        ready: zones.iter().map(|z| z.readiness.ready).sum(),
        cells: zones.iter().map(|z| z.readiness.total).sum(),
    }
}
