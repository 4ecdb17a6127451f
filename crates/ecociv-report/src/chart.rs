//! Charts for the documents, drawn by ecociv as SVG: grouped bars with their values, an axis
//! and a legend — enough for the status counts, reporting and scores the documents show. The
//! PDF embeds the SVG itself; the Word file embeds it too (Word 2016 and later show it) with a
//! PNG drawn from it for the programs that do not ([`png`], resvg, in the shipped font).

use crate::ReportError;
use crate::xml::esc;

/// The font families the SVG asks for, the shipped one first.
const FONTS: &str = "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif";

/// The size of every chart, in SVG units (pixels at 96 dpi).
pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 340.0;

/// One series of bars.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// A CSS color (`#2e7d32`).
    pub color: &'static str,
    pub values: Vec<f64>,
}

/// The colors the documents use: met or on time, not met or late, missing, other.
pub const GREEN: &str = "#2e7d32";
pub const RED: &str = "#c62828";
pub const GREY: &str = "#9e9e9e";
pub const BLUE: &str = "#1565c0";

/// A round step for an axis reaching `max`.
fn step(max: f64) -> f64 {
    let raw = (max / 5.0).max(1e-9);
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude)
}

/// How a value is printed: integers without decimals, others with one or two.
fn shown(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{}", v.round() as i64) } else { format!("{v:.2}").trim_end_matches('0').trim_end_matches('.').to_string() }
}

/// Grouped vertical bars: one group per category, one bar per series, the value on each bar.
pub fn bars(title: &str, categories: &[String], series: &[Series], unit: &str) -> String {
    let (left, right, top, bottom) = (56.0, 16.0, 48.0, 70.0);
    let (w, h) = (WIDTH - left - right, HEIGHT - top - bottom);
    let max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0f64, f64::max).max(1.0);
    let step = step(max);
    let top_value = (max / step).ceil() * step;
    let y = |v: f64| top + h - v / top_value * h;
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONTS}"><rect width="100%" height="100%" fill="#ffffff"/><text x="{}" y="24" font-size="16" text-anchor="middle">{}</text>"##,
        WIDTH / 2.0,
        esc(title)
    );
    // the axis and its grid
    let mut v = 0.0;
    while v <= top_value + 1e-9 {
        s.push_str(&format!(
            r##"<line x1="{left}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#e0e0e0"/><text x="{2}" y="{3:.1}" font-size="11" text-anchor="end">{4}</text>"##,
            y(v),
            left + w,
            left - 6.0,
            y(v) + 4.0,
            shown(v)
        ));
        v += step;
    }
    if !unit.is_empty() {
        s.push_str(&format!(r#"<text x="{}" y="{}" font-size="11" text-anchor="start">{}</text>"#, 6.0, top - 10.0, esc(unit)));
    }
    s.push_str(&format!(r##"<line x1="{left}" y1="{0}" x2="{1}" y2="{0}" stroke="#424242"/>"##, top + h, left + w));
    let n = categories.len().max(1) as f64;
    let group = w / n;
    let bar = (group * 0.8 / series.len().max(1) as f64).min(48.0);
    for (i, c) in categories.iter().enumerate() {
        let x0 = left + group * i as f64 + (group - bar * series.len() as f64) / 2.0;
        for (k, se) in series.iter().enumerate() {
            let value = se.values.get(i).copied().unwrap_or(0.0);
            let x = x0 + bar * k as f64;
            s.push_str(&format!(
                r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
                y(value),
                bar - 2.0,
                (top + h - y(value)).max(0.0),
                se.color,
                x + (bar - 2.0) / 2.0,
                y(value) - 3.0,
                shown(value)
            ));
        }
        s.push_str(&format!(
            r#"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"#,
            left + group * (i as f64 + 0.5),
            top + h + 16.0,
            esc(c)
        ));
    }
    // the legend, under the axis
    let mut x = left;
    for se in series {
        s.push_str(&format!(
            r#"<rect x="{x:.1}" y="{0}" width="12" height="12" fill="{1}"/><text x="{2:.1}" y="{3}" font-size="12">{4}</text>"#,
            HEIGHT - 24.0,
            se.color,
            x + 16.0,
            HEIGHT - 14.0,
            esc(&se.name)
        ));
        x += 28.0 + 13.0 * se.name.chars().count() as f64;
    }
    s.push_str("</svg>");
    s
}

/// The shipped font for drawing charts, read once.
static SHIPPED_FONT_DB: std::sync::LazyLock<std::sync::Arc<resvg::usvg::fontdb::Database>> = std::sync::LazyLock::new(|| {
    let mut db = resvg::usvg::fontdb::Database::new();
    db.load_font_data(crate::fonts::SHIPPED_FONT.to_vec());
    std::sync::Arc::new(db)
});

/// The chart as PNG at `scale` × its size, its text in the shipped font.
pub fn png(svg: &str, scale: f32) -> Result<Vec<u8>, ReportError> {
    use resvg::{tiny_skia, usvg};
    let opt = usvg::Options { fontdb: SHIPPED_FONT_DB.clone(), ..usvg::Options::default() };
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| ReportError::Pdf(format!("chart: {e}")))?;
    let size = tree.size().to_int_size().scale_by(scale).ok_or_else(|| ReportError::Pdf("chart: empty".into()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| ReportError::Pdf("chart: too large".into()))?;
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| ReportError::Pdf(format!("chart: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_labelled_and_drawn() {
        let svg = bars(
            "指标达标情况",
            &["生态制度".into(), "生态安全".into()],
            &[Series { name: "达标".into(), color: GREEN, values: vec![3.0, 7.0] }, Series { name: "未达标".into(), color: RED, values: vec![1.0, 0.0] }],
            "项",
        );
        assert!(svg.contains(">指标达标情况<") && svg.contains(">生态安全<") && svg.contains(">未达标<"));
        assert_eq!(svg.matches("<rect x=").count(), 4 + 2, "four bars and two legend keys");
        assert!(svg.contains(">8<"), "the axis rounds 7 up to a step: {svg}");
        assert_eq!((step(7.0), step(100.0), step(0.3)), (2.0, 20.0, 0.1));
        let png = png(&svg, 2.0).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        // 2 × 640 wide
        assert_eq!(u32::from_be_bytes([png[16], png[17], png[18], png[19]]), 1280);
    }
}
