//! The framework revisions shipped with ecociv and their comparison
//! (`ecociv_core::framework`): what each revision knows, and the diff of the notes' itemised
//! 2021→2024 city list.

use ecociv_core::framework::*;
use ecociv_core::model::Attribute;

fn codes(d: &Diff, kind: ChangeKind) -> Vec<(Vec<&str>, Vec<&str>)> {
    d.of(kind).map(|c| (c.old.iter().map(|r| r.code.as_str()).collect(), c.new.iter().map(|r| r.code.as_str()).collect())).collect()
}

#[test]
fn the_shipped_revisions_read_and_say_how_much_is_known() {
    let all = shipped();
    assert_eq!(all.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), ["2019", "2021-city", "2024-city", "2024-county"]);
    let c2021 = &all[1];
    assert!(c2021.complete && c2021.rows.len() == 43, "36 indicators, 43 leaves: {}", c2021.rows.len());
    let c2024 = &all[2];
    assert!(!c2024.complete && c2024.rows.len() == 26);
    assert!(c2024.rows.iter().all(|r| r.attribute == Attribute::Unknown), "no 指标属性 column was seen");
    assert_eq!(c2024.rows[1].name, "", "row 2's name is cut off: left empty, never made up");
    assert!(all[3].rows.is_empty() && !all[3].complete);
    let dry = c2021.rows.iter().find(|r| r.code == "9").unwrap();
    assert_eq!((dry.target.as_deref(), dry.variants[0].region.as_str(), dry.variants[0].target.as_str()), (None, "干旱半干旱地区", "≥35"));
    assert_eq!(c2021.rows.iter().find(|r| r.code == "7.1").unwrap().target, None, "Hohhot's own figure is not the framework's");
    assert_eq!(dry.variants[0].rule.as_deref(), Some(">= 35"));
    let air = c2024.rows.iter().find(|r| r.code == "4.1").unwrap();
    assert_eq!(air.rule.as_deref(), Some(">= upper_target and (>= 90 or increasing)"), "the compound target as a rule");
    assert_eq!(c2024.rows.iter().find(|r| r.code == "13").unwrap().rule, None, "a target cut off has no rule");
    // every `from` of a revision names a row of the one it follows
    for r in all {
        if let Some(p) = &r.previous {
            let before = all.iter().find(|x| &x.code == p).unwrap();
            for row in &r.rows {
                for f in &row.from {
                    assert!(before.rows.iter().any(|b| &b.code == f), "{} {}: {f} is not a row of {p}", r.code, row.code);
                }
            }
        }
    }
}

/// The itemised differences of the shared notes on indicators (§7.1, with the rows of §1.2).
#[test]
fn the_2021_to_2024_city_diff_is_the_notes_list() {
    let d = diff(shipped_revision("2021-city").unwrap(), shipped_revision("2024-city").unwrap());
    assert!(d.by_lineage);
    assert_eq!(codes(&d, ChangeKind::Kept), [(vec!["3"], vec!["1"]), (vec!["7.2"], vec!["4.2"])]);
    let kept = d.of(ChangeKind::Kept).next().unwrap();
    assert!(kept.fields.is_empty() && kept.unknown.is_empty(), "考核比例 ≥20 kept, all of it known");
    assert_eq!(d.of(ChangeKind::Kept).nth(1).unwrap().unknown, ["target"], "2021's own PM2.5 value is not known");
    assert_eq!(
        codes(&d, ChangeKind::Changed).iter().map(|(o, n)| (o[0], n[0])).collect::<Vec<_>>(),
        [("7.1", "4.1"), ("8.1", "5.1"), ("23", "5.3"), ("24", "6.1"), ("26", "6.4"), ("9", "7.1"), ("16", "8.3"), ("13", "10"), ("11.2", "11"), ("14", "12")]
    );
    let sewage = d.of(ChangeKind::Changed).find(|c| c.old[0].code == "24").unwrap();
    assert_eq!(
        sewage.fields.iter().map(|f| (f.field.as_str(), f.old.as_str(), f.new.as_str())).collect::<Vec<_>>(),
        [("name", "城镇污水处理率", "城市生活污水集中收集率"), ("target", "≥95", "≥70")]
    );
    let emergency = d.of(ChangeKind::Changed).find(|c| c.old[0].code == "14").unwrap();
    assert_eq!(emergency.fields.len(), 1, "only the name drops 生态: {:?}", emergency.fields);
    let eqi = d.of(ChangeKind::Changed).find(|c| c.old[0].code == "9").unwrap();
    assert!(eqi.fields.iter().any(|f| f.field == "name" && f.new == "生态质量指数(EQI)"), "EI → EQI");
    assert_eq!(codes(&d, ChangeKind::Split), [(vec!["10"], vec!["8.1", "8.2"])], "林草覆盖率 → 森林覆盖率 and 草原综合植被盖度");
    assert_eq!(codes(&d, ChangeKind::Merged), [(vec!["15.1", "15.2"], vec!["7.2"]), (vec!["11.1", "11.3"], vec!["7.4"])]);
    assert_eq!(codes(&d, ChangeKind::Added).iter().map(|(_, n)| n[0]).collect::<Vec<_>>(), ["2", "3", "5.2", "5.4", "6.2", "6.3", "6.5", "7.3", "9", "13"]);
    let unseen: Vec<&str> = codes(&d, ChangeKind::NotSeen).iter().map(|(o, _)| o[0]).collect();
    for gone in ["1", "2", "4", "5", "6", "12", "17", "20"] {
        assert!(unseen.contains(&gone), "{gone} is not in 2024 rows 1–13: {unseen:?}");
    }
    assert_eq!(d.of(ChangeKind::Dropped).count(), 0, "the 2024 set is known only in part: nothing is said dropped");
    // every 2021 row is accounted for once
    let mut seen: Vec<&str> = d.changes.iter().flat_map(|c| c.old.iter().map(|r| r.code.as_str())).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 43);
    let text = d.text(ecociv_core::Locale::Zh);
    assert!(text.contains("调整  24 城镇污水处理率 → 6.1 城市生活污水集中收集率 (名称; 指标值 ≥95 → ≥70)"), "{text}");
    assert!(text.contains("拆分  10 林草覆盖率 → 8.1 森林覆盖率*, 8.2 草原综合植被盖度*") && text.contains("只知部分内容"), "{text}");
    assert!(d.text(ecociv_core::Locale::En).contains("not seen  1 生态文明建设规划"));
}

#[test]
fn revisions_that_do_not_follow_each_other_are_matched_by_name() {
    let d = diff(shipped_revision("2019").unwrap(), shipped_revision("2024-city").unwrap());
    assert!(!d.by_lineage);
    assert_eq!(codes(&d, ChangeKind::Kept), [(vec!["3"], vec!["1"])], "the same name, the 2019 target unknown");
    let back = diff(shipped_revision("2021-city").unwrap(), shipped_revision("2019").unwrap());
    assert_eq!(back.of(ChangeKind::Dropped).count(), 0, "2019 is incomplete");
    let after_2019 = diff(shipped_revision("2019").unwrap(), shipped_revision("2021-city").unwrap());
    assert!(after_2019.by_lineage);
    assert_eq!(
        (after_2019.of(ChangeKind::Added).count(), after_2019.of(ChangeKind::NotSeenBefore).count()),
        (0, 39),
        "2019 is known only in part: nothing is said new"
    );
    assert_eq!(after_2019.of(ChangeKind::Kept).count(), 4);
    let err = read_toml("x.toml", "code = \"x\"\nname = \"x\"\ndocument = \"\"\nfoo = 1\ncategories = []\nindicators = []\n").unwrap_err();
    assert_eq!(err.place, "line 4", "{err}");
}

#[test]
fn a_revision_compared_with_itself_keeps_every_row() {
    // by code: 2024-city has a row whose name is not known, which names could not match
    for r in shipped() {
        let d = diff(r, r);
        assert_eq!(d.of(ChangeKind::Kept).count(), r.rows.len(), "{}", r.code);
        assert_eq!(d.changes.len(), r.rows.len(), "{}", r.code);
    }
}
