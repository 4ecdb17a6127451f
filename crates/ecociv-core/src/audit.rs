//! The plan data-quality audit: findings about the printed plan — an amount whose magnitude
//! does not fit its column, a missing or unreadable period, a name spelt two ways, text the
//! extraction broke, a project filed under a domain its indicators do not belong to, a task
//! whose lead differs from its indicator's, an assumption the data had to make. Each finding
//! names its place (table, row, field) and suggests a reading; nothing is corrected silently.

use std::str::FromStr;

pub use crate::finding::{Finding, FindingCode, Place, Severity, sort};
use crate::locale::Locale;
use crate::model::{Budget, Period, Plan};
use rust_decimal::Decimal;

/// Reads a printed period: `2023`, `2023年`, `2022-2024`, `持续推进`; empty or unreadable
/// periods keep their text and no years.
pub fn read_period(printed: &str) -> Period {
    let t = printed.trim();
    let none = Period { printed: printed.to_string(), start: None, end: None, ongoing: false };
    if t.is_empty() {
        return none;
    }
    if t.starts_with("持续") {
        return Period { ongoing: true, ..none };
    }
    let cleaned: String = t.replace('年', "").replace(['—', '–', '－', '~', '至'], "-");
    let year = |s: &str| s.trim().parse::<i32>().ok().filter(|y| (1990..=2100).contains(y));
    let mut parts = cleaned.split('-');
    match (parts.next().and_then(year), parts.next().map(year), parts.next()) {
        (Some(a), None, None) => Period { start: Some(a), end: Some(a), ..none },
        (Some(a), Some(Some(b)), None) if b >= a => Period { start: Some(a), end: Some(b), ..none },
        _ => none,
    }
}

/// How many times the column's median an amount may be before its unit is doubted.
const MAGNITUDE_FACTOR: i64 = 100;

/// Reads the budget column of a project list. `-` means no budget. An amount at least 100 and
/// more than 100 times the column's median is read as 万元 even though the column says 亿元
/// (4491.52 亿元 for a river clean-up is 4491.52 万元); such budgets are marked doubtful.
pub fn read_budgets(printed: &[(u32, String)], column_unit: &str) -> Result<Vec<Option<Budget>>, (u32, String)> {
    let per_yi = |unit: &str| -> Result<Decimal, String> {
        match unit {
            "亿元" => Ok(Decimal::ONE),
            "万元" => Ok(Decimal::from(10_000)),
            other => Err(format!("unknown budget unit {other:?} (expected 亿元 or 万元)")),
        }
    };
    let column_div = per_yi(column_unit).map_err(|m| (0, m))?;
    let mut amounts = Vec::new();
    for (n, p) in printed {
        let t = p.trim();
        if t.is_empty() || matches!(t, "-" | "—" | "－" | "/") {
            amounts.push(None);
            continue;
        }
        let a = Decimal::from_str(t).map_err(|_| (*n, format!("{t:?} is not an amount")))?;
        if a.is_sign_negative() {
            return Err((*n, format!("{t:?} is negative")));
        }
        amounts.push(Some(a));
    }
    let mut sorted: Vec<Decimal> = amounts.iter().flatten().copied().collect();
    sorted.sort();
    let median = if sorted.is_empty() { Decimal::ZERO } else { sorted[sorted.len() / 2] };
    Ok(printed
        .iter()
        .zip(amounts)
        .map(|((_, p), a)| {
            a.map(|a| {
                let doubtful = column_unit == "亿元" && a >= Decimal::ONE_HUNDRED && a > median * Decimal::from(MAGNITUDE_FACTOR);
                if doubtful {
                    Budget { printed: p.trim().into(), unit: "万元".into(), yi: (a / Decimal::from(10_000)).normalize(), doubtful }
                } else {
                    Budget { printed: p.trim().into(), unit: column_unit.into(), yi: (a / column_div).normalize(), doubtful }
                }
            })
        })
        .collect())
}

/// The findings that follow from the assembled plan itself.
pub fn audit(plan: &Plan) -> Vec<Finding> {
    let mut out = Vec::new();
    let span = format!("{}-{}", plan.start_year, plan.end_year);
    for p in &plan.projects {
        let row = p.number.to_string();
        if p.period.printed.trim().is_empty() {
            out.push(Finding::new(
                FindingCode::PeriodMissing,
                Severity::Warning,
                Place::new("projects", &row, "period"),
                "",
                &span,
                format!("附件2未列该项目的实施年限，在实施单位报送前按方案期{span}年计"),
                format!("附件2 prints no 实施年限 for this project; read as the plan's span {span} until the implementer reports it"),
            ));
        } else if !p.period.ongoing && p.period.start.is_none() {
            // printed but unreadable
            out.push(Finding::new(
                FindingCode::PeriodUnreadable,
                Severity::Warning,
                Place::new("projects", &row, "period"),
                &p.period.printed,
                "",
                "无法识别为年份或年份区间".into(),
                "cannot be read as a year or a span of years".into(),
            ));
        } else if p.period.end.is_some_and(|e| e < plan.start_year) {
            out.push(Finding::new(
                FindingCode::PeriodBeforePlan,
                Severity::Info,
                Place::new("projects", &row, "period"),
                &p.period.printed,
                &p.period.printed,
                format!("实施年限在方案开始（{}年）之前已结束，项目应已完成，以月调度报告确认", plan.start_year),
                format!(
                    "the period ends before the plan starts in {}: the project should be complete; its dispatch reports confirm completion",
                    plan.start_year
                ),
            ));
        }
        if let Some(b) = &p.budget
            && b.doubtful
        {
            out.push(Finding::new(
                FindingCode::BudgetUnitDoubtful,
                Severity::Warning,
                Place::new("projects", &row, "budget"),
                &format!("{} 亿元", b.printed),
                &format!("{} 万元 = {} 亿元", b.printed, b.yi),
                "金额超过该列中位数的100倍，此类项目应以万元计，而非亿元".into(),
                "the amount is more than 100 times the median of the column; a project of this kind costs 万元, not 亿元".into(),
            ));
        }
        if p.assessed_indicators.is_empty() {
            out.push(Finding::new(
                FindingCode::IndicatorUnmatched,
                Severity::Info,
                Place::new("projects", &row, "assessed_indicators"),
                &p.assessed_indicators_printed,
                "",
                "该项目服务于方案，但不对应36项指标中的任何一项".into(),
                "the project serves the plan but none of its 36 indicators".into(),
            ));
        } else {
            let mut domains: Vec<_> = p.assessed_indicators.iter().filter_map(|c| plan.indicator_of(c)).map(|i| i.domain).collect();
            domains.dedup();
            if !domains.contains(&p.domain) {
                let names = |l: Locale, sep: &str| domains.iter().map(|d| d.name(l)).collect::<Vec<_>>().join(sep);
                out.push(Finding::new(
                    FindingCode::DomainMismatch,
                    Severity::Warning,
                    Place::new("projects", &row, "domain"),
                    p.domain.name_zh(),
                    domains.first().map(|d| d.name_zh()).unwrap_or_default(),
                    format!("项目列在{}领域，但其考核指标（{}）属于{}", p.domain.name_zh(), p.assessed_indicators.join("、"), names(Locale::Zh, "、")),
                    format!(
                        "the project is filed under {} but its indicators ({}) belong to {}",
                        p.domain.name(Locale::En),
                        p.assessed_indicators.join(", "),
                        names(Locale::En, ", ")
                    ),
                ));
            }
        }
    }
    out.extend(project_text_checks(plan));
    for t in &plan.tasks {
        let row = t.number.to_string();
        let mut served: Vec<&crate::model::Indicator> = Vec::new();
        for c in &t.indicators {
            if let Some(i) = plan.indicator_of(c)
                && !served.iter().any(|x| x.code == i.code)
            {
                served.push(i);
            }
        }
        if t.lead_departments.is_empty() {
            let mut leads: Vec<String> = Vec::new();
            for l in served.iter().flat_map(|i| i.lead_departments.iter()) {
                if !leads.contains(l) {
                    leads.push(l.clone());
                }
            }
            let codes = |sep: &str| served.iter().map(|i| i.code.as_str()).collect::<Vec<_>>().join(sep);
            let (zh, en) = if leads.is_empty() {
                ("该任务未列牵头部门，所服务的指标也无牵头部门".to_string(), "the task prints no 牵头部门 and serves no indicator with one".to_string())
            } else {
                (
                    format!("该任务未列牵头部门，建议以附件1中指标{}的牵头部门为准", codes("、")),
                    format!("the task prints no 牵头部门; the lead of its indicator(s) {} in 附件1 is suggested", codes(", ")),
                )
            };
            out.push(Finding::new(
                FindingCode::LeadMissing,
                Severity::Warning,
                Place::new("tasks", &row, "lead_departments"),
                &t.responsibility_printed,
                &leads.join("、"),
                zh,
                en,
            ));
            continue;
        }
        for i in served {
            let same = i.lead_departments.len() == t.lead_departments.len() && i.lead_departments.iter().all(|l| t.lead_departments.contains(l));
            if !same {
                let (task_leads, ind_leads) = (t.lead_departments.join("、"), i.lead_departments.join("、"));
                out.push(Finding::new(
                    FindingCode::LeadMismatch,
                    Severity::Info,
                    Place::new("tasks", &row, "lead_departments"),
                    &task_leads,
                    &ind_leads,
                    format!("任务的牵头部门为{task_leads}，附件1中指标{}的牵头部门为{ind_leads}；两者均保留：指标值由指标牵头部门填报，任务进展由任务牵头部门报送", i.code),
                    format!(
                        "the task names {task_leads} as lead, 附件1 names {ind_leads} for indicator {}; both are kept: the indicator's lead enters its values, the task's leads report the task",
                        i.code
                    ),
                ));
            }
        }
    }
    for w in plan.phases.windows(2) {
        if w[1].start > w[0].end.succ_opt().unwrap_or(w[0].end) {
            out.push(Finding::new(
                FindingCode::Assumption,
                Severity::Info,
                Place::new("phases", &w[1].number.to_string(), "start"),
                &w[1].start.to_string(),
                &w[1].start.to_string(),
                format!("第{}阶段与第{}阶段之间有间隔", w[0].number, w[1].number),
                format!("a gap between phase {} and phase {}", w[0].number, w[1].number),
            ));
        }
    }
    out
}

/// The regions a text names, longest names first (和林格尔新区 is not 和林).
pub fn regions_named(plan: &Plan, text: &str) -> Vec<String> {
    let mut names: Vec<(&str, &str)> = Vec::new();
    for o in plan.org_units.iter().filter(|o| o.kind == crate::model::OrgKind::Region) {
        for n in std::iter::once(&o.name).chain(o.aliases.iter()) {
            if n.chars().count() >= 2 {
                names.push((n.as_str(), o.name.as_str()));
            }
        }
    }
    names.sort_by_key(|(n, _)| std::cmp::Reverse(n.chars().count()));
    let mut rest = text.to_string();
    let mut found: Vec<String> = Vec::new();
    for (n, region) in names {
        if rest.contains(n) {
            rest = rest.replace(n, "□");
            if !found.iter().any(|f| f == region) {
                found.push(region.to_string());
            }
        }
    }
    found
}

/// Checks of a project's own text: a year in its name outside its period; a place in its text
/// that is a region none of its region implementers is.
fn project_text_checks(plan: &Plan) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in &plan.projects {
        let row = p.number.to_string();
        if let (Some(start), Some(end)) = (p.period.start, p.period.end)
            && !p.period.printed.trim().is_empty()
        {
            let chars: Vec<char> = p.name.chars().collect();
            for w in chars.windows(5) {
                let s: String = w.iter().collect();
                if let Some(y) = s.strip_suffix('年').and_then(|y| y.parse::<i32>().ok()).filter(|y| (1990..=2100).contains(y))
                    && (y < start || y > end)
                {
                    out.push(Finding::new(
                        FindingCode::NameYearOutsidePeriod,
                        Severity::Info,
                        Place::new("projects", &row, "period"),
                        &p.period.printed,
                        &p.period.printed,
                        format!("项目名称含“{y}年”，但实施年限为{}；以实施年限为准，名称中的年份可能指立项年度", p.period.printed),
                        format!(
                            "the name says {y} but the period is {}; the period is used, the year in the name may be the year of approval",
                            p.period.printed
                        ),
                    ));
                }
            }
        }
        let implementer_regions: Vec<String> = p
            .implementers
            .iter()
            .filter_map(|i| plan.org_unit(i))
            .filter_map(|o| if o.kind == crate::model::OrgKind::Region { Some(o.name.clone()) } else { o.region.clone() })
            .collect();
        if implementer_regions.is_empty() {
            continue;
        }
        let named = regions_named(plan, &format!("{} {}", p.name, p.scope));
        let elsewhere: Vec<&String> = named.iter().filter(|r| !implementer_regions.contains(r)).collect();
        if !elsewhere.is_empty() && named.iter().all(|r| !implementer_regions.contains(r)) {
            let places = elsewhere.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("、");
            out.push(Finding::new(
                FindingCode::LocationMismatch,
                Severity::Warning,
                Place::new("projects", &row, "implementers"),
                &p.implementers_printed,
                &p.implementers_printed,
                format!("项目文字写明位于{places}，但组织实施单位属于{}；请核实实施单位或项目地点", implementer_regions.join("、")),
                format!(
                    "the project's text places it in {places}, but its implementers belong to {}; check the implementer or the place",
                    implementer_regions.join(", ")
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_checks_of_the_hohhot_projects() {
        let plan = crate::plan_data::build_plan(&crate::plan_data::hohhot()).unwrap();
        let found = |code: FindingCode, row: &str| plan.findings.iter().any(|f| f.code == code && f.place.row == row);
        assert!(found(FindingCode::LocationMismatch, "62"), "清水河 implements a project in 和林格尔县工业园区");
        assert!(found(FindingCode::NameYearOutsidePeriod, "4"), "玉泉区2022年… with period 2023");
        assert!(!found(FindingCode::LocationMismatch, "60"), "和林 is 和林格尔县");
        assert_eq!(regions_named(&plan, "和林格尔新区与和林县"), vec!["和林格尔新区", "和林格尔县"]);
    }

    #[test]
    fn periods() {
        assert_eq!(read_period("2022-2024").start, Some(2022));
        assert_eq!(read_period("2022-2024").end, Some(2024));
        assert_eq!(read_period("2023年").end, Some(2023));
        assert!(read_period("持续推进").ongoing);
        assert_eq!(read_period("").start, None);
        assert_eq!(read_period("2024-2022").start, None);
        assert_eq!(read_period("明年").start, None);
    }

    #[test]
    fn budget_magnitudes() {
        let col: Vec<(u32, String)> = [("1", "1.052"), ("2", "3.30"), ("3", "118.39"), ("4", "4491.52"), ("5", "-"), ("6", "0.5"), ("7", "2")]
            .iter()
            .map(|(n, v)| (n.parse().unwrap(), v.to_string()))
            .collect();
        let b = read_budgets(&col, "亿元").unwrap();
        assert_eq!(b[0].as_ref().unwrap().yi, Decimal::from_str("1.052").unwrap());
        assert!(!b[2].as_ref().unwrap().doubtful, "118.39 亿元 for 2 GW of wind power is plausible");
        let d = b[3].as_ref().unwrap();
        assert!(d.doubtful);
        assert_eq!(d.unit, "万元");
        assert_eq!(d.yi, Decimal::from_str("0.449152").unwrap());
        assert!(b[4].is_none());
        assert_eq!(read_budgets(&[(1, "abc".into())], "亿元").unwrap_err().0, 1);
        let wan = read_budgets(&[(1, "500".into())], "万元").unwrap();
        assert_eq!(wan[0].as_ref().unwrap().yi, Decimal::from_str("0.05").unwrap());
    }
}
