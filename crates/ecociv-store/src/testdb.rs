//! Throw-away databases for tests: a fresh SQLite file, or a fresh PostgreSQL database cloned
//! from a migrated template (`CREATE DATABASE … TEMPLATE`, faster than migrating each time).
//! The PostgreSQL server is read from `ECOCIV_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When none answers the tests skip it with a
//! message — except under `CI=true`, where that is a failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{Connection, Executor, PgConnection};

use crate::connect;
use crate::prelude::*;

/// Makes, for each async function `name(&TestDb)` named, a module `name` with two tests that
/// run it on a fresh SQLite database and on a fresh PostgreSQL database (on the runtime's
/// multi-threaded flavour, so that tasks it spawns run at the same time).
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let db = $crate::testdb::TestDb::sqlite().await;
                super::$name(&db).await;
                db.cleanup().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if let Some(db) = $crate::testdb::TestDb::postgres().await {
                    super::$name(&db).await;
                    db.cleanup().await;
                }
            }
        })*
    };
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{}_{}", std::process::id(), nanos % 1_000_000_000, COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The admin URL of the test PostgreSQL server.
pub fn pg_admin_url() -> String {
    std::env::var("ECOCIV_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let authority_end = base.find("://").map(|s| s + 3).unwrap_or(0);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    format!("{base}/{db}{query}")
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub store: Arc<dyn Store>,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    PgDatabase(String),
}

impl TestDb {
    /// A migrated SQLite database in a new temporary file.
    pub async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(unique("ecociv_test"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}", dir.join("ecociv.db").display());
        let store = connect(&url).await.expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        TestDb { url, store, cleanup: Cleanup::File(dir) }
    }

    /// A migrated PostgreSQL database cloned from the template, or `None` (with a message)
    /// when no server answers and `CI` is not `true`.
    pub async fn postgres() -> Option<TestDb> {
        let admin = pg_admin_url();
        let mut conn = match PgConnection::connect(&admin).await {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("CI=true and no PostgreSQL answers at {}: {e}", crate::redact(&admin));
                }
                eprintln!("SKIPPED (PostgreSQL half): no server at {}: {e}", crate::redact(&admin));
                return None;
            }
        };
        let template = template_name();
        // one process at a time builds the template
        conn.execute("SELECT pg_advisory_lock(727274)").await.expect("advisory lock");
        let exists: Option<(i32,)> =
            sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1").bind(&template).fetch_optional(&mut conn).await.expect("query pg_database");
        if exists.is_none() {
            let building = unique("ecociv_tpl_build");
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {building}"))).await.expect("create template");
            let store = connect(&with_database(&admin, &building)).await.expect("connect template");
            store.migrate().await.expect("migrate template");
            store.close().await;
            conn.execute(sqlx::AssertSqlSafe(format!("ALTER DATABASE {building} RENAME TO {template}"))).await.expect("rename template");
        }
        let name = unique("ecociv_test");
        let created = conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name} TEMPLATE {template}"))).await;
        conn.execute("SELECT pg_advisory_unlock(727274)").await.expect("advisory unlock");
        created.expect("create test database");
        let url = with_database(&admin, &name);
        let store = connect(&url).await.expect("connect test database");
        store.migrate().await.expect("migrations are already applied");
        Some(TestDb { url, store, cleanup: Cleanup::PgDatabase(name) })
    }

    /// Runs one SQL statement on the database behind the store's back (tests of tampering).
    pub async fn execute(&self, sql: &str) -> u64 {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        if self.url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.url).await.expect("connect");
            c.execute(sql).await.expect("execute").rows_affected()
        } else {
            let mut c = PgConnection::connect(&self.url).await.expect("connect");
            c.execute(sql).await.expect("execute").rows_affected()
        }
    }

    /// Closes the store and removes the database.
    pub async fn cleanup(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::File(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PgDatabase(name) => {
                if let Ok(mut conn) = PgConnection::connect(&pg_admin_url()).await {
                    let _ = conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).await;
                }
            }
        }
    }
}

/// The template's name follows the migrations, so a changed migration gets a new template.
fn template_name() -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for m in sqlx::migrate!("./migrations/postgres").iter() {
        for b in m.checksum.iter() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("ecociv_tpl_{h:016x}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_in_url() {
        assert_eq!(super::with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"), "postgres://postgres@127.0.0.1:5432/x");
        assert_eq!(super::with_database("postgres://h", "x"), "postgres://h/x");
        assert_eq!(super::with_database("postgres://h/db?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
    }
}
