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
pub fn totals<'a>(zones: impl IntoIterator<Item = &'a ZoneSummary>) -> Totals {
    let mut t = Totals::default();
    for z in zones {
        t.zones += 1;
        t.with_not_met += usize::from(z.indicators.not_met > 0);
        t.with_missing_reports += usize::from(z.reporting.missing > 0);
        t.ready += z.readiness.ready;
        t.cells += z.readiness.total;
    }
    t
}

/// The provinces, autonomous regions and municipalities of the mainland by the first two
/// digits of their administrative division codes (GB/T 2260): `(prefix, 中文, English)`.
pub const PROVINCES: &[(&str, &str, &str)] = &[
    ("11", "北京市", "Beijing"),
    ("12", "天津市", "Tianjin"),
    ("13", "河北省", "Hebei"),
    ("14", "山西省", "Shanxi"),
    ("15", "内蒙古自治区", "Inner Mongolia"),
    ("21", "辽宁省", "Liaoning"),
    ("22", "吉林省", "Jilin"),
    ("23", "黑龙江省", "Heilongjiang"),
    ("31", "上海市", "Shanghai"),
    ("32", "江苏省", "Jiangsu"),
    ("33", "浙江省", "Zhejiang"),
    ("34", "安徽省", "Anhui"),
    ("35", "福建省", "Fujian"),
    ("36", "江西省", "Jiangxi"),
    ("37", "山东省", "Shandong"),
    ("41", "河南省", "Henan"),
    ("42", "湖北省", "Hubei"),
    ("43", "湖南省", "Hunan"),
    ("44", "广东省", "Guangdong"),
    ("45", "广西壮族自治区", "Guangxi"),
    ("46", "海南省", "Hainan"),
    ("50", "重庆市", "Chongqing"),
    ("51", "四川省", "Sichuan"),
    ("52", "贵州省", "Guizhou"),
    ("53", "云南省", "Yunnan"),
    ("54", "西藏自治区", "Xizang"),
    ("61", "陕西省", "Shaanxi"),
    ("62", "甘肃省", "Gansu"),
    ("63", "青海省", "Qinghai"),
    ("64", "宁夏回族自治区", "Ningxia"),
    ("65", "新疆维吾尔自治区", "Xinjiang"),
];

/// The province of two digits (`15`), if they name one.
pub fn province(prefix: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    PROVINCES.iter().find(|p| p.0 == prefix)
}

/// The province of a zone: the first two digits of a six-digit division code, when they name
/// one. A synthetic zone's code `SYN0001` names none; one of a synthetic national tree, `SYN`
/// and six digits (`SYN150102`), stands in the province its digits name.
pub fn province_of(code: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    let code = code.strip_prefix("SYN").filter(|d| d.len() == 6).unwrap_or(code);
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    province(&code[..2])
}

/// The zones of one province counted together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProvinceTotals {
    /// The two-digit prefix; empty for the zones of no province (synthetic ones).
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub totals: Totals,
}

/// The zones counted by province, in the order of the division codes; the zones of no
/// province last.
pub fn by_province(zones: &[ZoneSummary]) -> Vec<ProvinceTotals> {
    let mut groups: std::collections::BTreeMap<&str, Vec<&ZoneSummary>> = std::collections::BTreeMap::new();
    for z in zones {
        groups.entry(province_of(&z.code).map_or("~", |p| p.0)).or_default().push(z);
    }
    groups
        .into_iter()
        .map(|(prefix, zs)| {
            let (name, name_en) = province(prefix).map_or(("", ""), |p| (p.1, p.2));
            ProvinceTotals { code: if prefix == "~" { String::new() } else { prefix.into() }, name: name.into(), name_en: name_en.into(), totals: totals(zs) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(code: &str, not_met: usize, missing: usize) -> ZoneSummary {
        ZoneSummary {
            code: code.into(),
            name: code.into(),
            name_en: code.into(),
            level: ZoneLevel::County,
            kind: ZoneKind::DemonstrationZone,
            example_data: false,
            indicators: StatusCounts { not_met, ..Default::default() },
            readiness: Share { ready: 1, total: 2, percent: rust_decimal::Decimal::new(500, 1) },
            reporting: ReportingCounts { missing, ..Default::default() },
        }
    }

    #[test]
    fn zones_are_counted_by_the_province_of_their_code() {
        assert_eq!(province_of("150100").map(|p| p.1), Some("内蒙古自治区"));
        assert_eq!(province_of("650102").map(|p| p.2), Some("Xinjiang"));
        assert_eq!(province_of("SYN150102").map(|p| p.0), Some("15"), "a zone of a synthetic national tree");
        for none in ["SYN0001", "1501", "991234", "15010x", "１５０１００", "SYN991234", "SYN15010", "XYZ150102"] {
            assert_eq!(province_of(none), None, "{none}");
        }
        let zones = [zone("150100", 1, 0), zone("SYN0001", 0, 0), zone("150121", 0, 2), zone("330100", 0, 0)];
        let p = by_province(&zones);
        assert_eq!(p.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), ["15", "33", ""]);
        assert_eq!((p[0].name.as_str(), p[0].totals.zones, p[0].totals.with_not_met, p[0].totals.with_missing_reports), ("内蒙古自治区", 2, 1, 1));
        assert_eq!((p[0].totals.ready, p[0].totals.cells), (2, 4));
        assert_eq!((p[2].name.as_str(), p[2].totals.zones), ("", 1));
        assert!(by_province(&[]).is_empty());
    }
}
