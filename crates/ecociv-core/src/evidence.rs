//! Evidence files and photos: what may be uploaded. The type is read from the content (not the
//! name) and must agree with the name's extension, so a program renamed to `.pdf` is refused;
//! a name carrying a path is refused; the size is bounded.

use crate::entry::FieldError;

/// An accepted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub media_type: &'static str,
    pub file_name: String,
}

/// The kinds of files evidence may be, by content.
const KINDS: &[(&str, &[&str], &str)] = &[
    ("pdf", &["pdf"], "application/pdf"),
    ("png", &["png"], "image/png"),
    ("jpeg", &["jpg", "jpeg"], "image/jpeg"),
    ("docx", &["docx"], "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xlsx", &["xlsx"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("ofd", &["ofd"], "application/ofd"),
    ("doc", &["doc"], "application/msword"),
    ("xls", &["xls"], "application/vnd.ms-excel"),
];

/// What the content is, from its first bytes (and, for zip and OLE containers, its names).
fn sniff(bytes: &[u8], ext: &str) -> Option<&'static str> {
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if bytes.starts_with(b"%PDF-") {
        Some("pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpeg")
    } else if bytes.starts_with(b"PK\x03\x04") {
        if contains(b"word/") {
            Some("docx")
        } else if contains(b"xl/") {
            Some("xlsx")
        } else if contains(b"OFD.xml") {
            Some("ofd")
        } else {
            None
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // the OLE container says little by itself; its extension decides between doc and xls
        match ext {
            "doc" => Some("doc"),
            "xls" => Some("xls"),
            _ => None,
        }
    } else {
        None
    }
}

/// The extensions evidence may have.
pub fn allowed_extensions() -> Vec<&'static str> {
    KINDS.iter().flat_map(|k| k.1.iter().copied()).collect()
}

/// Checks an upload: a plain file name (no path), a size within `max_bytes`, a content of an
/// allowed kind that agrees with the extension.
pub fn check_upload(name: &str, bytes: &[u8], max_bytes: usize) -> Result<Accepted, FieldError> {
    let n = name.trim();
    if n.contains('/') || n.contains('\\') || n == ".." || n == "." {
        return Err(FieldError::keyed("file", "path_in_name", "field.upload.path_in_name").arg("name", &n));
    }
    if n.is_empty() || n.chars().any(|c| c.is_control() || "<>:\"|?*".contains(c)) || n.chars().count() > 200 {
        return Err(FieldError::keyed("file", "bad_name", "field.upload.bad_name").arg("name", &n));
    }
    if bytes.is_empty() {
        return Err(FieldError::keyed("file", "empty_file", "field.upload.empty"));
    }
    if bytes.len() > max_bytes {
        let mb = |b: usize| format!("{:.1}", b as f64 / 1_048_576.0);
        return Err(FieldError::keyed("file", "too_large", "field.upload.too_large").arg("size", &mb(bytes.len())).arg("limit", &mb(max_bytes)));
    }
    let ext = n.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let allowed = allowed_extensions().join(", ");
    let Some(kind) = KINDS.iter().find(|k| k.1.contains(&ext.as_str())) else {
        return Err(FieldError::keyed("file", "bad_type", "field.upload.bad_type").arg("allowed", &allowed).arg("ext", &ext));
    };
    match sniff(bytes, &ext) {
        Some(found) if found == kind.0 => Ok(Accepted { media_type: kind.2, file_name: n.to_string() }),
        Some(found) => Err(FieldError::keyed("file", "disguised", "field.upload.disguised").arg("found", &found).arg("ext", &ext)),
        None => Err(FieldError::keyed("file", "disguised", "field.upload.not_its_kind").arg("kind", &kind.0).arg("ext", &ext)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads() {
        let pdf = b"%PDF-1.7\n...";
        assert_eq!(check_upload("监测报告.pdf", pdf, 1000).unwrap().media_type, "application/pdf");
        assert_eq!(check_upload("photo.JPG", &[0xFF, 0xD8, 0xFF, 0xE0, 1], 1000).unwrap().media_type, "image/jpeg");
        assert_eq!(check_upload("../../etc/passwd.pdf", pdf, 1000).unwrap_err().code, "path_in_name");
        assert_eq!(check_upload("C:\\\\temp\\\\a.pdf", pdf, 1000).unwrap_err().code, "path_in_name");
        assert_eq!(check_upload("a.pdf", pdf, 5).unwrap_err().code, "too_large");
        assert_eq!(check_upload("a.pdf", b"MZ\x90\x00 this is a program", 1000).unwrap_err().code, "disguised");
        assert_eq!(check_upload("a.png", pdf, 1000).unwrap_err().code, "disguised");
        assert_eq!(check_upload("a.exe", b"MZ", 1000).unwrap_err().code, "bad_type");
        assert_eq!(check_upload("a.pdf", b"", 1000).unwrap_err().code, "empty_file");
        assert_eq!(check_upload("a\u{0}.pdf", pdf, 1000).unwrap_err().code, "bad_name");
        assert_eq!(check_upload("report.docx", b"PK\x03\x04....word/document.xml", 1000).unwrap().file_name, "report.docx");
        assert_eq!(check_upload("report.docx", b"PK\x03\x04....xl/workbook.xml", 1000).unwrap_err().code, "disguised");
        assert!(check_upload("old.xls", &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0], 1000).is_ok());
    }
}
