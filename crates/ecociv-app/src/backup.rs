//! Backup and restore of the whole database — entries, accounts, the audit trail, evidence
//! files and the mastheads of the documents, which all live in it. SQLite: a consistent copy
//! made while the server runs (`VACUUM INTO`), restored by replacing the database file after
//! the copy is checked whole (`PRAGMA integrity_check`); the server must be stopped for a
//! restore. PostgreSQL: `pg_dump`'s custom format, restored with `pg_restore` (both from
//! PostgreSQL's client programs) in one transaction. The trail key and its log of signed heads
//! are not in the database and not in a backup: keep them apart, as their purpose is.

use std::path::Path;
use std::process::Command;

use crate::error::{AppError, Kind, Result};
use crate::zones;

/// What a backup or restore concerns: the file and the database (without its password).
fn failed(code: &'static str, file: &Path, what: impl std::fmt::Display) -> AppError {
    AppError { detail: Some(what.to_string()), ..AppError::new(Kind::BadRequest, code) }.field("file", &file.display().to_string())
}

/// Runs one of PostgreSQL's client programs; its error output is the error.
fn client(program: &str, args: &[&str], file: &Path) -> Result<()> {
    let out = Command::new(program).args(args).output().map_err(|e| failed("backup_tool_missing", file, format!("{program}: {e}")))?;
    if !out.status.success() {
        return Err(failed("backup_failed", file, format!("{program}: {}", String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(())
}

/// Copies the database at `url` into the new file `file` (refused when it exists).
pub async fn backup(url: &str, file: &Path) -> Result<()> {
    if file.exists() {
        return Err(failed("file_exists", file, "a backup never overwrites a file"));
    }
    if zones::sqlite_file(url).is_some() {
        let store = zones::open(url).await?;
        store.backup_into(&file.display().to_string()).await.map_err(|e| failed("backup_failed", file, e))?;
        store.close().await;
        return Ok(());
    }
    client("pg_dump", &["--format=custom", "--no-owner", "--file", &file.display().to_string(), "--dbname", url], file)
}

/// Replaces the database at `url` by the backup `file`, then applies the migrations the backup
/// is older than. A file that is not a backup of the database's kind, or not whole, is
/// refused and changes nothing.
pub async fn restore(url: &str, file: &Path) -> Result<()> {
    let mut head = [0u8; 16];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(file).map_err(|e| failed("not_a_backup", file, e))?;
        f.read_exact(&mut head).map_err(|e| failed("not_a_backup", file, e))?;
    }
    match zones::sqlite_file(url) {
        Some(target) => {
            if &head != b"SQLite format 3\0" {
                return Err(failed("not_a_backup", file, "not a SQLite database"));
            }
            // checked whole on a copy of its own, then copied beside the database and moved over it
            let dir = std::env::temp_dir().join(format!("ecociv-restore-{}-{}", std::process::id(), crate::accounts::random_token()));
            std::fs::create_dir_all(&dir).map_err(|e| failed("backup_failed", file, e))?;
            let check = dir.join("check.db");
            std::fs::copy(file, &check).map_err(|e| failed("backup_failed", file, e))?;
            let store = ecociv_store::connect(&format!("sqlite://{}", check.display())).await.map_err(|e| failed("not_a_backup", file, e))?;
            let found = store.integrity_check().await.map_err(|e| failed("not_a_backup", file, e))?;
            store.close().await;
            let _ = std::fs::remove_dir_all(&dir);
            if found != ["ok"] {
                return Err(failed("not_a_backup", file, format!("not whole: {}", found.join("; "))));
            }
            let beside = zones::beside(&target, ".restoring");
            std::fs::copy(file, &beside).map_err(|e| failed("backup_failed", file, e))?;
            std::fs::File::open(&beside).and_then(|f| f.sync_all()).map_err(|e| failed("backup_failed", file, e))?;
            // the old database's write-ahead log must not be applied to the restored file
            for ext in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(zones::beside(&target, ext));
            }
            std::fs::rename(&beside, &target).map_err(|e| failed("backup_failed", file, e))?;
        }
        None => {
            if &head[..5] != b"PGDMP" {
                return Err(failed("not_a_backup", file, "not a pg_dump archive in the custom format"));
            }
            let path = file.display().to_string();
            client("pg_restore", &["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", "--dbname", url, &path], file)?;
        }
    }
    let store = zones::open(url).await?;
    store.close().await;
    Ok(())
}
