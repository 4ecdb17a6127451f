//! The next plan from the last: [`draft`] writes a zone's next plan as the data files a plan is
//! loaded from (`plan.toml`, `indicators.toml`, `tasks.toml`, `projects.toml`), under a chosen
//! framework revision, from the plan that ends. Indicators are mapped through the comparison of
//! the two revisions ([`crate::framework::diff`]): a kept or changed one keeps its lead
//! departments and continues the earlier indicator (its history follows it, see
//! [`crate::model::Lineage`]); an added one asks for a lead and a base-year value; the tasks and
//! the projects not completed are carried over, each project with its cumulative investment.
//! Every point a person must settle is a [`Note`], and what the draft cannot know (the document
//! number, an unknown target) is left empty so that loading the files refuses it with its place
//! until it is filled. Pure.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::framework::{ChangeKind, Framework, diff};
use crate::framework_table::quoted as q;
use crate::locale::{Locale, tf};
use crate::model::*;

/// What the earlier plan's projects stood at when it ended (their latest approved reports).
#[derive(Debug, Clone, Default)]
pub struct ProjectsAtEnd {
    /// Project number → whether its latest report says completed, and its cumulative investment (万元).
    pub projects: BTreeMap<u32, (bool, Option<Decimal>)>,
}

/// What the next plan is asked to be.
pub struct Request<'a> {
    pub old: &'a Plan,
    /// The revision the earlier plan follows, and the one the next follows.
    pub old_framework: &'a Framework,
    pub framework: &'a Framework,
    pub start_year: i32,
    pub end_year: i32,
    /// The day of the draft.
    pub today: NaiveDate,
    pub at_end: &'a ProjectsAtEnd,
}

/// A point of the draft for a person: its place (`indicator 5.1`, `project 3`, `plan`) and
/// what to settle, as a locale key with its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub place: String,
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Note {
    pub fn text(&self, l: Locale) -> String {
        let mut args = self.args.clone();
        args.push(("place", self.place.clone()));
        tf(l, self.key, &args)
    }
}

/// The files of the next plan and what a person must settle before it is issued.
#[derive(Debug, Clone)]
pub struct Draft {
    /// (file name, text): `plan.toml`, `indicators.toml`, `tasks.toml`, `projects.toml`.
    pub files: Vec<(String, String)>,
    pub notes: Vec<Note>,
}

/// Why a draft cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftError {
    #[error("the next plan's years {0}–{1} must start after the earlier plan's last year {2}, span one to ten years and end by 2100")]
    Years(i32, i32, i32),
    #[error("the framework revision {0} is for counties or for both levels, and the zone is a {1}")]
    Level(String, String),
}

fn list(v: &[String]) -> String {
    format!("[{}]", v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "))
}

fn code_of<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// The earlier leaves each of the new revision's rows continues, with how.
fn sources(old: &Framework, new: &Framework) -> BTreeMap<String, (ChangeKind, Vec<String>, Vec<String>)> {
    let mut out = BTreeMap::new();
    for c in diff(old, new).changes {
        for n in &c.new {
            let fields = c.fields.iter().map(|f| f.field.clone()).collect();
            out.insert(n.code.clone(), (c.kind, c.old.iter().map(|o| o.code.clone()).collect(), fields));
        }
    }
    out
}

/// Drafts the next plan of `r.old`'s zone.
pub fn draft(r: &Request) -> Result<Draft, DraftError> {
    let old = r.old;
    // a plan of one to ten years, within the years ecociv reads (a longer span is a typo)
    if r.start_year <= old.end_year || r.end_year < r.start_year || r.end_year - r.start_year >= 10 || r.end_year > 2100 {
        return Err(DraftError::Years(r.start_year, r.end_year, old.end_year));
    }
    use crate::framework::Level;
    let city = old.zone.level == ZoneLevel::City;
    match r.framework.level {
        Some(Level::County) if city => return Err(DraftError::Level(r.framework.code.clone(), "city".into())),
        Some(Level::City) if !city => return Err(DraftError::Level(r.framework.code.clone(), "county".into())),
        _ => {}
    }
    let mut notes = Vec::new();
    let note = |notes: &mut Vec<Note>, place: String, key: &'static str, args: Vec<(&'static str, String)>| notes.push(Note { place, key, args });
    let src = sources(r.old_framework, r.framework);
    if !r.framework.complete {
        note(
            &mut notes,
            "framework".into(),
            "plan_next.note.incomplete",
            vec![("code", r.framework.code.clone()), ("rows", r.framework.rows.len().to_string())],
        );
    }

    // ---------- indicators ----------
    // each leaf of the new revision: the earlier leaf it continues, if one alone and in the plan
    let mut continues: BTreeMap<String, String> = BTreeMap::new();
    let mut ind = String::from("# 下一期方案的指标（附件1），按新指标体系逐项列出；待补之处留空，方案载入时逐项指出。\n");
    let mut numbers: Vec<&str> = Vec::new();
    for row in &r.framework.rows {
        let n = row.code.split('.').next().unwrap_or(&row.code);
        if !numbers.contains(&n) {
            numbers.push(n);
        }
    }
    for number in numbers {
        let rows: Vec<_> = r.framework.rows.iter().filter(|x| x.code == number || x.code.starts_with(&format!("{number}."))).collect();
        let has_subs = rows.iter().any(|x| !x.group.is_empty());
        let mut leads: Vec<String> = Vec::new();
        let mut providers: Vec<String> = Vec::new();
        let mut leaf_lines = Vec::new();
        for row in &rows {
            let place = format!("indicator {}", row.code);
            if row.name.is_empty() {
                note(&mut notes, place.clone(), "plan_next.note.name_unknown", vec![("code", r.framework.code.clone())]);
            }
            let (kind, from, fields) = src.get(&row.code).cloned().unwrap_or((ChangeKind::Added, Vec::new(), Vec::new()));
            let earlier = match from.as_slice() {
                [one] => old.leaf(one),
                _ => None,
            };
            if let Some(e) = earlier {
                for o in &e.indicator.lead_departments {
                    if !leads.contains(o) {
                        leads.push(o.clone());
                    }
                }
                for o in &e.indicator.data_providers {
                    if !providers.contains(o) {
                        providers.push(o.clone());
                    }
                }
                continues.insert(row.code.clone(), e.code.to_string());
            }
            // the target: the new revision's where it changed or the earlier plan had none;
            // the zone's own where the target is kept; empty (to fill) where neither is known
            let target_changed = fields.iter().any(|f| f == "target");
            let (printed, rule) = match (earlier, &row.target) {
                (Some(e), None) => {
                    note(&mut notes, place.clone(), "plan_next.note.target_unknown_kept", vec![("target", e.target.printed.clone())]);
                    (e.target.printed.clone(), e.target.rule.clone())
                }
                (Some(e), Some(_)) if !target_changed => (e.target.printed.clone(), e.target.rule.clone()),
                (_, Some(t)) => {
                    if row.rule.is_none() {
                        note(&mut notes, place.clone(), "plan_next.note.rule_to_write", vec![("target", t.clone())]);
                    }
                    (t.clone(), row.rule.clone().unwrap_or_default())
                }
                (_, None) => {
                    note(&mut notes, place.clone(), "plan_next.note.target_unknown", vec![]);
                    (String::new(), String::new())
                }
            };
            let how = match (kind, earlier) {
                (ChangeKind::Kept, Some(e)) => ("plan_next.note.kept", vec![("old", e.code.to_string())]),
                (ChangeKind::Changed, Some(e)) => ("plan_next.note.changed", vec![("old", e.code.to_string()), ("fields", fields.join(", "))]),
                (ChangeKind::Split, Some(e)) => ("plan_next.note.split", vec![("old", e.code.to_string())]),
                (ChangeKind::Merged, _) => ("plan_next.note.merged", vec![("old", from.join(", "))]),
                (_, Some(e)) => ("plan_next.note.kept", vec![("old", e.code.to_string())]),
                (_, None) => ("plan_next.note.added", vec![("base", old.end_year.to_string())]),
            };
            note(&mut notes, place.clone(), how.0, how.1);
            let mut fields = vec![format!("code = {}", q(&row.code)), format!("target_printed = {}", q(&printed)), format!("rule = {}", q(&rule))];
            fields.push(match earlier {
                Some(e) => format!("continues = {}", q(e.code)),
                None => "baseline = \"\"".into(),
            });
            leaf_lines.push((row, fields, printed));
        }
        if leads.is_empty() {
            note(&mut notes, format!("indicator {number}"), "plan_next.note.lead", vec![]);
        }
        ind.push_str("\n[[indicators]]\n");
        if has_subs {
            let name = rows.first().map(|x| x.group.clone()).unwrap_or_default();
            let printed: Vec<String> = leaf_lines.iter().map(|(_, _, p)| p.clone()).filter(|p| !p.is_empty()).collect();
            ind.push_str(&format!(
                "code = {}\nname_printed = {}\nunit_printed = \"-\"\ntarget_printed = {}\nrule = \"all_parts\"\nlead_departments = {}\n",
                q(number),
                q(&name),
                q(&printed.join("；")),
                list(&leads)
            ));
            if !providers.is_empty() {
                ind.push_str(&format!("data_providers = {}\n", list(&providers)));
            }
            ind.push_str("sub_indicators = [\n");
            for (_, fields, _) in &leaf_lines {
                ind.push_str(&format!("  {{ {} }},\n", fields.join(", ")));
            }
            ind.push_str("]\n");
        } else if let Some((row, fields, _)) = leaf_lines.first() {
            let unit = if row.unit.is_empty() { "-" } else { row.unit.as_str() };
            ind.push_str(&format!("name_printed = {}\nunit_printed = {}\nlead_departments = {}\n", q(&row.name), q(unit), list(&leads)));
            if !providers.is_empty() {
                ind.push_str(&format!("data_providers = {}\n", list(&providers)));
            }
            for f in fields {
                ind.push_str(f);
                ind.push('\n');
            }
        }
    }
    // the earlier plan's leaves that no new row continues
    for l in old.leaves() {
        if !continues.values().any(|c| c == l.code) {
            let key = if r.framework.complete { "plan_next.note.dropped" } else { "plan_next.note.not_seen" };
            note(&mut notes, format!("{} indicator {}", old.code, l.code), key, vec![("name", l.name.to_string()), ("code", r.framework.code.clone())]);
        }
    }
    // an earlier code → the new leaves that continue it (or continue its parts)
    let mapped =
        |c: &str| -> Vec<String> { continues.iter().filter(|(_, o)| o.as_str() == c || o.starts_with(&format!("{c}."))).map(|(n, _)| n.clone()).collect() };

    // ---------- tasks: every one carried over ----------
    let mut tasks = String::from("# 下一期方案的重点任务：上一期的任务逐项延续（continues 为上一期的序号），已完成的请删去并重新编号。\n");
    for (i, t) in old.tasks.iter().enumerate() {
        let number = i as u32 + 1;
        let mut inds: Vec<String> = Vec::new();
        for c in &t.indicators {
            let m = mapped(c);
            if m.is_empty() {
                note(&mut notes, format!("task {number}"), "plan_next.note.link_lost", vec![("old", c.clone())]);
            }
            inds.extend(m.into_iter().filter(|m| !inds.contains(m)).collect::<Vec<_>>());
        }
        let kept: Vec<&Quantity> = t.quantities.iter().filter(|q| q.deadline.is_none_or(|d| d > old.end_year)).collect();
        if kept.len() < t.quantities.len() {
            note(&mut notes, format!("task {number}"), "plan_next.note.quantities_past", vec![("count", (t.quantities.len() - kept.len()).to_string())]);
        }
        tasks.push_str(&format!(
            "\n[[tasks]]\nnumber = {number}\nsection = {}\ntitle = {}\ntext = {}\nresponsibility_printed = {}\nlead_departments = {}\nresponsible_departments = {}\n",
            t.section,
            q(&t.title),
            q(&t.text),
            q(&t.responsibility_printed),
            list(&t.lead_departments),
            list(&t.responsible_departments),
        ));
        if !t.survey_departments.is_empty() {
            tasks.push_str(&format!("survey_departments = {}\n", list(&t.survey_departments)));
        }
        tasks.push_str(&format!("indicators = {}\ncontinues = {}\n", list(&inds), t.number));
        for k in kept {
            tasks.push_str(&format!(
                "\n[[tasks.quantities]]\nwhat = {}\namount = {}\nunit = {}\n{}comparison = {}\nprinted = {}\n",
                q(&k.what),
                q(&k.amount.to_string()),
                q(&k.unit),
                k.deadline.map(|d| format!("deadline = {d}\n")).unwrap_or_default(),
                q(&k.comparison),
                q(&k.printed)
            ));
        }
    }

    // ---------- projects: those not completed ----------
    let column_unit = old.projects.iter().find_map(|p| p.budget.as_ref().map(|b| b.unit.clone())).unwrap_or_else(|| "亿元".into());
    let mut projects = String::from(
        "# 下一期方案的重点项目：上一期未完成的项目（continues 为上一期的序号，carried_investment_wan 为上一期末累计完成投资，万元）；新项目接续编号添加。\n",
    );
    let mut number = 0u32;
    for p in &old.projects {
        let (completed, cumulative) = r.at_end.projects.get(&p.number).cloned().unwrap_or((false, None));
        if completed {
            note(&mut notes, format!("project {}", p.number), "plan_next.note.project_done", vec![("name", p.name.clone())]);
            continue;
        }
        number += 1;
        let mut inds: Vec<String> = Vec::new();
        for c in &p.assessed_indicators {
            inds.extend(mapped(c).into_iter().filter(|m| !inds.contains(m)).collect::<Vec<_>>());
        }
        let invested = cumulative.map(|d| d.normalize().to_string()).unwrap_or_else(|| "0".into());
        // a project that should have ended by now goes on into the next plan's first year
        let period = match (p.period.start, p.period.end) {
            (Some(start), Some(end)) if end < r.start_year && !p.period.ongoing => {
                note(
                    &mut notes,
                    format!("project {number}"),
                    "plan_next.note.period_extended",
                    vec![("printed", p.period.printed.clone()), ("year", r.start_year.to_string())],
                );
                format!("{start}-{}", r.start_year)
            }
            _ => p.period.printed.clone(),
        };
        note(&mut notes, format!("project {number}"), "plan_next.note.project_carried", vec![("old", p.number.to_string()), ("invested", invested.clone())]);
        projects.push_str(&format!(
            "\n[[projects]]\nnumber = {number}\ndomain_printed = {}\nname = {}\nassessed_indicators_printed = {}\nassessed_indicators = {}\nscope = {}\nperiod_printed = {}\nbudget_printed = {}\nimplementers_printed = {}\nimplementers = {}\ncontinues = {}\ncarried_investment_wan = {}\n",
            q(p.domain.name_zh()),
            q(&p.name),
            q(&p.assessed_indicators_printed),
            list(&inds),
            q(&p.scope),
            q(&period),
            q(p.budget.as_ref().map(|b| b.printed.as_str()).unwrap_or("-")),
            q(&p.implementers_printed),
            list(&p.implementers),
            p.number,
            q(&invested),
        ));
    }

    // ---------- the plan ----------
    let years = |s: &str| s.replace(&format!("{}-{}", old.start_year, old.end_year), &format!("{}-{}", r.start_year, r.end_year));
    let code = if years(&old.code) != old.code { years(&old.code) } else { format!("{}-{}-{}", old.zone.code, r.start_year, r.end_year) };
    note(&mut notes, "plan".into(), "plan_next.note.document_number", vec![]);
    let mut plan = format!(
        "# 下一期方案（草稿，{today}）：由 {prev} 起草。印发前须填写文号（document_number）和印发日期（issued_on），并核对阶段与节点。\n\ncode = {}\ntitle = {}\ntitle_en = {}\ndocument_number = \"\"\nissued_on = {today}\nstart_year = {}\nend_year = {}\nbase_year = {}\nreview_date = {}-12-31\nframework = {}\nbudget_column_unit = {}\n\n[previous]\ncode = {}\nend_year = {}\n\n[zone]\ncode = {}\nname = {}\nname_en = {}\nlevel = {}\nkind = {}\n",
        q(&code),
        q(&years(&old.title)),
        q(&years(&old.title_en)),
        r.start_year,
        r.end_year,
        old.end_year,
        r.end_year,
        q(&r.framework.code),
        q(&column_unit),
        q(&old.code),
        old.end_year,
        q(&old.zone.code),
        q(&old.zone.name),
        q(&old.zone.name_en),
        q(&code_of(&old.zone.level)),
        q(&code_of(&old.zone.kind)),
        today = r.today,
        prev = old.code,
    );
    if let Some(p) = &old.zone.parent {
        plan.push_str(&format!("parent = {}\n", q(p)));
    }
    for (number, name, name_en, from, to) in phases(r.start_year, r.end_year) {
        plan.push_str(&format!("\n[[phases]]\nnumber = {number}\nname = {}\nname_en = {}\nstart = {from}\nend = {to}\nmilestones = [\n", q(name), q(name_en)));
        if number == 1 {
            plan.push_str(&format!(
                "  {{ text = \"印发实施方案，全面启动工作\", text_en = \"Issue the plan and start the work\", due = {} }},\n",
                r.today.max(from)
            ));
        }
        for y in r.start_year..=r.end_year + 1 {
            let due = NaiveDate::from_ymd_opt(y, 4, 30).expect("a date");
            if due >= from && due <= to {
                plan.push_str(&format!(
                    "  {{ text = \"完成{}年度指标档案更新整理归档\", text_en = \"Update and archive the {} indicator archive\", due = {due} }},\n",
                    y - 1,
                    y - 1
                ));
            }
        }
        plan.push_str("]\n");
    }
    for o in &old.org_units {
        plan.push_str(&format!("\n[[org_units]]\nname = {}\nname_en = {}\nkind = {}\n", q(&o.name), q(&o.name_en), q(&code_of(&o.kind))));
        if !o.aliases.is_empty() {
            plan.push_str(&format!("aliases = {}\n", list(&o.aliases)));
        }
        if let Some(region) = &o.region {
            plan.push_str(&format!("region = {}\n", q(region)));
        }
    }
    Ok(Draft {
        files: vec![("plan.toml".into(), plan), ("indicators.toml".into(), ind), ("tasks.toml".into(), tasks), ("projects.toml".into(), projects)],
        notes,
    })
}

/// The phases of a plan of these years: the first year organised, the middle deepened, the
/// last reviewed (a plan of one or two years has fewer).
fn phases(start: i32, end: i32) -> Vec<(u32, &'static str, &'static str, NaiveDate, NaiveDate)> {
    let d = |y: i32, m: u32, day: u32| NaiveDate::from_ymd_opt(y, m, day).expect("a date");
    let mut out = vec![(1, "组织实施阶段", "Organisation", d(start, 1, 1), d(start, 12, 31))];
    if end - start >= 2 {
        out.push((2, "深入推进阶段", "Deepening", d(start + 1, 1, 1), d(end - 1, 12, 31)));
    }
    if end > start {
        out.push((out.len() as u32 + 1, "复核验收阶段", "Review", d(end, 1, 1), d(end, 12, 31)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{shipped_file, shipped_revision};
    use crate::lineage::{compose, observation_for, observations_for};
    use crate::plan_data::{PlanSource, build_plan, hohhot};
    use crate::record::ObservationRecord;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn hohhot_next(at_end: &ProjectsAtEnd) -> (Plan, Draft) {
        let old = build_plan(&hohhot()).unwrap();
        let r = Request {
            old: &old,
            old_framework: shipped_revision("2021-city").unwrap(),
            framework: shipped_revision("2024-city").unwrap(),
            start_year: 2026,
            end_year: 2030,
            today: day("2026-01-15"),
            at_end,
        };
        let d = draft(&r).unwrap();
        (old, d)
    }

    fn source(d: &Draft) -> PlanSource {
        let f = |n: &str| (n.to_string(), d.files.iter().find(|(name, _)| name == n).unwrap().1.clone());
        let (fw_name, fw_text) = shipped_file("2024-city").unwrap();
        PlanSource {
            framework: (fw_name.into(), fw_text.into()),
            plan: f("plan.toml"),
            indicators: f("indicators.toml"),
            tasks: f("tasks.toml"),
            projects: f("projects.toml"),
        }
    }

    #[test]
    fn hohhot_s_next_plan_under_the_2024_city_set() {
        let mut at_end = ProjectsAtEnd::default();
        at_end.projects.insert(1, (true, Some(Decimal::new(500, 0))));
        at_end.projects.insert(2, (false, Some(Decimal::new(12345, 1))));
        let (old, d) = hohhot_next(&at_end);
        let text = |k: &str, place: &str| d.notes.iter().find(|n| n.key == k && n.place == place).map(|n| n.text(Locale::Zh));
        // 2024 row 1 continues the 2021 row 3 (生态文明建设工作占党政实绩考核的比例), led as before
        assert!(text("plan_next.note.kept", "indicator 1").is_some_and(|t| t.contains('3')), "{:?}", d.notes);
        // the draft's own text is read back, once its blanks are filled
        let src = source(&d);
        match build_plan(&src) {
            Ok(_) => {}
            Err(e) => assert!(e.file == "indicators.toml" && e.field == "rule", "a blank is refused with its place: {e}"),
        }
        let filled = fill(&src);
        let next = build_plan(&filled).unwrap_or_else(|e| panic!("{e}"));
        let l = next.lineage.as_ref().unwrap();
        assert_eq!((l.previous.as_str(), l.previous_end_year), ("hohhot-2023-2025", 2025));
        assert_eq!(l.leaves.get("1").map(String::as_str), Some("3"));
        assert_eq!(next.indicator("1").unwrap().lead_departments, vec!["市委组织部".to_string()]);
        // project 1 completed is left; project 2 is the first, with its investment
        assert_eq!(next.projects.len(), old.projects.len() - 1);
        assert_eq!(l.projects.get(&1), Some(&2));
        assert_eq!(l.carried_investment_wan.get(&1), Some(&Decimal::new(12345, 1)));
        assert_eq!(next.tasks.len(), old.tasks.len());
        assert_eq!((next.start_year, next.end_year, next.base_year), (2026, 2030, 2025));
        assert_eq!(next.title, "呼和浩特市国家生态文明建设示范市巩固提升实施方案（2026-2030年）");
        // the 2021 indicators the 2024 rows do not name are said, not silently lost
        assert!(
            text("plan_next.note.not_seen", "hohhot-2023-2025 indicator 36").is_some(),
            "{:?}",
            d.notes.iter().map(|n| n.text(Locale::En)).collect::<Vec<_>>()
        );
        // every note reads in both languages, with no placeholder left
        for n in &d.notes {
            for l in [Locale::Zh, Locale::En] {
                let t = n.text(l);
                assert!(!t.contains('{') && !t.starts_with("plan_next"), "{t}");
            }
        }
    }

    /// A person's edit of a draft: every empty rule given a state word, every empty target a
    /// text, every added leaf a baseline, every indicator without a lead one.
    fn fill(src: &PlanSource) -> PlanSource {
        let mut s = src.clone();
        s.indicators.1 = s
            .indicators
            .1
            .replace("target_printed = \"\"", "target_printed = \"有效开展\"")
            .replace("rule = \"\"", "rule = \"state 有效开展\"")
            .replace("baseline = \"\"", "baseline = \"0\"")
            .replace("lead_departments = []", "lead_departments = [\"市生态环境局\"]");
        s.plan.1 = s.plan.1.replace("document_number = \"\"", "document_number = \"呼生态创发〔2026〕1号\"");
        s
    }

    #[test]
    fn a_next_plan_reads_the_history_it_continues_under_its_own_codes() {
        let (_, d) = hohhot_next(&ProjectsAtEnd::default());
        let next = build_plan(&fill(&source(&d))).unwrap();
        let obs = |code: &str, year: i64, id: i64| ObservationRecord {
            id,
            zone: "150100".into(),
            indicator: code.into(),
            year,
            region: String::new(),
            value: "1".into(),
            comment: String::new(),
            explanation: String::new(),
            state: crate::record::EntryState::Approved,
            late: false,
            submitted_by: String::new(),
            submitted_at: String::new(),
            decided_by: String::new(),
            decided_at: String::new(),
            reason: String::new(),
            version: 1,
        };
        // 2021's 3 is 2024's 1; 2021's 10 split into 8.1 and 8.2; 2021's 1 is not continued, and
        // 2021's 5 is another indicator than the next plan's 5.x
        let all = vec![obs("3", 2025, 1), obs("10", 2024, 2), obs("1", 2025, 3), obs("5", 2025, 4), obs("1", 2026, 5)];
        let read = observations_for(&next, all.clone());
        let got: Vec<(&str, i64, i64)> = read.iter().filter(|o| o.id != 0).map(|o| (o.indicator.as_str(), o.year, o.id)).collect();
        assert_eq!(got, vec![("1", 2025, 1), ("8.1", 2024, 2), ("8.2", 2024, 2), ("1", 2026, 5)]);
        // a new leaf's baseline reads as an approved value of the base year
        let base: Vec<(&str, i64, &str)> = read.iter().filter(|o| o.id == 0).map(|o| (o.indicator.as_str(), o.year, o.value.as_str())).collect();
        assert!(base.contains(&("2", 2025, "0")) && base.iter().all(|b| !next.lineage.as_ref().unwrap().leaves.contains_key(b.0)), "{base:?}");
        assert_eq!(observation_for(&next, obs("3", 2025, 1)).map(|o| o.indicator), Some("1".into()));
        assert_eq!(observation_for(&next, obs("1", 2025, 3)), None, "not continued: not read");
        let upper = |code: &str, year: i64| crate::record::UpperTargetRecord {
            zone: "150100".into(),
            indicator: code.into(),
            year,
            value: "90".into(),
            set_by: String::new(),
            set_at: String::new(),
        };
        // 2021's 7.1 (优良天数比例) is 2024's 4.1: its assigned target follows it
        let got: Vec<(String, i64)> = crate::lineage::uppers_for(&next, vec![upper("7.1", 2025), upper("4.1", 2024), upper("4.1", 2026)])
            .into_iter()
            .map(|u| (u.indicator, u.year))
            .collect();
        assert_eq!(got, vec![("4.1".to_string(), 2025), ("4.1".to_string(), 2026)]);

        // a third plan reads the first one's years through the second: 2026-2030's 1 is 2021's 3
        let mut third = next.clone();
        third.code = "hohhot-2031-2035".into();
        let mut l = Lineage { previous: next.code.clone(), previous_end_year: 2030, leaves: [("7".to_string(), "1".to_string())].into(), ..Lineage::default() };
        compose(&mut l, next.lineage.as_ref());
        third.lineage = Some(l);
        let read = observations_for(&third, vec![obs("3", 2024, 1), obs("1", 2024, 3), obs("1", 2027, 6), obs("1", 2032, 7)]);
        let got: Vec<(&str, i64, i64)> = read.iter().filter(|o| o.id != 0).map(|o| (o.indicator.as_str(), o.year, o.id)).collect();
        assert_eq!(got, vec![("7", 2024, 1), ("7", 2027, 6), ("1", 2032, 7)], "2021's 1 of 2024 is another indicator");
        let first = build_plan(&hohhot()).unwrap();
        assert_eq!(observations_for(&first, all.clone()), all, "a first plan reads every value");
    }

    #[test]
    fn years_must_follow_the_earlier_plan_and_levels_match() {
        let old = build_plan(&hohhot()).unwrap();
        let at_end = ProjectsAtEnd::default();
        let mut r = Request {
            old: &old,
            old_framework: shipped_revision("2021-city").unwrap(),
            framework: shipped_revision("2024-city").unwrap(),
            start_year: 2025,
            end_year: 2030,
            today: day("2026-01-15"),
            at_end: &at_end,
        };
        assert_eq!(draft(&r).unwrap_err(), DraftError::Years(2025, 2030, 2025));
        (r.start_year, r.end_year) = (2027, 2026);
        assert!(matches!(draft(&r), Err(DraftError::Years(..))));
        (r.start_year, r.end_year) = (2026, 2026);
        assert_eq!(draft(&r).unwrap().files.len(), 4, "a plan of one year");
        for (s, e) in [(2026, 2036), (2026, 300_000), (2099, 2101)] {
            (r.start_year, r.end_year) = (s, e);
            assert!(matches!(draft(&r), Err(DraftError::Years(..))), "{s}-{e}");
        }
        (r.start_year, r.end_year) = (2026, 2035);
        assert!(draft(&r).is_ok(), "ten years");
        r.framework = shipped_revision("2024-county").unwrap();
        assert!(matches!(draft(&r), Err(DraftError::Level(..))));
    }
}
