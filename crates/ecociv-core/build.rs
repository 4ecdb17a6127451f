//! Compiles in every locale file: each `locales/<tag>.toml` (its name a BCP 47 tag, `zh-CN`,
//! `en`, `mn`, …) becomes a row of the table `LOCALE_FILES` in `OUT_DIR/locales.rs`, zh-CN
//! first (the default, and the text of any key another locale lacks), en second, the others by
//! tag. Adding a language is adding a file.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=locales");
    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("locales");
    let mut files: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a readable directory entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let tag = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let well_formed = !tag.is_empty()
            && tag.split('-').all(|part| (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric()))
            && tag.split('-').next().is_some_and(|p| p.bytes().all(|b| b.is_ascii_alphabetic()));
        assert!(well_formed, "{}: a locale file is named by its BCP 47 tag (zh-CN.toml, en.toml, mn.toml)", path.display());
        files.push((tag, path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name").to_string()));
    }
    let rank = |tag: &str| match tag {
        "zh-CN" => 0,
        "en" => 1,
        _ => 2,
    };
    files.sort_by(|a, b| (rank(&a.0), &a.0).cmp(&(rank(&b.0), &b.0)));
    assert!(files.len() <= 255, "at most 255 locales (a Locale is one byte)");
    assert!(files.len() >= 2 && files[0].0 == "zh-CN" && files[1].0 == "en", "locales/ holds zh-CN.toml and en.toml");
    let mut out = String::from("/// Every compiled-in locale file: its tag and its text; zh-CN first, en second.\n");
    out.push_str("pub(crate) const LOCALE_FILES: &[(&str, &str)] = &[\n");
    // each file named from the crate's own folder as it is compiled, not the absolute path of
    // this run: two checkouts that share a target folder each read their own files
    for (tag, file) in &files {
        out.push_str(&format!("    ({tag:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/locales/{file}\"))),\n"));
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("set by cargo")).join("locales.rs");
    std::fs::write(&target, out).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
}
