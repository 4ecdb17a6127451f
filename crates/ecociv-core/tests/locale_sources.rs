//! The text of ecociv stays in the locale files: no source of the workspace writes a text as a
//! pair of literals, one per language (`pick("指标", "Indicator")`, `FieldError::new(…, "中文",
//! "English")`), or chooses between literals by the locale (`Locale::Zh => "…"`,
//! `if l == Locale::En { "; " } else { "；" }`) — such a text could not be given in a third
//! language by adding a file — and every key a source names is in the files.

use std::collections::HashSet;

use ecociv_core::Locale;
use ecociv_core::locale::keys;

/// What a byte of Rust source is part of.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Byte {
    Code,
    /// A string literal, quotes included.
    Text,
    /// A comment or a char literal.
    Other,
}

/// Marks each byte of a Rust source as code, string literal, or comment and char literal.
fn bytes_of(src: &str) -> Vec<Byte> {
    let b = src.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut kinds = vec![Byte::Code; b.len()];
    let mut i = 0;
    while i < b.len() {
        let (end, kind) = if b[i..].starts_with(b"//") {
            (src[i..].find('\n').map_or(b.len(), |n| i + n), Byte::Other)
        } else if b[i..].starts_with(b"/*") {
            let (mut j, mut depth) = (i, 0);
            while j < b.len() {
                if b[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if b[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            (j, Byte::Other)
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            (j + 1, Byte::Text)
        } else if b[i] == b'r' && (i == 0 || !ident(b[i - 1]) || (b[i - 1] == b'b' && (i < 2 || !ident(b[i - 2])))) {
            let hashes = b[i + 1..].iter().take_while(|c| **c == b'#').count();
            if b.get(i + 1 + hashes) == Some(&b'"') {
                let close = format!("\"{}", "#".repeat(hashes));
                let from = i + 2 + hashes;
                (src[from..].find(&close).map_or(b.len(), |n| from + n + close.len()), Byte::Text)
            } else {
                (i + 1, Byte::Code)
            }
        } else if b[i] == b'\'' {
            // a char literal, or a lifetime
            let end = if b.get(i + 1) == Some(&b'\\') {
                b.get(i + 3..).and_then(|r| r.iter().position(|c| *c == b'\'')).map(|p| i + 3 + p + 1)
            } else {
                src[i + 1..].chars().next().map(|c| i + 1 + c.len_utf8()).filter(|e| b.get(*e) == Some(&b'\'')).map(|e| e + 1)
            };
            end.map_or((i + 1, Byte::Code), |e| (e, Byte::Other))
        } else {
            (i + 1, Byte::Code)
        };
        let end = end.min(b.len());
        kinds[i..end].fill(kind);
        i = end;
    }
    kinds
}

/// The calls `name(…)` in code (not in comments or literals): the line and the byte ranges
/// of the arguments.
fn calls(src: &str, kinds: &[Byte], name: &str) -> Vec<(usize, Vec<std::ops::Range<usize>>)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    for (at, _) in src.match_indices(&format!("{name}(")) {
        let open = at + name.len();
        if kinds[at..=open].iter().any(|k| *k != Byte::Code) || (at > 0 && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_')) {
            continue;
        }
        let (mut depth, mut from, mut args) = (0, open + 1, Vec::new());
        for j in open..b.len() {
            if kinds[j] != Byte::Code {
                continue;
            }
            match b[j] {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        args.push(from..j);
                        break;
                    }
                }
                b',' if depth == 1 => {
                    args.push(from..j);
                    from = j + 1;
                }
                _ => {}
            }
        }
        args.retain(|r| !src[r.clone()].trim().is_empty());
        out.push((src[..at].matches('\n').count() + 1, args));
    }
    out
}

/// The text pairs of a Rust source: `pick` calls whose two texts both hold a string literal
/// (`l.pick("指标", "Indicator")`, `l.pick(&format!(…), &format!(…))`), `FieldError::new`
/// calls with a message written out, and choices on the locale between written texts.
fn text_pairs(src: &str) -> Vec<String> {
    let kinds = bytes_of(src);
    let literal = |r: &std::ops::Range<usize>| kinds[r.clone()].contains(&Byte::Text);
    let mut pairs = Vec::new();
    for (line, args) in calls(src, &kinds, "pick") {
        if args.len() >= 2 && args[args.len() - 2..].iter().all(literal) {
            pairs.push(format!("{line}: pick"));
        }
    }
    for (line, args) in calls(src, &kinds, "FieldError::new") {
        if args.len() == 4 && args[2..].iter().any(literal) {
            pairs.push(format!("{line}: FieldError::new"));
        }
    }
    pairs.extend(locale_choices(src, &kinds));
    pairs
}

/// The byte after the `}` closing the block opened at `open`.
fn block_end(src: &str, kinds: &[Byte], open: usize) -> usize {
    let b = src.as_bytes();
    let mut depth = 0;
    for j in open..b.len() {
        if kinds[j] != Byte::Code {
            continue;
        }
        match b[j] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    b.len()
}

/// The first byte of code at or after `from` that is not white space.
fn skip_space(src: &str, kinds: &[Byte], mut from: usize) -> usize {
    let b = src.as_bytes();
    while from < b.len() && (b[from].is_ascii_whitespace() || kinds[from] == Byte::Other) {
        from += 1;
    }
    from
}

/// Where a source chooses between texts written out by the locale: a match arm on a locale
/// (`Locale::Zh => "中文"`, `(Status::Met, Locale::En) => "met"`), an `if` on one whose
/// branches both hold a literal (`if l == Locale::En { "; " } else { "；" }`), and an `if`
/// or `match` on a flag made from one (`let zh = l == Locale::Zh;` … `if zh { "…" }`).
fn locale_choices(src: &str, kinds: &[Byte]) -> Vec<String> {
    let b = src.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let code = |at: usize, word: &str| src[at..].starts_with(word) && kinds[at..at + word.len()].iter().all(|k| *k == Byte::Code);
    let word_at = |at: usize, word: &str| code(at, word) && (at == 0 || !ident(b[at - 1])) && b.get(at + word.len()).is_none_or(|c| !ident(*c));
    let has_text = |r: std::ops::Range<usize>| kinds[r].contains(&Byte::Text);
    let line = |at: usize| src[..at].matches('\n').count() + 1;
    // an expression that ends at the first `{` (or `;`) outside brackets
    let expr_end = |from: usize| {
        let mut depth = 0i32;
        (from..b.len())
            .find(|j| {
                kinds[*j] == Byte::Code && {
                    match b[*j] {
                        b'(' | b'[' => depth += 1,
                        b')' | b']' => depth -= 1,
                        _ => {}
                    }
                    depth == 0 && (b[*j] == b'{' || b[*j] == b';')
                }
            })
            .unwrap_or(b.len())
    };
    let on_locale = |text: &str| {
        text.match_indices("Locale::").any(|(i, _)| text[i + 8..].starts_with(|c: char| c.is_ascii_uppercase()) && (text.contains("==") || text.contains("!=")))
    };
    let mut flags: Vec<&str> = Vec::new();
    for (at, _) in src.match_indices("let ").filter(|(at, _)| word_at(*at, "let")) {
        let end = expr_end(at);
        let (name, value) = src[at + 4..end].split_once('=').unwrap_or_default();
        let value = value.trim_start();
        if on_locale(value) && !value.starts_with("if ") && !value.starts_with("match ") && name.trim().bytes().all(ident) && !name.trim().is_empty() {
            flags.push(name.trim());
        }
    }
    let mut out = Vec::new();
    for (at, _) in src.match_indices("Locale::") {
        let name_end = (at + 8..b.len()).find(|j| !ident(b[*j])).unwrap_or(b.len());
        if !code(at, "Locale::") || !b.get(at + 8).is_some_and(u8::is_ascii_uppercase) {
            continue;
        }
        let mut j = name_end;
        while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b')') {
            j += 1;
        }
        if !code(j, "=>") {
            continue;
        }
        let body = skip_space(src, kinds, j + 2);
        let mut end = body;
        let mut depth = 0;
        while end < b.len() {
            if kinds[end] == Byte::Code {
                match b[end] {
                    b'(' | b'[' | b'{' => depth += 1,
                    b')' | b']' | b'}' if depth == 0 => break,
                    b')' | b']' | b'}' => {
                        depth -= 1;
                        if depth == 0 && b[body] == b'{' {
                            end += 1;
                            break;
                        }
                    }
                    b',' if depth == 0 => break,
                    _ => {}
                }
            }
            end += 1;
        }
        if has_text(body..end) {
            out.push(format!("{}: match arm on the locale", line(at)));
        }
    }
    for keyword in ["if", "match"] {
        for (at, _) in src.match_indices(keyword).filter(|(at, _)| word_at(*at, keyword)) {
            let open = expr_end(at);
            let condition = &src[at + keyword.len()..open];
            let on_flag = flags.iter().any(|f| condition.match_indices(f).any(|(i, _)| word_at(at + keyword.len() + i, f)));
            if open >= b.len() || b[open] != b'{' || !(on_flag || (keyword == "if" && on_locale(condition))) {
                continue;
            }
            let then_end = block_end(src, kinds, open);
            let chosen = if keyword == "match" {
                has_text(open..then_end)
            } else {
                let after = skip_space(src, kinds, then_end);
                let other = skip_space(src, kinds, after + 4);
                word_at(after, "else") && b.get(other) == Some(&b'{') && has_text(open..then_end) && has_text(other..block_end(src, kinds, other))
            };
            if chosen {
                out.push(format!("{}: {keyword} on the locale", line(at)));
            }
        }
    }
    out
}

/// The crates' directory, the Rust sources under each crate's `src/` and its templates.
fn workspace_files() -> (std::path::PathBuf, Vec<std::path::PathBuf>, Vec<std::path::PathBuf>) {
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (mut sources, mut templates) = (Vec::new(), Vec::new());
    for entry in std::fs::read_dir(&crates).unwrap().flatten() {
        files_under(&entry.path().join("src"), "rs", &mut sources);
        files_under(&entry.path().join("templates"), "html", &mut templates);
    }
    assert!(sources.len() > 50, "the sources are found ({})", sources.len());
    (crates, sources, templates)
}

/// Every key a source names in a `Text::new("…")` or a `FieldError::keyed(…, "…")` is in
/// zh-CN.toml (and so in en.toml, which has the same keys).
#[test]
fn every_key_named_by_a_text_exists() {
    let zh: HashSet<&str> = keys(Locale::Zh).into_iter().collect();
    let (crates, sources, _) = workspace_files();
    let mut missing = Vec::new();
    for path in &sources {
        let src = std::fs::read_to_string(path).unwrap();
        let kinds = bytes_of(&src);
        let named = calls(&src, &kinds, "Text::new").into_iter().map(|(n, a)| (n, a.first().cloned()));
        let keyed = calls(&src, &kinds, "FieldError::keyed").into_iter().map(|(n, a)| (n, a.get(2).cloned()));
        for (line, arg) in named.chain(keyed) {
            let Some(key) = arg.map(|r| src[r].trim()).and_then(|a| a.strip_prefix('"')?.strip_suffix('"')) else { continue };
            if !zh.contains(key) && !key.contains(['\\', '"']) {
                missing.push(format!("{}:{line}: {key}", path.strip_prefix(&crates).unwrap().display()));
            }
        }
    }
    assert!(missing.is_empty(), "keys missing in locales/zh-CN.toml:\n{}", missing.join("\n"));
}

fn files_under(dir: &std::path::Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

#[test]
fn the_pair_scanner_sees_pairs_and_only_pairs() {
    let src = r##"
        // l.pick("注释", "comment") is not code
        let a = l.pick("指标", "Indicator");
        let b = l.pick(&p.name, &p.name_en);
        let c = Locale::pick(l, "甲", "a");
        let d = l.pick(
            &format!("第{r}行", r = ')'),
            &format!("row {r}"),
        );
        let e = "l.pick(\"x\", \"y\")";
        let f: &'static str = r#"pick("raw", "raw")"#;
        FieldError::new("f", "code", "中文", "English");
        FieldError::new("f", "code", zh, en);
        FieldError::new("f", "code", format!("{x}"), format!("{x:?}"));
    "##;
    assert_eq!(text_pairs(src), ["3: pick", "5: pick", "6: pick", "12: FieldError::new", "14: FieldError::new"]);
}

#[test]
fn the_scanner_sees_written_texts_chosen_by_the_locale() {
    let src = r##"
        let tag = match l { Locale::Zh => "zh-CN", Locale::En => "en" };
        match (s, l) {
            (Status::Met, Locale::Zh) => { "达标" }
            (Status::Met, Locale::En) => x,
        }
        let sep = if l == Locale::En { "; " } else { "；" };
        let zh = l == Locale::Zh;
        if zh { format!("值 {v}") } else { format!("value {v}") }
        let verb = |holds: bool| match (holds, zh) { (true, true) => "满足", _ => "meets" };
        // data fields and keys stay: the two names of a plan, a key per status
        let name = if l == Locale::En { p.name_en.clone() } else { p.name.clone() };
        let (first, second) = match l { Locale::Zh => (&n.note, &n.note_en), _ => (&n.note_en, &n.note) };
        let key = match s { Status::Met => "status.met", _ => "status.other" };
        if l == Locale::Zh { return zh_text; }
        let c = "Locale::Zh => \"x\"";
    "##;
    assert_eq!(
        text_pairs(src),
        [
            "2: match arm on the locale",
            "2: match arm on the locale",
            "4: match arm on the locale",
            "7: if on the locale",
            "9: if on the locale",
            "10: match on the locale"
        ]
    );
}

/// A text written in Rust as a pair of literals, one per language, or chosen by the locale
/// between literals, could not be given in a third language by adding a locale file. Every
/// such `pick`, `FieldError::new` and choice of the workspace's sources and templates is
/// refused.
#[test]
fn text_pairs_stay_in_the_locale_files() {
    let (crates, sources, templates) = workspace_files();
    let mut refused = Vec::new();
    for path in &sources {
        let rel = path.strip_prefix(&crates).unwrap().to_string_lossy().replace('\\', "/");
        refused.extend(text_pairs(&std::fs::read_to_string(path).unwrap()).iter().map(|p| format!("{rel}:{p}")));
    }
    for path in &templates {
        let src = std::fs::read_to_string(path).unwrap();
        for (n, line) in src.lines().enumerate() {
            if line.contains(".pick(\"") {
                refused.push(format!("{}:{}: pick", path.strip_prefix(&crates).unwrap().display(), n + 1));
            }
        }
    }
    assert!(refused.is_empty(), "text pairs written in code; give them keys in locales/*.toml:\n{}", refused.join("\n"));
}
