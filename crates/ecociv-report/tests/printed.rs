//! Official documents as they print, the PDF ecociv writes against the Word file as
//! LibreOffice prints it: the first page of each, rendered by pdftoppm, shows the issuing
//! office's mark in red and the red rule under the document number at the same places (GB/T
//! 9704: the mark's top 35 mm into the text block, the rule as wide as the text block, 4 mm
//! under the number); and a table's caption is never left alone at the foot of a page. Without
//! LibreOffice or poppler the tests are skipped, except under `CI=true`, where they fail (the
//! test script installs both).

use std::path::Path;
use std::process::Command;

use ecociv_core::Locale;
use ecociv_report::official::{OfficialDoc, RedHeader};

/// Dots per inch of the renderings.
const DPI: f64 = 60.0;

fn mm(px: usize) -> f64 {
    px as f64 / DPI * 25.4
}

/// A rendered page: width, height and RGB pixels.
struct Page {
    w: usize,
    h: usize,
    rgb: Vec<u8>,
}

impl Page {
    /// Reads a binary PPM (P6, 8 bits), as pdftoppm writes it.
    fn ppm(bytes: &[u8]) -> Page {
        let mut fields = Vec::new();
        let mut i = 0;
        while fields.len() < 4 {
            while bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let start = i;
            while !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            fields.push(String::from_utf8_lossy(&bytes[start..i]).to_string());
        }
        assert_eq!((fields[0].as_str(), fields[3].as_str()), ("P6", "255"));
        let (w, h) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        Page { w, h, rgb: bytes[i + 1..].to_vec() }
    }

    fn red(&self, x: usize, y: usize) -> bool {
        let p = &self.rgb[(y * self.w + x) * 3..][..3];
        p[0] > 170 && p[1] < 110 && p[2] < 110
    }

    /// The red rule: the first row (from the top) red across most of the text block, with
    /// its left and right ends.
    fn rule(&self) -> Option<(usize, usize, usize)> {
        (0..self.h).find_map(|y| {
            let xs: Vec<usize> = (0..self.w).filter(|x| self.red(*x, y)).collect();
            let (first, last) = (*xs.first()?, *xs.last()?);
            (xs.len() as f64 > 0.9 * (last - first + 1) as f64 && mm(last - first) > 140.0).then_some((y, first, last))
        })
    }

    /// The box of the red marks above a row: top, bottom, left, right.
    fn mark_above(&self, row: usize) -> Option<(usize, usize, usize, usize)> {
        let mut b: Option<(usize, usize, usize, usize)> = None;
        // stop a little above the rule, whose antialiased edge is red too
        for y in 0..row.saturating_sub(3) {
            for x in 0..self.w {
                if self.red(x, y) {
                    b = Some(match b {
                        None => (y, y, x, x),
                        Some((t, bo, l, r)) => (t.min(y), bo.max(y), l.min(x), r.max(x)),
                    });
                }
            }
        }
        b
    }
}

fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("--version").output().is_ok() || Command::new(name).arg("-v").output().is_ok();
    if !found {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true and {name} is missing (the test script installs it)");
        eprintln!("SKIPPED: {name} is not installed");
    }
    found
}

fn first_page(pdf: &Path) -> Page {
    let stem = pdf.with_extension("");
    let out = Command::new("pdftoppm").args(["-r", &DPI.to_string(), "-f", "1", "-l", "1", "-singlefile"]).arg(pdf).arg(&stem).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Page::ppm(&std::fs::read(stem.with_extension("ppm")).unwrap())
}

/// Writes each document as `N.pdf` (ecociv's PDF) and as `N.docx` printed to `N-word.pdf` by
/// LibreOffice (one run for all), in a new folder named after `name`.
fn printed_both_ways(docs: &[OfficialDoc], name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ecociv-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("word")).unwrap();
    for (n, d) in docs.iter().enumerate() {
        std::fs::write(dir.join(format!("word/{n}.docx")), d.docx().unwrap()).unwrap();
        std::fs::write(dir.join(format!("{n}.pdf")), ecociv_report::pdf::pdf(d, None).unwrap()).unwrap();
    }
    // LibreOffice gets the font the PDF uses (the official fonts are not free, and a machine
    // without any Chinese font would print empty boxes): the shipped one, through fontconfig
    std::fs::create_dir_all(dir.join("fonts")).unwrap();
    std::fs::write(dir.join("fonts/wqy-microhei.ttc"), ecociv_report::fonts::SHIPPED_FONT).unwrap();
    let conf = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE fontconfig SYSTEM \"fonts.dtd\"><fontconfig><include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include><dir>{}</dir><cachedir>{}</cachedir></fontconfig>",
        dir.join("fonts").display(),
        dir.join("fontcache").display()
    );
    std::fs::write(dir.join("fonts.conf"), conf).unwrap();
    let out = Command::new("soffice")
        .env("FONTCONFIG_FILE", dir.join("fonts.conf"))
        .arg(format!("-env:UserInstallation=file://{}", dir.join("profile").display()))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.join("word"))
        .args((0..docs.len()).map(|n| dir.join(format!("word/{n}.docx"))))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

#[test]
fn the_pdf_and_the_word_file_print_the_red_header_alike() {
    if !tool("soffice") || !tool("pdftoppm") {
        return;
    }
    let mut d = OfficialDoc::new("红头比对", Locale::Zh);
    d.red_header(&RedHeader {
        lines: vec!["呼和浩特市国家生态文明建设示范市巩固提升工作领导小组办公室".into()], number: "呼生态创发〔2024〕3号".into()
    });
    d.title("关于2024年5月重点项目调度情况的通报");
    d.heading(1, "报送情况");
    d.para("正文第一段。");
    let dir = printed_both_ways(&[d], "red-header");
    let (ours, word) = (first_page(&dir.join("0.pdf")), first_page(&dir.join("word/0.pdf")));
    assert_eq!((ours.w, ours.h), (word.w, word.h), "both A4");
    let mut found = Vec::new();
    for (name, page) in [("PDF", &ours), ("Word", &word)] {
        let (y, left, right) = page.rule().unwrap_or_else(|| panic!("{name}: no red rule on the first page"));
        // the rule spans the text block: 28 mm from the left edge, 156 mm wide
        assert!((mm(left) - 28.0).abs() < 3.0 && (mm(right - left) - 156.0).abs() < 4.0, "{name}: rule from {} mm, {} mm long", mm(left), mm(right - left));
        let (top, bottom, l, r) = page.mark_above(y).unwrap_or_else(|| panic!("{name}: no red mark above the rule"));
        // the mark's top 35 mm into the text block (37 mm from the page's top), within a
        // font's leading
        assert!((mm(top) - 72.0).abs() < 6.0, "{name}: the mark's top at {} mm", mm(top));
        // centred on the text block, on one line as wide as most of it
        let centre = mm(l + r) / 2.0;
        assert!((centre - (28.0 + 78.0)).abs() < 4.0, "{name}: the mark centred at {centre} mm");
        assert!(mm(r - l) > 120.0 && mm(r - l) < 158.0, "{name}: the mark {} mm wide", mm(r - l));
        assert!(mm(bottom - top) > 6.0 && mm(bottom - top) < 16.0, "{name}: the mark {} mm high", mm(bottom - top));
        eprintln!("{name}: rule at {:.1} mm, mark {:.1}–{:.1} mm, {:.1}–{:.1} mm across", mm(y), mm(top), mm(bottom), mm(l), mm(r));
        found.push((mm(y), mm(top), mm(bottom), mm(bottom - top), mm(l), mm(r)));
    }
    let ((rule_a, top_a, bottom_a, h_a, l_a, r_a), (rule_b, top_b, bottom_b, h_b, l_b, r_b)) = (found[0], found[1]);
    // the same mark: as high and as wide, at the same place across
    assert!((h_a - h_b).abs() < 1.5 && (l_a - l_b).abs() < 2.0 && (r_a - r_b).abs() < 2.0, "the mark: {:?} in the PDF, {:?} in Word", found[0], found[1]);
    // the same layout under it: number and rule as far below the mark
    assert!(
        ((rule_a - bottom_a) - (rule_b - bottom_b)).abs() < 2.0,
        "the rule {} mm under the mark in the PDF, {} mm in Word",
        rule_a - bottom_a,
        rule_b - bottom_b
    );
    // and the same place down the page, within the font's own leading (LibreOffice sets a
    // line's glyphs below the top of its line box by the font's internal leading; typst from
    // the top of the glyphs)
    assert!((top_a - top_b).abs() < 6.0 && (rule_a - rule_b).abs() < 6.0, "the mark's top at {top_a} mm in the PDF, {top_b} mm in Word");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The text of each page of a PDF, as pdftotext reads it.
fn pages(pdf: &Path) -> Vec<String> {
    let out = Command::new("pdftotext").args(["-layout"]).arg(pdf).arg("-").output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().split('\u{c}').map(str::to_string).collect()
}

#[test]
fn a_caption_is_never_left_alone_at_the_foot_of_a_page() {
    if !tool("soffice") || !tool("pdftotext") {
        return;
    }
    // paragraphs enough to bring the caption down to the last lines of the first page, in
    // every position the page allows: one of them would leave it alone there
    let cases: Vec<(usize, usize)> = (14..24).flat_map(|f| (0..3).map(move |b| (f, b))).collect();
    let docs: Vec<OfficialDoc> = cases
        .iter()
        .map(|&(filler, blanks)| {
            let mut d = OfficialDoc::new("表题", Locale::Zh);
            d.title("关于表题位置的测试");
            for i in 0..filler {
                d.para(&format!("第{i}段：正文内容，用于占满版面。"));
            }
            // an empty paragraph is a smaller step down the page
            for _ in 0..blanks {
                d.para("");
            }
            d.caption("进度滞后的项目");
            let rows: Vec<Vec<String>> = (1..40).map(|i| vec![i.to_string(), format!("项目{i}")]).collect();
            d.table(&["序号".into(), "项目名称".into()], &rows, &[1000, ecociv_report::official::TEXT_WIDTH - 1000]);
            d
        })
        .collect();
    let dir = printed_both_ways(&docs, "caption");
    for (n, (filler, blanks)) in cases.iter().enumerate() {
        for (by, file) in [("PDF", format!("{n}.pdf")), ("Word", format!("word/{n}.pdf"))] {
            let pages = pages(&dir.join(file));
            let with_caption = pages.iter().position(|p| p.contains("进度滞后的项目")).unwrap_or_else(|| panic!("{by}: no caption"));
            let flat: String = pages[with_caption].split_whitespace().collect();
            assert!(
                flat.contains("项目名称") && flat.contains("项目1"),
                "{by}, {filler} paragraphs and {blanks} empty: the caption on page {} without its table",
                with_caption + 1
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
