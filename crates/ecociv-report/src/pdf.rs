//! Official documents as PDF: an [`OfficialDoc`] turned into typst markup ([`typst_source`])
//! and laid out by typst, with the same page as the Word file (A4, the margins of GB/T 9704,
//! page numbers “— 1 —” right on odd pages and left on even ones) and its CJK font embedded.
//! The official fonts are not free, so the PDF uses a free one: the font file configured
//! (`--pdf-font`), else WenQuanYi Micro Hei, shipped in the binary — a machine without any
//! Chinese font still writes a correct PDF.

use typst::foundations::Bytes;
use typst::text::Font;
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;

use crate::ReportError;
use crate::fonts::SHIPPED_FONT;
use crate::official::{Block, OfficialDoc};

/// The faces of the shipped font, read once.
static SHIPPED_FACES: std::sync::LazyLock<Vec<Font>> = std::sync::LazyLock::new(|| Font::iter(Bytes::new(SHIPPED_FONT)).collect());

/// A letter-for-letter stand-in for a character a font may lack: the Roman numerals
/// (Ⅴ U+2164 is missing from WenQuanYi Micro Hei, so “劣Ⅴ类” would print a gap).
fn stand_in(c: char) -> Option<&'static str> {
    const UPPER: [&str; 16] = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "L", "C", "D", "M"];
    const LOWER: [&str; 16] = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "l", "c", "d", "m"];
    match c as u32 {
        n @ 0x2160..=0x216F => Some(UPPER[(n - 0x2160) as usize]),
        n @ 0x2170..=0x217F => Some(LOWER[(n - 0x2170) as usize]),
        _ => None,
    }
}

/// A typst string literal; characters outside `covered` get their stand-in where there is one.
fn lit_in(s: &str, covered: &dyn Fn(char) -> bool) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        if let Some(x) = stand_in(c).filter(|_| !covered(c)) {
            o.push_str(x);
            continue;
        }
        match c {
            '\\' => o.push_str("\\\\"),
            '"' => o.push_str("\\\""),
            '\n' => o.push_str("\\n"),
            c if c.is_control() => {}
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// The typst markup of a document, set in the font families given; `covered` tells which
/// characters the fonts have.
pub fn typst_source(doc: &OfficialDoc, families: &[String], covered: &dyn Fn(char) -> bool) -> String {
    let lit = |s: &str| lit_in(s, covered);
    // cell text: one line each, kept as separate lines
    let lines = |s: &str| format!("[{}]", s.split('\n').map(|l| format!("#{}", lit(l))).collect::<Vec<_>>().join("#linebreak()"));
    let fonts = families.iter().map(|f| lit(f)).collect::<Vec<_>>().join(", ");
    let mut s = format!(
        r#"#set document(title: {title})
#set page(paper: "a4", margin: (top: 37mm, bottom: 35mm, left: 28mm, right: 26mm), footer: context {{
  let n = counter(page).get().first()
  let number = text(size: 14pt)[— #n —]
  if calc.odd(n) {{ align(right, pad(right: 1em, number)) }} else {{ align(left, pad(left: 1em, number)) }}
}})
#set text(font: ({fonts},), size: 16pt, lang: "zh", region: "cn")
#set par(leading: 0.81em, spacing: 0.81em, justify: true)
#let body(t) = par(first-line-indent: (amount: 2em, all: true), t)
"#,
        title = lit(&doc.title)
    );
    for b in &doc.blocks {
        let line = match b {
            Block::RedHeader(h) => {
                // as in the Word file: the mark's top 35 mm into the text block, the number two
                // lines below it, the red rule 4 mm under the number
                let mut x = format!("#v({}pt)\n", f64::from(crate::official::HEADER_TOP_TWIPS) / 20.0);
                let lines: Vec<&String> = h.lines.iter().filter(|l| !l.trim().is_empty()).collect();
                for l in &lines {
                    let (size, percent) = crate::official::header_size(l);
                    let size = f64::from(size) / 2.0;
                    x.push_str(&format!(
                        "#block(height: {h}pt, width: 100%, align(center + horizon, scale(x: {percent}%, reflow: true, text(fill: rgb(\"#ff0000\"), size: {size}pt, top-edge: \"ascender\", bottom-edge: \"descender\", {}))))\n",
                        lit(l),
                        h = size * 1.2
                    ));
                }
                if !lines.is_empty() {
                    x.push_str("#v(57.9pt)\n");
                }
                x.push_str(&format!("#align(center, {})\n#v(4mm)\n", lit(&h.number)));
                x.push_str("#line(length: 100%, stroke: 1.5pt + rgb(\"#ff0000\"))\n#v(57.9pt)");
                x
            }
            Block::Title(t) => format!("#align(center, block(above: 1em, below: 1.5em, text(size: 22pt, {})))", lit(t)),
            Block::Heading(1, t) => format!("#block(sticky: true, body(text(weight: \"bold\", {})))", lit(t)),
            Block::Heading(_, t) => format!("#block(sticky: true, body(emph({})))", lit(t)),
            Block::Para(t) if t.is_empty() => "#v(1em)".into(),
            Block::Para(t) => format!("#body({})", lit(t)),
            Block::Placeholder(t) => format!("#body(highlight(fill: rgb(\"#ffff00\"), {}))", lit(&format!("【{t}】"))),
            Block::Right(t) => format!("#align(right, pad(right: 4em, {}))", lit(t)),
            // a caption sticks to its table: never alone at the foot of a page
            Block::Caption(t) => {
                format!("#block(sticky: true, above: 1em, below: 0.5em, width: 100%, align(center, text(size: 14pt, weight: \"bold\", {})))", lit(t))
            }
            Block::Table(header, rows, widths) => {
                let columns = widths.iter().map(|w| format!("{}pt", f64::from(*w) / 20.0)).collect::<Vec<_>>().join(", ");
                let head =
                    header.iter().map(|h| format!("table.cell(fill: rgb(\"#e7e6e6\"), align(center, strong({})))", lines(h))).collect::<Vec<_>>().join(", ");
                let cells =
                    rows.iter().flat_map(|r| (0..widths.len()).map(move |i| lines(r.get(i).map(String::as_str).unwrap_or("")))).collect::<Vec<_>>().join(", ");
                format!(
                    "#{{\n  set text(size: 10.5pt)\n  set par(leading: 0.45em, justify: false)\n  table(columns: ({columns},), inset: 4pt, stroke: 0.5pt, align: left + horizon, table.header({head}), {cells})\n}}\n#v(0.5em)"
                )
            }
            Block::Chart(svg) => format!("#align(center, image(bytes({}), format: \"svg\", width: 100%))", lit(svg)),
            Block::Provenance(t) => format!("#block(above: 2em, text(size: 9pt, {}))", lit(t)),
        };
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// Whether a font draws a character: it maps it to a glyph with an outline (WenQuanYi Micro
/// Hei maps Ⅴ to an empty glyph).
fn drawn(f: &Font, c: char) -> bool {
    ttf_parser::Face::parse(f.data().as_slice(), f.index()).ok().is_some_and(|face| face.glyph_index(c).and_then(|g| face.glyph_bounding_box(g)).is_some())
}

/// The document as a PDF in `font` (a TrueType/OpenType file or collection with CJK glyphs),
/// or in the shipped font.
pub fn pdf(doc: &OfficialDoc, font: Option<&[u8]>) -> Result<Vec<u8>, ReportError> {
    let fonts: Vec<Font> = match font {
        Some(bytes) => Font::iter(Bytes::new(bytes.to_vec())).collect(),
        None => SHIPPED_FACES.clone(),
    };
    let mut families: Vec<String> = Vec::new();
    for f in &fonts {
        let family = f.info().family.clone();
        if !families.contains(&family) {
            families.push(family);
        }
    }
    if families.is_empty() {
        return Err(ReportError::Pdf("the font file holds no usable font".into()));
    }
    let covered = |c: char| fonts.iter().any(|f| drawn(f, c));
    let source = typst_source(doc, &families, &covered);
    let engine = TypstEngine::builder().main_file(source).fonts(fonts).build();
    let laid_out: PagedDocument = engine.compile().output.map_err(|e| ReportError::Pdf(e.to_string()))?;
    typst_pdf::pdf(&laid_out, &typst_pdf::PdfOptions::default()).map_err(|e| ReportError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::official::RedHeader;

    #[test]
    fn markup_quotes_every_text() {
        let mut d = OfficialDoc::new("t", ecociv_core::Locale::Zh);
        d.para("a \"quote\" \\ #hash *star* $math$ <label> @ref");
        let s = typst_source(&d, &["F".into()], &|_| true);
        assert!(s.contains(r##"#body("a \"quote\" \\ #hash *star* $math$ <label> @ref")"##), "{s}");
        // a Roman numeral the font lacks gets its letters; one it has stays
        let mut d = OfficialDoc::new("t", ecociv_core::Locale::Zh);
        d.para("劣Ⅴ类水体、Ⅲ类");
        assert!(typst_source(&d, &["F".into()], &|c| c != 'Ⅴ').contains("劣V类水体、Ⅲ类"));
        let shipped = &*SHIPPED_FACES;
        assert!(!shipped.iter().any(|f| drawn(f, 'Ⅴ')), "the shipped font still lacks Ⅴ: the stand-in is needed");
        assert!(shipped.iter().any(|f| drawn(f, 'Ⅲ')) && shipped.iter().any(|f| drawn(f, '劣')));
    }

    #[test]
    fn a_pdf_embeds_the_shipped_font_and_holds_the_text() {
        let mut d = OfficialDoc::new("测试文件", ecociv_core::Locale::Zh);
        d.red_header(&RedHeader {
            lines: vec!["呼和浩特市生态文明建设示范区创建工作领导小组办公室".into()], number: "呼生态创发〔2024〕1号".into()
        });
        d.title("关于2024年度创建工作的报告");
        d.heading(1, "一、总体情况");
        d.para("全年完成投资12.5亿元，“十四五”规划目标稳步推进。");
        d.placeholder("待填写：年度总体评价");
        d.table(&["序号".into(), "指标".into()], &[vec!["7.1".into(), "优良天数比率\n第二行".into()]], &[1000, crate::official::TEXT_WIDTH - 1000]);
        let pdf = pdf(&d, None).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 5_000, "the glyphs of the font are embedded: {} bytes", pdf.len());
        // a font file that is not one
        assert!(matches!(super::pdf(&d, Some(b"not a font")), Err(ReportError::Pdf(_))));
    }
}
