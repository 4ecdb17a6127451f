//! The schema's rule for running past one machine: every table of the PostgreSQL schema is
//! keyed by its zone, or is one of the few small reference tables named here with the reason.
//! A distributed PostgreSQL (Citus) places a table's rows by one column and needs that column
//! in every primary key and unique constraint of the table, and in every foreign key between
//! two such tables; a reference table is copied whole to every node, so it must stay small and
//! may not refer to a zone's table. A new table that keeps to neither fails this test.

use std::collections::BTreeMap;

use ecociv_store::testdb::TestDb;
use sqlx::Connection;

/// The tables every node holds whole, and why each is small and not one zone's.
const REFERENCE: &[(&str, &str)] = &[
    ("zones", "the list of zones itself (a few thousand rows at national scale)"),
    ("users", "sign-in looks a user up by name before the zone is known (tens of thousands of rows)"),
    ("sessions", "found by the cookie's hash before the user's zone is known (one per signed-in user)"),
    ("api_tokens", "found by the token's hash before the user's zone is known (a few per user)"),
    ("scheduler_leases", "one row per kind of scheduled work, shared by every instance"),
    ("_sqlx_migrations", "the migrations applied, one row each"),
];

#[derive(Debug, Default)]
struct Table {
    has_zone: bool,
    primary_key: Vec<String>,
    /// Each unique index's columns (the primary key's too), by index name.
    unique: BTreeMap<String, Vec<String>>,
    /// Each foreign key: its columns, the table it refers to, that table's columns.
    foreign: Vec<(Vec<String>, String, Vec<String>)>,
}

#[tokio::test]
async fn every_table_is_keyed_by_zone_or_a_small_reference_table() {
    let Some(db) = TestDb::postgres().await else { return };
    let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let names: Vec<(String, bool)> = sqlx::query_as(
        "SELECT c.relname::text, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'zone_code' AND NOT a.attisdropped)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')",
    )
    .fetch_all(&mut conn)
    .await
    .expect("tables");
    for (name, has_zone) in names {
        tables.insert(name, Table { has_zone, ..Default::default() });
    }
    let indexes: Vec<(String, String, bool, Vec<String>)> = sqlx::query_as(
        "SELECT t.relname::text, i.relname::text, x.indisprimary,
                ARRAY(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o)
         FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND x.indisunique",
    )
    .fetch_all(&mut conn)
    .await
    .expect("indexes");
    for (table, index, primary, columns) in indexes {
        let t = tables.get_mut(&table).expect("an index of a listed table");
        if primary {
            t.primary_key = columns.clone();
        }
        t.unique.insert(index, columns);
    }
    let foreign: Vec<(String, Vec<String>, String, Vec<String>)> = sqlx::query_as(
        "SELECT t.relname::text,
                ARRAY(SELECT a.attname::text FROM unnest(f.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.n ORDER BY k.o),
                r.relname::text,
                ARRAY(SELECT a.attname::text FROM unnest(f.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.n ORDER BY k.o)
         FROM pg_constraint f JOIN pg_class t ON t.oid = f.conrelid JOIN pg_class r ON r.oid = f.confrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND f.contype = 'f'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("foreign keys");
    for (table, columns, to, to_columns) in foreign {
        tables.get_mut(&table).expect("a key of a listed table").foreign.push((columns, to, to_columns));
    }
    conn.close().await.ok();

    let reference = |name: &str| REFERENCE.iter().any(|(t, _)| *t == name);
    let mut broken = Vec::new();
    for (name, t) in &tables {
        if reference(name) {
            // copied to every node: it may refer to another reference table only
            for (columns, to, _) in &t.foreign {
                if !reference(to) {
                    broken.push(format!("reference table {name} refers to the zone's table {to} ({columns:?})"));
                }
            }
            continue;
        }
        if !t.has_zone {
            broken.push(format!("{name} has no zone_code and is not a reference table"));
            continue;
        }
        if t.primary_key.is_empty() {
            broken.push(format!("{name} has no primary key"));
        }
        for (index, columns) in &t.unique {
            if !columns.iter().any(|c| c == "zone_code") {
                broken.push(format!("{name}: the unique key {index} {columns:?} does not hold zone_code"));
            }
        }
        for (columns, to, to_columns) in &t.foreign {
            // a zone's table refers to another zone's table through the zone: the same node
            if !reference(to) && !columns.iter().zip(to_columns).any(|(c, d)| c == "zone_code" && d == "zone_code") {
                broken.push(format!("{name} {columns:?} refers to {to} {to_columns:?} without the zone"));
            }
        }
    }
    // each named reference table exists, so that the list cannot keep a name that means nothing
    for (t, _) in REFERENCE {
        if !tables.contains_key(*t) {
            broken.push(format!("the reference table {t} is not in the schema"));
        }
    }
    db.cleanup().await;
    assert!(broken.is_empty(), "the schema breaks the rule of keys by zone:\n{}", broken.join("\n"));
    assert!(tables.len() > 40, "the query saw the whole schema ({} tables)", tables.len());
}

/// A database at the migration before the files were kept per zone, with the evidence of two
/// zones naming one file (the same content uploaded in both) and a file no evidence names;
/// then migrated: each zone has its file, the evidence keeps its ids, and a zone stores the same
/// content again without a conflict.
#[tokio::test]
async fn the_files_of_existing_evidence_move_to_their_zones() {
    let dir = std::env::temp_dir().join(format!("ecociv-keyed-{}", std::process::id()));
    for postgres in [false, true] {
        let kind = if postgres { "postgres" } else { "sqlite" };
        // the migrations before this one, as files
        let before = dir.join(kind);
        std::fs::create_dir_all(&before).unwrap();
        let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(kind);
        for f in std::fs::read_dir(&source).unwrap() {
            let f = f.unwrap();
            if f.file_name().to_string_lossy().as_ref() < "0024" {
                std::fs::copy(f.path(), before.join(f.file_name())).unwrap();
            }
        }
        let migrator = sqlx::migrate::Migrator::new(before.as_path()).await.unwrap();
        let (url, drop_db) = if postgres {
            let admin = ecociv_store::testdb::pg_admin_url();
            let Ok(mut c) = sqlx::PgConnection::connect(&admin).await else {
                assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "CI=true and no PostgreSQL");
                continue;
            };
            let name = format!("ecociv_keyed_{}", std::process::id());
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&mut c).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut c).await.unwrap();
            let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
            (url, Some(name))
        } else {
            let url = format!("sqlite://{}", dir.join("old.db").display());
            let opts: sqlx::sqlite::SqliteConnectOptions =
                url.parse::<sqlx::sqlite::SqliteConnectOptions>().unwrap().create_if_missing(true).foreign_keys(true);
            let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
            (url, None)
        };
        // two zones, as rows of the schema as it was (the store's code writes today's schema)
        let db = Raw(url.clone());
        db.run(
            "INSERT INTO zones (code, name, name_en, level, kind, parent, example_data) VALUES
             ('150100', '呼和浩特市', 'Hohhot', 'city', 'demonstration_zone', NULL, FALSE),
             ('150102', '新城区', 'Xincheng', 'county', 'demonstration_zone', '150100', FALSE)",
        )
        .await;
        let content = if postgres { "'\\x25504446'::bytea" } else { "X'25504446'" };
        db.run(&format!(
            "INSERT INTO blobs (hash, content, media_type, size) VALUES ('h1', {content}, 'application/pdf', 4), ('h2', {content}, 'application/pdf', 4)"
        ))
        .await;
        for zone in ["150100", "150102"] {
            db.run(&format!(
                "INSERT INTO evidence (zone_code, entity, entity_id, hash, file_name, media_type, size, uploaded_by, uploaded_at)
                 VALUES ('{zone}', 'observation', 1, 'h1', '监测报告.pdf', 'application/pdf', 4, 'alice', '2024-03-01T00:00:00Z')"
            ))
            .await;
        }
        let store = ecociv_store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        for zone in ["150100", "150102"] {
            let evidence = store.all_evidence(zone).await.unwrap();
            assert_eq!(evidence.len(), 1, "{kind} {zone}");
            assert_eq!(store.blob(zone, &evidence[0].hash).await.unwrap().as_deref(), Some(&b"%PDF"[..]), "{kind} {zone}");
        }
        let ids: Vec<i64> = [store.all_evidence("150100").await.unwrap()[0].id, store.all_evidence("150102").await.unwrap()[0].id].into();
        assert_eq!(ids.iter().collect::<std::collections::BTreeSet<_>>().len(), 2, "{kind}: the ids are kept");
        assert_eq!(store.blob("150100", "h2").await.unwrap(), None, "{kind}: a file no evidence names has no zone");
        // the same content again in a zone that holds it: stored once, named twice
        let again = ecociv_core::record::EvidenceRecord {
            id: 0,
            zone: "150102".into(),
            entity: "observation".into(),
            entity_id: 2,
            hash: String::new(),
            file_name: "again.pdf".into(),
            media_type: "application/pdf".into(),
            size: 4,
            uploaded_by: "bob".into(),
            uploaded_at: "2024-03-02T00:00:00Z".into(),
        };
        store.add_evidence(&again, b"%PDF", "bob").await.unwrap();
        store.add_evidence(&again, b"%PDF", "bob").await.unwrap();
        assert_eq!(store.all_evidence("150102").await.unwrap().len(), 3);
        store.close().await;
        if let Some(name) = drop_db {
            let mut c = sqlx::PgConnection::connect(&ecociv_store::testdb::pg_admin_url()).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut c).await.unwrap();
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A database reached by its URL, for the rows a test puts in by hand.
struct Raw(String);

impl Raw {
    async fn run(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        if self.0.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.0).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
        } else {
            let mut c = sqlx::PgConnection::connect(&self.0).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
    }
}
