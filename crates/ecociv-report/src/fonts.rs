//! The CJK font shipped in the binary, for the PDF documents and the charts' PNG drawings:
//! WenQuanYi Micro Hei (Apache-2.0), see `fonts/README.md`.

/// The font file, as shipped.
pub static SHIPPED_FONT: &[u8] = include_bytes!("../fonts/wqy-microhei.ttc");
