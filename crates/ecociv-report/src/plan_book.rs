//! A plan's data files written as one `.xlsx` workbook to edit in a spreadsheet (the layout is
//! `ecociv_core::plan_book`'s; reading it back is `import::sheets` then
//! `ecociv_core::plan_book::from_sheets`): a tab per sheet named in the language asked, row 1
//! the columns' labels, row 2 their keys (which reading goes by, so the labels may be in any
//! language), text columns formatted as text so that a code such as `1.10` stays what it is,
//! and the points a person must settle on a last sheet of notes.

use ecociv_core::Locale;
use ecociv_core::locale::t;
use ecociv_core::plan_book::{Cell, Kind, Path, SHEETS, SheetOut};
use rust_xlsxwriter::{Color, Format, Workbook};

use crate::ReportError;

/// The tab name of a sheet (`plan_book.sheet.<key>`) in `l`.
pub fn tab(key: &str, l: Locale) -> &'static str {
    t(l, &format!("plan_book.sheet.{key}"))
}

/// The label of a column or of a plan's field (`zone.code` → `plan_book.col.zone_code`).
pub fn label(key: &str, l: Locale) -> &'static str {
    t(l, &format!("plan_book.col.{}", key.replace('.', "_")))
}

/// The tab names a sheet may have, one per language.
pub fn tabs(key: &str) -> Vec<String> {
    Locale::all().map(|l| tab(key, l).to_string()).collect()
}

/// The workbook of a plan's sheets, with `notes` (place, what to settle) on a last sheet.
pub fn xlsx(sheets: &[SheetOut], notes: &[(String, String)], l: Locale) -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_text_wrap().set_background_color(Color::RGB(0xE8F0E8));
    let key = Format::new().set_font_color(Color::Gray).set_font_size(9);
    let text = Format::new().set_num_format("@").set_text_wrap();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(tab(s.sheet.key, l))?;
        for (c, (k, kind)) in s.sheet.columns.iter().enumerate() {
            let c = c as u16;
            ws.write_string_with_format(0, c, label(k, l), &head)?;
            ws.write_string_with_format(1, c, *k, &key)?;
            let wide = matches!(*k, "text" | "title" | "name" | "name_printed" | "printed" | "note" | "note_en" | "value" | "about" | "responsibility_printed");
            ws.set_column_width(c, if wide { 36 } else { 16 })?;
            match kind {
                Kind::Text | Kind::List => ws.set_column_format(c, &text)?,
                Kind::Date => ws.set_column_format(c, &day)?,
                Kind::Int | Kind::Bool => ws,
            };
        }
        ws.set_freeze_panes(2, 0)?;
        for (r, row) in s.rows.iter().enumerate() {
            let r = r as u32 + 2;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(v) => {
                        ws.write_string_with_format(r, c, v, &text)?;
                    }
                    Cell::Int(n) => {
                        ws.write_number(r, c, *n as f64)?;
                    }
                    Cell::Date(d) => {
                        ws.write_string_with_format(r, c, d.to_string(), &text)?;
                    }
                    Cell::Bool(b) => {
                        ws.write_boolean(r, c, *b)?;
                    }
                }
            }
            // the plan's fields: what each is, beside it
            if s.sheet.path == Path::Fields
                && let Some(Cell::Text(f)) = row.first()
            {
                ws.write_string(r, 2, label(f, l))?;
            }
        }
    }
    if !notes.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name(tab("notes", l))?;
        ws.write_string_with_format(0, 0, label("place", l), &head)?;
        ws.write_string_with_format(0, 1, label("note", l), &head)?;
        ws.set_column_width(0, 20)?;
        ws.set_column_width(1, 100)?;
        for (r, (place, note)) in notes.iter().enumerate() {
            ws.write_string(r as u32 + 1, 0, place)?;
            ws.write_string(r as u32 + 1, 1, note)?;
        }
    }
    // every tab of the layout is there, even empty, so that a row can be added to any
    let written: Vec<&str> = sheets.iter().map(|s| s.sheet.key).collect();
    debug_assert!(SHEETS.iter().all(|s| written.contains(&s.key)), "every sheet laid out");
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecociv_core::plan_book::{from_sheets, to_sheets};
    use ecociv_core::plan_data::hohhot;

    /// What a person would not see in the sheets is refused with its place; text keeps its spaces.
    #[test]
    fn what_the_sheets_do_not_show_is_refused() {
        let book = |edit: &dyn Fn(&mut Workbook)| {
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            ws.write_string(0, 0, "  前后空格  ").unwrap();
            edit(&mut wb);
            wb.save_to_buffer().unwrap()
        };
        let read = crate::import::sheets(&book(&|_| {})).unwrap();
        assert_eq!(read[0].1[0].1[0], "  前后空格  ", "text as typed");
        let code = |b: Vec<u8>| crate::import::sheets(&b).map(|_| ()).unwrap_err().remove(0);
        let p = code(book(&|wb| {
            let ws = wb.add_worksheet();
            ws.write_string(0, 0, "x").unwrap();
            ws.set_hidden(true);
        }));
        assert_eq!((p.code.as_str(), p.sheet.as_str()), ("hidden_sheet", "Sheet2"));
        let p = code(book(&|wb| {
            wb.worksheet_from_index(0).unwrap().write_formula(4, 2, "=1+1").unwrap();
        }));
        assert_eq!((p.code.as_str(), p.row, p.col), ("formula", Some(5), Some(2)));
        let p = code(book(&|wb| {
            wb.worksheet_from_index(0).unwrap().merge_range(2, 1, 4, 1, "合并", &Format::new()).unwrap();
        }));
        assert_eq!((p.code.as_str(), p.row, p.col), ("merged_cells", Some(3), Some(1)));
        let p = code(book(&|wb| {
            let ws = wb.worksheet_from_index(0).unwrap();
            ws.write_string(6, 0, "藏起来的行").unwrap();
            ws.set_row_hidden(6).unwrap();
        }));
        assert_eq!((p.code.as_str(), p.row), ("hidden_row", Some(7)));
        let p = code(book(&|wb| {
            let ws = wb.worksheet_from_index(0).unwrap();
            ws.write_string(8, 0, "没有高度的行").unwrap();
            ws.set_row_height(8, 0).unwrap();
        }));
        assert_eq!((p.code.as_str(), p.row), ("hidden_row", Some(9)), "a row of no height is hidden too");
        let p = code(book(&|wb| {
            let ws = wb.worksheet_from_index(0).unwrap();
            ws.write_string(3, 4, "藏起来的列").unwrap();
            ws.set_column_hidden(4).unwrap();
        }));
        assert_eq!((p.code.as_str(), p.row, p.col), ("hidden_column", Some(4), Some(4)));
        // two cells far apart would lay out millions of empty ones: refused before
        let p = code(book(&|wb| {
            wb.worksheet_from_index(0).unwrap().write_string(199_999, 255, "远处").unwrap();
        }));
        assert_eq!(p.code, "too_large");
        // a sheet named with character references in the workbook's XML is found all the same
        let hidden = book(&|wb| {
            let ws = wb.worksheet_from_index(0).unwrap();
            ws.write_string(6, 0, "藏起来的行").unwrap();
            ws.set_row_hidden(6).unwrap();
        });
        let p = code(rewrite(&hidden, &|name, xml| if name == "xl/workbook.xml" { xml.replace("name=\"Sheet1\"", "name=\"&#83;heet1\"") } else { xml }));
        assert_eq!((p.code.as_str(), p.row), ("hidden_row", Some(7)));
        // a formula in a cell written without its reference is refused all the same; a list's
        // source in a data validation (`xm:f`) is no formula of a cell
        let plain = book(&|_| {});
        let cell_xml = "<c r=\"A1\" t=\"s\"><v>0</v></c>";
        let p = code(rewrite(&plain, &|name, xml| {
            if name == "xl/worksheets/sheet1.xml" { xml.replace(cell_xml, &format!("{cell_xml}<c><f>SUM(90,5)</f><v>95</v></c>")) } else { xml }
        }));
        assert_eq!(p.code, "formula");
        let ext = "<extLst><ext uri=\"{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}\" xmlns:x14=\"http://schemas.microsoft.com/office/spreadsheetml/2009/9/main\"><x14:dataValidations xmlns:xm=\"http://schemas.microsoft.com/office/excel/2006/main\" count=\"1\"><x14:dataValidation type=\"list\"><x14:formula1><xm:f>说明!$A$2:$A$5</xm:f></x14:formula1><xm:sqref>B2</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>";
        let listed = rewrite(&plain, &|name, xml| if name == "xl/worksheets/sheet1.xml" { xml.replace("</worksheet>", ext) } else { xml });
        assert!(crate::import::sheets(&listed).is_ok(), "a data validation's list is not a formula");
        // the sheets moved where the workbook's part does not point: the pass cannot check them
        let moved = rewrite(&plain, &|_, xml| xml.replace("xl/", "x2/").replace("\"worksheets/", "\"../x2/worksheets/"));
        let moved = rename(&moved, "xl/", "x2/");
        assert!(crate::import::sheets(&moved).is_err() && crate::import::read(&moved).is_err(), "refused, never laid out unchecked");
    }

    /// A workbook with each text part passed through `edit` (name, text).
    fn rewrite(bytes: &[u8], edit: &dyn Fn(&str, String) -> String) -> Vec<u8> {
        repack(bytes, edit, &|name| name.to_string())
    }

    /// A workbook with its parts under `from` moved under `to`.
    fn rename(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
        repack(bytes, &|_, text| text, &|name| name.strip_prefix(from).map_or(name.to_string(), |rest| format!("{to}{rest}")))
    }

    /// A workbook's parts, each text passed through `edit` and each name through `name_of`.
    fn repack(bytes: &[u8], edit: &dyn Fn(&str, String) -> String, name_of: &dyn Fn(&str) -> String) -> Vec<u8> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut data).unwrap();
            if let Ok(text) = String::from_utf8(data.clone()) {
                data = edit(&name, text).into_bytes();
            }
            out.start_file(name_of(&name), zip::write::SimpleFileOptions::default()).unwrap();
            std::io::Write::write_all(&mut out, &data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn the_workbook_reads_back_as_the_files() {
        let s = hohhot();
        let files = [s.plan, s.indicators, s.tasks, s.projects].into_iter().map(|(n, t)| (n.rsplit('/').next().unwrap().to_string(), t)).collect();
        let sheets = to_sheets(&files).unwrap();
        for l in Locale::all() {
            let bytes = xlsx(&sheets, &[("plan".into(), "填写文号".into())], l).unwrap();
            let read = crate::import::sheets(&bytes).unwrap();
            assert_eq!(read.len(), SHEETS.len() + 1, "a tab per sheet and the notes");
            let book = from_sheets(&read, tabs).unwrap();
            // as the layout's own round trip: the same rows again (an empty list reads back
            // written out as one, an empty cell either way)
            let again = to_sheets(&book.files).unwrap();
            let cells = |rows: &[Vec<Cell>]| -> Vec<Vec<Cell>> {
                rows.iter().map(|r| r.iter().map(|c| if *c == Cell::Text(String::new()) { Cell::Empty } else { c.clone() }).collect()).collect()
            };
            for (a, b) in sheets.iter().zip(&again) {
                assert_eq!(cells(&a.rows), cells(&b.rows), "sheet {}", a.sheet.key);
            }
        }
    }
}
