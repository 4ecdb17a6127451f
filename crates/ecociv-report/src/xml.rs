//! XML text as the Word files and the SVG charts write it.

/// `&`, `<`, `>` and quotes escaped for XML text and attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            // characters XML 1.0 does not allow (text stored before they were refused)
            c if !ecociv_core::entry::printable(c) => {}
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_xml_cannot_carry_is_dropped_and_markup_escaped() {
        assert_eq!(super::esc("a\u{FFFE}b\u{FFFF}c\u{0}d\u{1b}e\u{85}f\t\n"), "abcdef\t\n");
        assert_eq!(super::esc("<w:t a=\"1\">&"), "&lt;w:t a=&quot;1&quot;&gt;&amp;");
        assert_eq!(super::esc("进展 ✓ 𝄞"), "进展 ✓ 𝄞");
    }
}
