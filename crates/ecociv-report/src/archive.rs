//! The yearly indicator archive (指标档案): one `.zip` for a year, with an index workbook and,
//! per indicator, a folder named by its code holding the values (every year up to the
//! archive's, regional ones too), the approvals and the rest of each value's history from the
//! audit trail, and the evidence files of the year's values — what the review inspects.
//!
//! Whatever is missing is said, never skipped: a year without a value, a value not approved,
//! no evidence, an evidence file whose content is gone or no longer has the hash it was
//! uploaded with. The index lists it per indicator and on its own sheet, and each affected
//! folder carries a `缺失说明.txt`. Names are stored with the zip UTF-8 flag, so Windows shows
//! the Chinese names as they are.

use std::collections::HashMap;
use std::io::{Cursor, Write};

use ecociv_core::Locale;
use ecociv_core::locale::{t, tf};
use ecociv_core::model::Plan;
use ecociv_core::projection::Method;
use ecociv_core::record::{EntryState, EvidenceRecord, ObservationRecord, UpperTargetRecord};
use ecociv_core::trail::TrailEvent;
use zip::write::SimpleFileOptions;

use crate::{Cell, ReportError, Table, approved_standings, csv, xlsx};

/// What an archive is made of, as read from the store.
pub struct ArchiveData<'a> {
    pub plan: &'a Plan,
    pub year: i32,
    pub observations: &'a [ObservationRecord],
    pub uppers: &'a [UpperTargetRecord],
    /// The zone's audit trail (the events of observations are taken).
    pub trail: &'a [TrailEvent],
    /// The evidence of observations.
    pub evidence: &'a [EvidenceRecord],
    /// Stored contents by hash; an absent hash is a file that is gone.
    pub blobs: &'a HashMap<String, Vec<u8>>,
}

/// A file name safe in a zip on every system: no separators or reserved characters.
fn safe(name: &str) -> String {
    let s: String = name.chars().map(|c| if "/\\:*?\"<>|".contains(c) || c.is_control() { '_' } else { c }).collect();
    let s = s.trim_matches(['.', ' ']).to_string();
    if s.is_empty() { "_".into() } else { s }
}

fn state_label(s: EntryState, l: Locale) -> &'static str {
    match s {
        EntryState::Submitted => t(l, "state.awaiting_review"),
        EntryState::Returned => t(l, "state.returned"),
        EntryState::Approved => t(l, "state.approved_short"),
    }
}

/// A plain `.zip` of named files (a next plan's draft folder), names stored as UTF-8.
pub fn zip_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ReportError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(safe(name), opts)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// The archive of a year.
pub fn archive(d: &ArchiveData, l: Locale) -> Result<Vec<u8>, ReportError> {
    let plan = d.plan;
    let standings = approved_standings(plan, d.observations, d.uppers, d.year, Method::Cagr, l);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut index_rows = Vec::new();
    let mut missing_rows = Vec::new();
    for ind in &plan.indicators {
        let folder = safe(&ind.code);
        let leaves: Vec<&str> =
            if ind.sub_indicators.is_empty() { vec![ind.code.as_str()] } else { ind.sub_indicators.iter().map(|s| s.code.as_str()).collect() };
        let obs: Vec<&ObservationRecord> = d.observations.iter().filter(|o| leaves.contains(&o.indicator.as_str()) && o.year <= i64::from(d.year)).collect();
        let mut missing: Vec<String> = Vec::new();
        // values, every year up to the archive's
        let values = Table {
            sheet: t(l, "archive.values_sheet").into(),
            keys: vec![],
            header: [
                t(l, "col.indicator_code"),
                t(l, "obs.year"),
                t(l, "col.region"),
                t(l, "col.measured_value"),
                t(l, "col.review_state"),
                t(l, "col.entered_by"),
                t(l, "col.submitted_at"),
                t(l, "col.decided_by"),
                t(l, "col.decided_at"),
                t(l, "entry.reason"),
                t(l, "col.comment"),
                t(l, "col.explanation"),
            ]
            .map(String::from)
            .to_vec(),
            rows: obs
                .iter()
                .map(|o| {
                    [
                        o.indicator.clone(),
                        o.year.to_string(),
                        o.region.clone(),
                        o.value.clone(),
                        state_label(o.state, l).into(),
                        o.submitted_by.clone(),
                        o.submitted_at.clone(),
                        o.decided_by.clone(),
                        o.decided_at.clone(),
                        o.reason.clone(),
                        o.comment.clone(),
                        o.explanation.clone(),
                    ]
                    .map(Cell::text)
                    .to_vec()
                })
                .collect(),
        };
        zip.start_file(format!("{folder}/{}", t(l, "archive.values_file")), opts)?;
        zip.write_all(&csv(&values))?;
        // the history of each value, from the audit trail
        let ids: Vec<String> = obs.iter().map(|o| o.id.to_string()).collect();
        let history = Table {
            sheet: t(l, "archive.history_sheet").into(),
            keys: vec![],
            header: [t(l, "col.seq"), t(l, "col.at"), t(l, "col.actor"), t(l, "col.action"), t(l, "col.entry"), t(l, "entry.reason"), "SM3"]
                .map(String::from)
                .to_vec(),
            rows: d
                .trail
                .iter()
                .filter(|e| e.entity == "observation" && ids.contains(&e.entity_id))
                .map(|e| {
                    [e.seq.to_string(), e.at.clone(), e.actor.clone(), e.action.clone(), e.entity_id.clone(), e.reason.clone(), e.hash.clone()]
                        .map(Cell::text)
                        .to_vec()
                })
                .collect(),
        };
        zip.start_file(format!("{folder}/{}", t(l, "archive.history_file")), opts)?;
        zip.write_all(&csv(&history))?;
        // the evidence of the year's values
        // the files put in, per leaf
        let mut files: HashMap<String, usize> = HashMap::new();
        for o in obs.iter().filter(|o| o.year == i64::from(d.year)) {
            let evidence: Vec<&EvidenceRecord> = d.evidence.iter().filter(|e| e.entity == "observation" && e.entity_id == o.id).collect();
            let place = if o.region.is_empty() { o.indicator.clone() } else { format!("{} {}", o.indicator, o.region) };
            if evidence.is_empty() {
                missing.push(tf(l, "archive.no_evidence", &[("year", d.year.to_string()), ("place", place.to_string())]));
            }
            for e in evidence {
                let name = format!("{folder}/{}/{}_{}_{}", t(l, "archive.evidence_folder"), safe(&o.indicator), e.id, safe(&e.file_name));
                match d.blobs.get(&e.hash) {
                    Some(bytes) if ecociv_core::record::content_hash(bytes) == e.hash => {
                        zip.start_file(name, opts)?;
                        zip.write_all(bytes)?;
                        *files.entry(o.indicator.clone()).or_default() += 1;
                    }
                    Some(_) => missing.push(tf(
                        l,
                        "archive.evidence_changed",
                        &[("file", e.file_name.to_string()), ("hash", e.hash.to_string()), ("place", place.to_string())],
                    )),
                    None => missing.push(tf(
                        l,
                        "archive.evidence_missing",
                        &[("file", e.file_name.to_string()), ("hash", e.hash.to_string()), ("place", place.to_string())],
                    )),
                }
            }
        }
        // per leaf: the year's value and its approval; the gaps first in the note
        let mut rows = Vec::new();
        let mut gaps = Vec::new();
        for leaf in &leaves {
            let own = obs.iter().find(|o| o.indicator == *leaf && o.year == i64::from(d.year) && o.region.is_empty());
            match own {
                None => gaps.push(tf(l, "archive.no_value", &[("year", d.year.to_string()), ("leaf", leaf.to_string())])),
                Some(o) if o.state != EntryState::Approved => gaps.push(tf(
                    l,
                    "archive.not_approved",
                    &[("year", d.year.to_string()), ("state", state_label(o.state, l).to_string()), ("leaf", leaf.to_string())],
                )),
                Some(_) => {}
            }
            let s = standings.iter().find(|s| s.code == *leaf);
            let year_status = s.and_then(|s| s.years.iter().find(|y| y.year == d.year));
            rows.push(vec![
                Cell::text(*leaf),
                Cell::text(plan.leaf_name(leaf, l)),
                Cell::text(s.map(|s| s.unit.clone()).unwrap_or_default()),
                Cell::text(s.map(|s| s.target.clone()).unwrap_or_default()),
                Cell::text(own.map(|o| o.value.clone()).unwrap_or_default()),
                Cell::text(own.map(|o| state_label(o.state, l)).unwrap_or(t(l, "archive.no_data"))),
                Cell::text(year_status.map(|y| y.status.label(l).to_string()).unwrap_or_default()),
                Cell::text(own.map(|o| o.decided_by.clone()).unwrap_or_default()),
                Cell::text(own.map(|o| o.decided_at.clone()).unwrap_or_default()),
                Cell::text(ind.lead_departments.join("、")),
                Cell::text(folder.clone()),
                Cell::Number(rust_decimal::Decimal::from(files.get(*leaf).copied().unwrap_or(0)), "0"),
            ]);
        }
        gaps.append(&mut missing);
        for mut row in rows {
            let code = match &row[0] {
                Cell::Text(c) => c.clone(),
                _ => String::new(),
            };
            // each leaf's row: its own gaps and those of the indicator's evidence
            let own: Vec<&str> = gaps
                .iter()
                .filter(|g| g.starts_with(&format!("{code}：")) || g.starts_with(&format!("{code}:")) || g.starts_with(&format!("{code} ")))
                .map(String::as_str)
                .collect();
            row.push(Cell::text(own.join("；")));
            index_rows.push(row);
        }
        for m in &gaps {
            missing_rows.push(vec![Cell::text(ind.code.clone()), Cell::text(m.clone())]);
        }
        if !gaps.is_empty() {
            zip.start_file(format!("{folder}/{}", t(l, "archive.missing_file")), opts)?;
            zip.write_all(format!("\u{feff}{}\r\n", gaps.join("\r\n")).as_bytes())?;
        }
    }
    let index = Table {
        sheet: tf(l, "archive.index_sheet", &[("year", d.year.to_string())]),
        keys: vec![],
        header: [
            t(l, "col.indicator_code"),
            t(l, "col.indicator_name"),
            t(l, "col.unit"),
            t(l, "col.target_value"),
            t(l, "col.measured_value"),
            t(l, "col.review_state"),
            t(l, "col.attainment"),
            t(l, "col.decided_by"),
            t(l, "col.decided_at"),
            t(l, "col.lead"),
            t(l, "col.folder"),
            t(l, "col.evidence_files"),
            t(l, "col.missing"),
        ]
        .map(String::from)
        .to_vec(),
        rows: index_rows,
    };
    let gaps = Table {
        sheet: t(l, "archive.missing_sheet").into(),
        keys: vec![],
        header: vec![t(l, "col.indicator").into(), t(l, "col.what_is_missing").into()],
        rows: missing_rows,
    };
    zip.start_file(tf(l, "archive.index_file", &[("year", d.year.to_string())]), opts)?;
    zip.write_all(&xlsx(&[index, gaps])?)?;
    // the head of the trail the archive was made from, so that a copy later proves what the data was
    if let Some(head) = d.trail.last() {
        zip.start_file(t(l, "archive.provenance_file"), opts)?;
        let text = tf(l, "doc.provenance", &[("zone", d.plan.zone.code.clone()), ("seq", head.seq.to_string()), ("hash", head.hash.clone())]);
        zip.write_all(format!("{text}\r\n").as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecociv_core::plan_data::{build_plan, hohhot};
    use std::io::Read;

    fn obs(id: i64, indicator: &str, year: i64, value: &str, state: EntryState) -> ObservationRecord {
        ObservationRecord {
            id,
            zone: "150100".into(),
            indicator: indicator.into(),
            year,
            region: String::new(),
            value: value.into(),
            comment: String::new(),
            explanation: String::new(),
            state,
            late: false,
            submitted_by: "env".into(),
            submitted_at: "2025-02-01T00:00:00Z".into(),
            decided_by: "tf".into(),
            decided_at: "2025-02-02T00:00:00Z".into(),
            reason: String::new(),
            version: 2,
        }
    }

    fn evidence(id: i64, entity_id: i64, name: &str, content: &[u8]) -> EvidenceRecord {
        EvidenceRecord {
            id,
            zone: "150100".into(),
            entity: "observation".into(),
            entity_id,
            hash: ecociv_core::record::content_hash(content),
            file_name: name.into(),
            media_type: "application/pdf".into(),
            size: content.len() as i64,
            uploaded_by: "env".into(),
            uploaded_at: "2025-02-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn one_folder_per_indicator_files_intact_and_what_is_missing_said() {
        let plan = build_plan(&hohhot()).unwrap();
        let o =
            [obs(1, "5", 2024, "100", EntryState::Approved), obs(2, "7.1", 2024, "85.2", EntryState::Submitted), obs(3, "6", 2024, "98", EntryState::Approved)];
        let pdf = b"%PDF-1.4 evidence".to_vec();
        let photo = b"\x89PNG 7.1".to_vec();
        let ev = [evidence(1, 1, "公开/目录:2024.pdf", &pdf), evidence(2, 3, "gone.pdf", b"lost"), evidence(3, 2, "7.1.png", &photo)];
        let blobs: HashMap<String, Vec<u8>> = [(ev[0].hash.clone(), pdf.clone()), (ev[2].hash.clone(), photo.clone())].into();
        let bytes =
            archive(&ArchiveData { plan: &plan, year: 2024, observations: &o, uppers: &[], trail: &[], evidence: &ev, blobs: &blobs }, Locale::Zh).unwrap();
        let mut z = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        let names: Vec<String> = z.file_names().map(|n| n.unwrap().to_string()).collect();
        let folders: std::collections::BTreeSet<&str> = names.iter().filter_map(|n| n.split_once('/').map(|x| x.0)).collect();
        assert_eq!(folders.len(), 36, "one folder per indicator");
        let file = "5/佐证材料/5_1_公开_目录_2024.pdf";
        assert!(names.contains(&file.to_string()), "{names:?}");
        let mut got = Vec::new();
        z.by_name(file).unwrap().read_to_end(&mut got).unwrap();
        assert_eq!(ecociv_core::record::content_hash(&got), ev[0].hash, "the file as uploaded");
        // the UTF-8 flag (bit 11 of the flags) on every entry of the central directory with a Chinese name
        let mut checked = 0;
        for at in (0..bytes.len() - 46).filter(|i| bytes[*i..].starts_with(b"PK\x01\x02")) {
            let flags = u16::from_le_bytes([bytes[at + 8], bytes[at + 9]]);
            let len = u16::from_le_bytes([bytes[at + 28], bytes[at + 29]]) as usize;
            let name = &bytes[at + 46..at + 46 + len];
            if !name.is_ascii() {
                assert!(flags & 0x0800 != 0, "{}", String::from_utf8_lossy(name));
                checked += 1;
            }
        }
        assert!(checked > 36, "{checked}");
        let mut note = String::new();
        z.by_name("6/缺失说明.txt").unwrap().read_to_string(&mut note).unwrap();
        assert!(note.contains("gone.pdf") && note.contains("已缺失"), "{note}");
        let mut note = String::new();
        z.by_name("7/缺失说明.txt").unwrap().read_to_string(&mut note).unwrap();
        assert!(note.contains("7.1：2024 年的数值未审核（待审核）") && note.contains("7.2：2024 年没有数值") && !note.contains("没有佐证材料"), "{note}");
        assert!(names.contains(&"2024年指标档案索引.xlsx".to_string()));
        // the index counts the files of each leaf
        let mut index = Vec::new();
        z.by_name("2024年指标档案索引.xlsx").unwrap().read_to_end(&mut index).unwrap();
        let mut wb: calamine::Xlsx<_> = calamine::Reader::new(Cursor::new(index)).unwrap();
        let sheet = calamine::Reader::worksheet_range(&mut wb, "2024 年指标档案").unwrap();
        let count = |code: &str| sheet.rows().find(|r| r[0] == code).map(|r| r[11].to_string()).unwrap();
        assert_eq!((count("5").as_str(), count("6").as_str(), count("7.1").as_str(), count("7.2").as_str()), ("1", "0", "1", "0"));
        // a year with no data still comes out, and says so for every leaf
        let empty =
            archive(&ArchiveData { plan: &plan, year: 2022, observations: &[], uppers: &[], trail: &[], evidence: &[], blobs: &HashMap::new() }, Locale::En)
                .unwrap();
        let mut z = zip::ZipArchive::new(Cursor::new(&empty[..])).unwrap();
        let mut note = String::new();
        z.by_name("7/missing.txt").unwrap().read_to_string(&mut note).unwrap();
        assert!(note.contains("7.1: no value for 2022"), "{note}");
    }
}
