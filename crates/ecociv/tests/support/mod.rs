//! What the tests that run the `ecociv` binary share: the command with a clean environment on
//! the day 2025-12-20, and running it to its output.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// `ecociv` without any setting from the environment, on 2025-12-20.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ecociv"));
    for v in [
        "ECOCIV_DATA_DIR",
        "ECOCIV_DATABASE_URL",
        "ECOCIV_CONFIG",
        "ECOCIV_TODAY",
        "ECOCIV_ADDR",
        "ECOCIV_PDF_FONT",
        "ECOCIV_TRAIL_KEY",
        "ECOCIV_SMTP_URL",
        "ECOCIV_MAIL_FROM",
        "ECOCIV_BASE_URL",
        "ECOCIV_REMIND_EVERY",
    ] {
        c.env_remove(v);
    }
    c.env("ECOCIV_TODAY", "2025-12-20");
    c
}

/// Runs a command in `dir` with `input` on its standard input; its output when it succeeds.
pub fn cli(dir: &Path, args: &[&str], input: &str) -> String {
    let mut c = bin().current_dir(dir).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    c.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let o = c.wait_with_output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}
