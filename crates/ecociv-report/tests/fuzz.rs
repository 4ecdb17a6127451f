//! Property-based fuzzing (proptest, bounded) of the import's reader: any bytes, any table
//! typed as people type it, and a real workbook cut or with bytes changed are each read or
//! refused with problems — never a panic, never a problem without its place in a table.

use ecociv_report::import::read;
use proptest::prelude::*;

/// What people type into the cells of a table, and what breaks CSV.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            "12",
            "2024-05",
            "2024年5月",
            "2024/5/1",
            "五月",
            "在建",
            "已完工",
            "未开工",
            "under_way",
            "10%",
            "1,000",
            "1万",
            "0.5亿",
            "-3",
            "１２３",
            "=SUM(A1)",
            "\"",
            "\"\"",
            ",",
            "\n",
            "\r\n",
            "项目序号",
            "月份",
            "累计投资（万元）",
            "\u{feff}",
            "NaN",
            "1e309",
            "99999999999999999999",
        ])
        .prop_map(String::from),
        "\\PC{0,12}",
        (0u32..200).prop_map(|n| n.to_string()),
    ]
}

fn table() -> impl Strategy<Value = String> {
    let header = prop::collection::vec(
        prop::sample::select(vec![
            "项目序号",
            "月份",
            "状态",
            "进度（%）",
            "本月投资（万元）",
            "累计投资（万元）",
            "存在问题",
            "指标",
            "年份",
            "数值",
            "填报单位",
            "x",
        ]),
        1..8,
    );
    let sep = prop::sample::select(vec![",", ";", "\t"]);
    (header, sep, prop::collection::vec(prop::collection::vec(cell(), 0..9), 0..12)).prop_map(|(h, sep, rows)| {
        let quote = |c: &str| if c.contains([',', ';', '\t', '"', '\n', '\r']) { format!("\"{}\"", c.replace('"', "\"\"")) } else { c.to_string() };
        let mut t = h.join(sep);
        for r in rows {
            t.push('\n');
            t.push_str(&r.iter().map(|c| quote(c)).collect::<Vec<_>>().join(sep));
        }
        t
    })
}

/// A real workbook of the import's table shape.
fn workbook() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["项目序号", "月份", "状态", "进度（%）", "本月投资（万元）", "累计投资（万元）"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..20u32 {
        ws.write_number(r, 0, 12.0).unwrap();
        ws.write_string(r, 1, format!("2024-{:02}", r.min(12))).unwrap();
        ws.write_string(r, 2, "在建").unwrap();
        ws.write_number(r, 3, f64::from(r)).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

fn placed(problems: &[ecociv_report::import::Problem]) -> bool {
    problems.iter().all(|p| !p.code.is_empty() && (p.row.is_none() || p.row.is_some_and(|r| r >= 1)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_are_read_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..800)) {
        if let Err(problems) = read(&bytes) {
            prop_assert!(!problems.is_empty() && placed(&problems));
        }
    }

    #[test]
    fn any_table_as_typed_is_read_or_refused_with_its_places(text in table(), gb18030 in any::<bool>()) {
        let bytes = if gb18030 { encoding_rs::GB18030.encode(&text).0.into_owned() } else { text.into_bytes() };
        match read(&bytes) {
            Ok(filled) => prop_assert!(filled.rows.iter().all(|r| r.row >= 2), "data rows come after the header"),
            Err(problems) => prop_assert!(!problems.is_empty() && placed(&problems)),
        }
    }

    #[test]
    fn a_workbook_cut_or_changed_is_read_or_refused(cut in 0usize..4000, flips in prop::collection::vec((0usize..4000, any::<u8>()), 0..6)) {
        let mut bytes = workbook();
        for (at, b) in flips {
            let n = bytes.len();
            bytes[at % n] = b;
        }
        bytes.truncate(bytes.len().saturating_sub(cut));
        if let Err(problems) = read(&bytes) {
            prop_assert!(!problems.is_empty() && placed(&problems));
        }
    }
}
