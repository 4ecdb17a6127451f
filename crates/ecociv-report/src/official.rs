//! Official documents (公文) as ecociv writes them: an [`OfficialDoc`] is a list of blocks
//! (red header, title, headings, paragraphs, placeholders, tables) written to Word (`.docx`,
//! WordprocessingML written directly, here) or to PDF ([`crate::pdf`]), laid out after GB/T 9704 (党政机关公文格式): A4 with 37 mm top, 35 mm bottom, 28 mm left and 26 mm
//! right margins; the title in 小标宋 二号; the body in 仿宋 三号 with a first-line indent of two
//! characters and a fixed line pitch, about 22 lines of 28 characters a page; first-level
//! headings in 黑体, second-level in 楷体; page numbers in 宋体 四号 as “— 1 —”, right on odd
//! pages and left on even ones; an optional red header (版头: the issuing office in red, the
//! document number, a red rule) whose lines are configurable (Hohhot prints Chinese and
//! Mongolian). Fonts are named, not embedded: Chinese office desktops have them; Word, WPS and
//! LibreOffice substitute where they do not.
//!
//! Text that a person must write and nobody has yet stands as a highlighted placeholder.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

use crate::ReportError;
use crate::xml::esc;

/// The fonts of GB/T 9704, as Chinese desktops name them.
pub mod fonts {
    pub const TITLE: &str = "方正小标宋简体";
    pub const BODY: &str = "仿宋_GB2312";
    pub const HEADING1: &str = "黑体";
    pub const HEADING2: &str = "楷体_GB2312";
    pub const PAGE_NUMBER: &str = "宋体";
    pub const LATIN: &str = "Times New Roman";
}

/// Half-points of the Chinese font sizes.
const ERHAO: u32 = 44; // 二号, 22 pt
const SANHAO: u32 = 32; // 三号, 16 pt
const SIHAO: u32 = 28; // 四号, 14 pt
const WUHAO: u32 = 21; // 五号, 10.5 pt
/// The width of the text block in twentieths of a point (210 mm − 28 − 26).
pub const TEXT_WIDTH: u32 = 8845;

/// Points in a millimetre.
const PT_PER_MM: f64 = 72.0 / 25.4;
/// The space above the issuing office's mark: its top edge 35 mm below the top of the text
/// block (GB/T 9704-2012, 7.2.2), in twentieths of a point.
pub const HEADER_TOP_TWIPS: u32 = 1984;
/// The body's line pitch (三号 on 22 lines a page), in twentieths of a point.
const LINE_TWIPS: u32 = 579;

/// How a line of the issuing office's mark is set: its size in half-points and the width of
/// its characters in percent of their height. The standard leaves the size to the office, no
/// larger than 22 × 15 mm a character (GB/T 9704-1999, kept in practice): a short name stands in
/// square characters 15 mm high (about 初号); a longer one keeps the line on the text width by
/// narrowing its characters down to half their height, and only then by making them smaller —
/// never below 二号, where the line may wrap.
pub fn header_size(line: &str) -> (u32, u32) {
    let chars = line.chars().map(|c| if c.is_ascii() { 0.5 } else { 1.0 }).sum::<f64>().max(1.0);
    let width_mm = f64::from(TEXT_WIDTH) / 20.0 / PT_PER_MM * 0.98;
    let w = (width_mm / chars).min(15.0);
    let h = (2.0 * w).clamp(22.0 / PT_PER_MM, 15.0);
    let half_points = (h * PT_PER_MM * 2.0).floor() as u32;
    let percent = ((w / h * 100.0).floor() as u32).clamp(50, 100);
    (half_points, percent)
}

/// The number of a heading: 一、 at level 1, （一） at level 2, or 1. and (1) in Latin text.
fn heading_number(level: u8, n: u32, latin: bool) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let chinese = match n {
        0..=9 => DIGITS[n as usize].to_string(),
        10 => "十".into(),
        11..=19 => format!("十{}", DIGITS[(n % 10) as usize]),
        _ => format!("{}十{}", DIGITS[((n / 10) % 10) as usize], DIGITS[(n % 10) as usize]),
    };
    match (level <= 1, latin) {
        (true, false) => format!("{chinese}、"),
        (false, false) => format!("（{chinese}）"),
        (true, true) => format!("{n}. "),
        (false, true) => format!("({n}) "),
    }
}

/// The red header of an official document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RedHeader {
    /// The issuing office's mark, one line each (Chinese, Mongolian, …).
    pub lines: Vec<String>,
    /// 发文字号, e.g. 呼生态创发〔2023〕1号.
    pub number: String,
}

fn run(text: &str, font: &str, size: u32, extra: &str) -> String {
    format!(
        "<w:r><w:rPr><w:rFonts w:ascii=\"{latin}\" w:hAnsi=\"{latin}\" w:eastAsia=\"{font}\" w:cs=\"{latin}\"/>{extra}<w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
        esc(text),
        latin = fonts::LATIN,
    )
}

/// One block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    RedHeader(RedHeader),
    Title(String),
    /// Level 1 (黑体) or 2 (楷体).
    Heading(u8, String),
    Para(String),
    /// Text a person must still write.
    Placeholder(String),
    /// A right-aligned line (the signing office, the date).
    Right(String),
    Caption(String),
    /// Header, rows, and the column widths in twentieths of a point.
    Table(Vec<String>, Vec<Vec<String>>, Vec<u32>),
    /// A chart drawn by ecociv ([`crate::chart`]) as SVG, across the text width.
    Chart(String),
    /// A small line at the end: the data the document was made from (the head of the zone's
    /// audit trail), so that a printed copy later proves what the data was.
    Provenance(String),
}

/// A document: its title (the file's metadata) and its blocks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfficialDoc {
    pub title: String,
    pub blocks: Vec<Block>,
    /// Headings numbered 1. and (1) instead of 一、 and （一）.
    latin: bool,
    /// The last number given at each level.
    numbers: [u32; 2],
    /// The last table and figure numbers given.
    tables: u32,
    figures: u32,
}

impl OfficialDoc {
    /// A document in a language: its headings numbered in its way.
    pub fn new(title: &str, l: ecociv_core::Locale) -> OfficialDoc {
        OfficialDoc { title: title.into(), latin: l != ecociv_core::Locale::Zh, ..Default::default() }
    }
    pub fn red_header(&mut self, h: &RedHeader) {
        if !h.lines.iter().all(|l| l.trim().is_empty()) || !h.number.trim().is_empty() {
            self.blocks.push(Block::RedHeader(h.clone()));
        }
    }
    pub fn title(&mut self, text: &str) {
        self.blocks.push(Block::Title(text.into()));
    }
    /// A heading, numbered in order (一、二、… and within each （一）（二）…), so that the
    /// numbers never skip whatever a document leaves out.
    pub fn heading(&mut self, level: u8, text: &str) {
        let k = usize::from(level.clamp(1, 2) - 1);
        self.numbers[k] += 1;
        if k == 0 {
            self.numbers[1] = 0;
        }
        let number = heading_number(level, self.numbers[k], self.latin);
        self.blocks.push(Block::Heading(level, format!("{number}{text}")));
    }
    pub fn para(&mut self, text: &str) {
        self.blocks.push(Block::Para(text.into()));
    }
    pub fn placeholder(&mut self, text: &str) {
        self.blocks.push(Block::Placeholder(text.into()));
    }
    pub fn right(&mut self, text: &str) {
        self.blocks.push(Block::Right(text.into()));
    }
    /// A table's caption, numbered in order (表1, 表2, …: no number skipped when a table is
    /// left out); it stays with its table.
    pub fn caption(&mut self, text: &str) {
        self.tables += 1;
        let word = if self.latin { "Table" } else { "表" };
        self.blocks.push(Block::Caption(format!("{word}{}{}  {text}", if self.latin { " " } else { "" }, self.tables)));
    }
    /// A figure's caption, numbered in order (图1, 图2, …).
    pub fn figure_caption(&mut self, text: &str) {
        self.figures += 1;
        let word = if self.latin { "Figure" } else { "图" };
        self.blocks.push(Block::Caption(format!("{word}{}{}  {text}", if self.latin { " " } else { "" }, self.figures)));
    }
    /// A table; `widths` sum to [`TEXT_WIDTH`].
    pub fn table(&mut self, header: &[String], rows: &[Vec<String>], widths: &[u32]) {
        self.blocks.push(Block::Table(header.to_vec(), rows.to_vec(), widths.to_vec()));
    }
    pub fn chart(&mut self, svg: String) {
        self.blocks.push(Block::Chart(svg));
    }
    pub fn provenance(&mut self, text: &str) {
        self.blocks.push(Block::Provenance(text.into()));
    }
    /// A notice above everything (as a paragraph people must replace is marked).
    pub fn notice_first(&mut self, text: &str) {
        self.blocks.insert(0, Block::Placeholder(text.into()));
    }

    /// The document as a `.docx`.
    pub fn docx(&self) -> Result<Vec<u8>, ReportError> {
        let mut w = DocxWriter::default();
        for b in &self.blocks {
            match b {
                Block::RedHeader(h) => w.red_header(h),
                Block::Title(t) => w.title(t),
                Block::Heading(level, t) => w.heading(*level, t),
                Block::Para(t) => w.para(t),
                Block::Placeholder(t) => w.placeholder(t),
                Block::Right(t) => w.right(t),
                Block::Caption(t) => w.caption(t),
                Block::Table(h, rows, widths) => w.table(h, rows, widths),
                Block::Chart(svg) => w.chart(svg)?,
                Block::Provenance(t) => w.provenance(t),
            }
        }
        w.finish(&self.title)
    }
}

/// WordprocessingML of the body, block by block, and the images it holds.
#[derive(Debug, Default)]
struct DocxWriter {
    body: String,
    /// (file name under word/media, content)
    media: Vec<(String, Vec<u8>)>,
}

impl DocxWriter {
    /// The red header after GB/T 9704: the office's lines in red 小标宋 sized by their length
    /// ([`header_size`]), their top 35 mm below the top of the text block; the number two
    /// lines below, centred; a red rule across the text width 4 mm under the number.
    fn red_header(&mut self, h: &RedHeader) {
        let lines: Vec<&String> = h.lines.iter().filter(|l| !l.trim().is_empty()).collect();
        for (i, line) in lines.iter().enumerate() {
            let (size, percent) = header_size(line);
            let before = if i == 0 { HEADER_TOP_TWIPS } else { 0 };
            self.body.push_str(&format!(
                "<w:p><w:pPr><w:keepNext/><w:jc w:val=\"center\"/><w:spacing w:before=\"{before}\" w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/></w:pPr>{}</w:p>",
                run(line, fonts::TITLE, size, &format!("<w:color w:val=\"FF0000\"/><w:w w:val=\"{percent}\"/>"))
            ));
        }
        let before = if lines.is_empty() { HEADER_TOP_TWIPS } else { 2 * LINE_TWIPS };
        // the number's paragraph carries the rule as its bottom border, 4 mm (113 twips) below
        self.body.push_str(&format!(
            "<w:p><w:pPr><w:jc w:val=\"center\"/><w:pBdr><w:bottom w:val=\"single\" w:sz=\"12\" w:space=\"11\" w:color=\"FF0000\"/></w:pBdr><w:spacing w:before=\"{before}\" w:after=\"{}\" w:line=\"{LINE_TWIPS}\" w:lineRule=\"exact\"/></w:pPr>{}</w:p>",
            2 * LINE_TWIPS,
            run(&h.number, fonts::BODY, SANHAO, "")
        ));
    }

    /// The title: 小标宋 二号, centered.
    fn title(&mut self, text: &str) {
        self.body.push_str(&format!(
            "<w:p><w:pPr><w:pStyle w:val=\"Title\"/><w:jc w:val=\"center\"/><w:spacing w:before=\"240\" w:after=\"480\" w:line=\"560\" w:lineRule=\"exact\"/></w:pPr>{}</w:p>",
            run(text, fonts::TITLE, ERHAO, "")
        ));
    }

    /// A heading: level 1 in 黑体 (一、), level 2 in 楷体 (（一）).
    fn heading(&mut self, level: u8, text: &str) {
        let (style, font) = if level <= 1 { ("Heading1", fonts::HEADING1) } else { ("Heading2", fonts::HEADING2) };
        self.body.push_str(&format!(
            "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/><w:keepNext/><w:ind w:firstLine=\"640\"/><w:spacing w:before=\"0\" w:after=\"0\" w:line=\"579\" w:lineRule=\"exact\"/></w:pPr>{}</w:p>",
            run(text, font, SANHAO, "")
        ));
    }

    /// A body paragraph: 仿宋 三号, indented two characters.
    fn para(&mut self, text: &str) {
        self.body.push_str(&format!(
            "<w:p><w:pPr><w:ind w:firstLine=\"640\"/><w:jc w:val=\"both\"/><w:spacing w:after=\"0\" w:line=\"579\" w:lineRule=\"exact\"/></w:pPr>{}</w:p>",
            run(text, fonts::BODY, SANHAO, "")
        ));
    }

    /// Text a person must still write: highlighted, in brackets.
    fn placeholder(&mut self, text: &str) {
        self.body.push_str(&format!(
            "<w:p><w:pPr><w:ind w:firstLine=\"640\"/><w:spacing w:after=\"0\" w:line=\"579\" w:lineRule=\"exact\"/></w:pPr>{}</w:p>",
            run(&format!("【{text}】"), fonts::BODY, SANHAO, "<w:highlight w:val=\"yellow\"/>")
        ));
    }

    /// A right-aligned line (the issuing office and date at the end).
    fn right(&mut self, text: &str) {
        self.body.push_str(&format!(
            "<w:p><w:pPr><w:jc w:val=\"right\"/><w:ind w:right=\"1280\"/><w:spacing w:after=\"0\" w:line=\"579\" w:lineRule=\"exact\"/></w:pPr>{}</w:p>",
            run(text, fonts::BODY, SANHAO, "")
        ));
    }

    /// The provenance line: small (小五), after some space.
    fn provenance(&mut self, text: &str) {
        self.body.push_str(&format!("<w:p><w:pPr><w:spacing w:before=\"480\" w:after=\"0\"/></w:pPr>{}</w:p>", run(text, fonts::BODY, 18, "")));
    }

    /// A table caption: 黑体 四号, centered.
    fn caption(&mut self, text: &str) {
        self.body.push_str(&format!(
            "<w:p><w:pPr><w:keepNext/><w:jc w:val=\"center\"/><w:spacing w:before=\"240\" w:after=\"120\"/></w:pPr>{}</w:p>",
            run(text, fonts::HEADING1, SIHAO, "")
        ));
    }

    /// A table: the header row repeated on each page, in 黑体; cells in 仿宋 五号 (small, so
    /// that wide tables fit); `widths` in twentieths of a point, summing to [`TEXT_WIDTH`].
    fn table(&mut self, header: &[String], rows: &[Vec<String>], widths: &[u32]) {
        let cell = |text: &str, w: u32, head: bool| {
            let font = if head { fonts::HEADING1 } else { fonts::BODY };
            let shade = if head { "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"E7E6E6\"/>" } else { "" };
            let paras: String = text
                .split('\n')
                .map(|line| {
                    format!(
                        "<w:p><w:pPr><w:spacing w:after=\"0\" w:line=\"260\" w:lineRule=\"auto\"/><w:jc w:val=\"{}\"/></w:pPr>{}</w:p>",
                        if head { "center" } else { "left" },
                        run(line, font, WUHAO, "")
                    )
                })
                .collect();
            format!("<w:tc><w:tcPr><w:tcW w:w=\"{w}\" w:type=\"dxa\"/>{shade}<w:vAlign w:val=\"center\"/></w:tcPr>{paras}</w:tc>")
        };
        let border = "w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"";
        let mut t = format!(
            "<w:tbl><w:tblPr><w:tblW w:w=\"{TEXT_WIDTH}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblBorders><w:top {border}/><w:left {border}/><w:bottom {border}/><w:right {border}/><w:insideH {border}/><w:insideV {border}/></w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:left w:w=\"60\" w:type=\"dxa\"/><w:right w:w=\"60\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr><w:tblGrid>{}</w:tblGrid>",
            widths.iter().map(|w| format!("<w:gridCol w:w=\"{w}\"/>")).collect::<String>()
        );
        t.push_str("<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>");
        for (h, w) in header.iter().zip(widths) {
            t.push_str(&cell(h, *w, true));
        }
        t.push_str("</w:tr>");
        for r in rows {
            t.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
            for (i, w) in widths.iter().enumerate() {
                t.push_str(&cell(r.get(i).map(String::as_str).unwrap_or(""), *w, false));
            }
            t.push_str("</w:tr>");
        }
        t.push_str("</w:tbl>");
        self.body.push_str(&t);
        // a table must be followed by a paragraph
        self.body.push_str("<w:p><w:pPr><w:spacing w:after=\"120\"/></w:pPr></w:p>");
    }

    /// A chart: its SVG, and a PNG drawn from it for the programs that cannot show SVG.
    fn chart(&mut self, svg: &str) -> Result<(), ReportError> {
        let n = self.media.len() / 2 + 1;
        self.media.push((format!("chart{n}.png"), crate::chart::png(svg, 2.0)?));
        self.media.push((format!("chart{n}.svg"), svg.as_bytes().to_vec()));
        // 1 mm = 36000 EMU; the chart spans the text width, its height in proportion
        let cx = i64::from(TEXT_WIDTH) * 635;
        let cy = (cx as f64 * crate::chart::HEIGHT / crate::chart::WIDTH) as i64;
        self.body.push_str(&format!(
            r#"<w:p><w:pPr><w:keepNext/><w:jc w:val="center"/><w:spacing w:before="120" w:after="120" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{n}" name="chart{n}"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="{n}" name="chart{n}.png"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="rIdPng{n}"><a:extLst><a:ext uri="{{96DAC541-7B7A-43D3-8B79-37D633B846F1}}"><asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" r:embed="rIdSvg{n}"/></a:ext></a:extLst></a:blip><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#
        ));
        Ok(())
    }

    /// The `.docx` file.
    fn finish(self, title: &str) -> Result<Vec<u8>, ReportError> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let image_rels: String = self
            .media
            .iter()
            .map(|(name, _)| {
                let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
                let id = format!("rId{}{}", if ext == "png" { "Png" } else { "Svg" }, stem.trim_start_matches("chart"));
                format!(r#"<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/{name}"/>"#)
            })
            .collect();
        let parts: [(&str, String); 10] = [
            ("[Content_Types].xml", CONTENT_TYPES.into()),
            ("_rels/.rels", ROOT_RELS.into()),
            ("docProps/core.xml", core_props(title)),
            ("docProps/app.xml", APP_PROPS.into()),
            ("word/_rels/document.xml.rels", DOCUMENT_RELS.replace("</Relationships>", &format!("{image_rels}</Relationships>"))),
            ("word/styles.xml", styles()),
            ("word/settings.xml", SETTINGS.into()),
            ("word/footer1.xml", footer("right")),
            ("word/footer2.xml", footer("left")),
            ("word/document.xml", document(&self.body)),
        ];
        for (name, xml) in parts {
            zip.start_file(name, opts)?;
            zip.write_all(xml.as_bytes())?;
        }
        for (name, bytes) in &self.media {
            zip.start_file(format!("word/media/{name}"), opts)?;
            zip.write_all(bytes)?;
        }
        Ok(zip.finish()?.into_inner())
    }
}

const NS: &str = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" \
     xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
     xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"";

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Default Extension="svg" ContentType="image/svg+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/></Relationships>"#;

const APP_PROPS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>ecociv</Application></Properties>"#;

/// Odd and even pages carry their own footers.
const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:evenAndOddHeaders/><w:defaultTabStop w:val="640"/><w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>"#;

fn core_props(title: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{}</dc:title><dc:creator>ecociv</dc:creator></cp:coreProperties>"#,
        esc(title)
    )
}

fn styles() -> String {
    let fonts = |east: &str| format!("<w:rFonts w:ascii=\"{l}\" w:hAnsi=\"{l}\" w:eastAsia=\"{east}\" w:cs=\"{l}\"/>", l = fonts::LATIN);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {NS}><w:docDefaults><w:rPrDefault><w:rPr>{body}<w:sz w:val="{SANHAO}"/><w:szCs w:val="{SANHAO}"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="579" w:lineRule="exact"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:rPr>{title}<w:sz w:val="{ERHAO}"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr><w:rPr>{h1}</w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:rPr>{h2}</w:rPr></w:style><w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/></w:style></w:styles>"#,
        body = fonts(fonts::BODY),
        title = fonts(fonts::TITLE),
        h1 = fonts(fonts::HEADING1),
        h2 = fonts(fonts::HEADING2),
    )
}

/// A footer with the page number as “— 1 —”, aligned `side`.
fn footer(side: &str) -> String {
    let dash = run("— ", fonts::PAGE_NUMBER, SIHAO, "");
    let field = |instr: &str| {
        format!(
            "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> {instr} </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>{}<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>",
            run("1", fonts::PAGE_NUMBER, SIHAO, "")
        )
    };
    let indent = if side == "right" { "<w:ind w:right=\"280\"/>" } else { "<w:ind w:left=\"280\"/>" };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr {NS}><w:p><w:pPr><w:pStyle w:val="Footer"/><w:jc w:val="{side}"/>{indent}</w:pPr>{dash}{}{}</w:p></w:ftr>"#,
        field("PAGE"),
        run(" —", fonts::PAGE_NUMBER, SIHAO, "")
    )
}

/// The document with its one section: A4, the margins of GB/T 9704, a fixed line pitch.
fn document(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {NS}><w:body>{body}<w:sectPr><w:footerReference w:type="default" r:id="rId3"/><w:footerReference w:type="even" r:id="rId4"/><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587" w:header="851" w:footer="1304" w:gutter="0"/><w:docGrid w:type="lines" w:linePitch="579"/></w:sectPr></w:body></w:document>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_office_mark_is_sized_by_its_length_and_stays_on_one_line() {
        let fits = |line: &str| {
            let (size, percent) = header_size(line);
            let ems: f64 = line.chars().map(|c| if c.is_ascii() { 0.5 } else { 1.0 }).sum();
            f64::from(size) / 2.0 * f64::from(percent) / 100.0 * ems <= f64::from(TEXT_WIDTH) / 20.0
        };
        // a short name: square characters 15 mm high, no larger than the standard's 22 × 15 mm
        let (size, percent) = header_size("呼和浩特市生态环境局");
        assert_eq!((size, percent), (85, 100), "42.5 pt, about 初号");
        // a long one keeps its height as long as narrowing to half does
        let long = "呼和浩特市国家生态文明建设示范市巩固提升工作领导小组办公室";
        let (size, percent) = header_size(long);
        assert!(size > 44 && (50..100).contains(&percent) && fits(long), "{size} {percent}");
        assert!(fits("呼和浩特市生态文明建设示范区创建工作领导小组办公室") && fits("Hohhot Eco-Civilization Office"));
        // never below 二号
        assert_eq!(header_size(&"办".repeat(60)).0, 44);
    }

    #[test]
    fn headings_are_numbered_in_order_and_never_skip() {
        let mut d = OfficialDoc::new("t", ecociv_core::Locale::Zh);
        d.heading(1, "报送情况");
        d.heading(2, "报送较差的单位");
        d.heading(1, "进度滞后的项目");
        d.heading(2, "甲");
        d.heading(2, "乙");
        for _ in 0..9 {
            d.heading(1, "x");
        }
        let heads: Vec<String> = d.blocks.iter().filter_map(|b| if let Block::Heading(_, t) = b { Some(t.clone()) } else { None }).collect();
        assert_eq!(heads[..5], ["一、报送情况", "（一）报送较差的单位", "二、进度滞后的项目", "（一）甲", "（二）乙"]);
        assert_eq!(heads.last().unwrap(), "十一、x");
        let mut e = OfficialDoc::new("t", ecociv_core::Locale::En);
        e.heading(1, "Reporting");
        e.heading(2, "Weakest");
        assert!(matches!(&e.blocks[..], [Block::Heading(1, a), Block::Heading(2, b)] if a == "1. Reporting" && b == "(1) Weakest"));
    }

    #[test]
    fn a_document_is_a_zip_of_well_formed_parts_with_the_official_fonts() {
        let mut d = OfficialDoc::new("测试", ecociv_core::Locale::Zh);
        d.red_header(&RedHeader {
            lines: vec!["呼和浩特市生态文明建设示范区创建工作领导小组办公室".into()], number: "呼生态创发〔2024〕1号".into()
        });
        d.title("关于 <A&B> 的报告");
        d.heading(1, "总体情况");
        d.para("正文。");
        d.placeholder("待填写：年度总体评价");
        d.table(&["序号".into(), "名称".into()], &[vec!["1".into(), "a\nb".into()]], &[1000, TEXT_WIDTH - 1000]);
        let bytes = d.docx().unwrap();
        let mut z = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        let mut doc = String::new();
        z.by_name("word/document.xml").unwrap().read_to_string(&mut doc).unwrap();
        assert!(doc.contains("关于 &lt;A&amp;B&gt; 的报告"));
        assert!(doc.contains("w:eastAsia=\"方正小标宋简体\"") && doc.contains("w:eastAsia=\"仿宋_GB2312\"") && doc.contains("w:eastAsia=\"黑体\""));
        assert!(doc.contains("w:color w:val=\"FF0000\""), "the red header");
        assert!(doc.contains("<w:pgMar w:top=\"2098\" w:right=\"1474\" w:bottom=\"1984\" w:left=\"1587\""), "GB/T 9704 margins");
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let mut xml = String::new();
            f.read_to_string(&mut xml).unwrap();
            let mut r = quick_xml::Reader::from_str(&xml);
            loop {
                match r.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("{:?}: {e}", f.name()),
                }
            }
        }
    }
}
