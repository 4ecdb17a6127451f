//! The read replica (`serve --read-database-url`), against a real one: the test starts a
//! PostgreSQL cluster of its own as the database and a streaming replica of it made with
//! `pg_basebackup`, both on loopback ports of their own. The views are read from the replica
//! while it has caught up; while its replay is paused, a write on the database is still seen at
//! once (read from the database), and once replay resumes the replica serves again.
//!
//! It needs PostgreSQL's server programs (`initdb`, `pg_ctl`, `pg_basebackup`); without them it
//! says so and passes, except under `CI=true` (the test command installs them).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use ecociv_app::App;
use ecociv_app::entries::submit_project_report;
use ecociv_core::access::{Actor, Role};
use ecociv_core::entry::{ProjectReportInput, YearMonth};
use sqlx::Connection;

const ZONE: &str = "150100";

/// The newest PostgreSQL server programs of the machine.
fn pg_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql").ok()?.filter_map(|e| Some(e.ok()?.path().join("bin"))).collect();
    dirs.retain(|d| d.join("pg_basebackup").exists() && d.join("initdb").exists());
    dirs.sort_by_key(|d| d.parent().and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok()));
    dirs.pop()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The two clusters, stopped and removed when dropped (a failed assertion too).
struct Clusters {
    bin: PathBuf,
    dir: PathBuf,
    as_root: bool,
}

impl Clusters {
    /// A server program, run as the `postgres` user when the test runs as root (the server
    /// refuses root).
    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.command(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(out.status.success(), "{program} {args:?}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }

    fn start(&self, data: &Path, port: u16) {
        let opts = format!("-p {port} -k {} -c listen_addresses=127.0.0.1", self.dir.display());
        self.run("pg_ctl", &["-D", data.to_str().unwrap(), "-o", &opts, "-l", data.join("log").to_str().unwrap(), "-w", "start"]);
    }
}

impl Drop for Clusters {
    fn drop(&mut self) {
        for data in ["standby", "primary"] {
            let d = self.dir.join(data);
            if d.join("postmaster.pid").exists() {
                let _ = self.command("pg_ctl").args(["-D", d.to_str().unwrap(), "-m", "immediate", "stop"]).output();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn report(period: &str, cumulative: u32) -> ProjectReportInput {
    ProjectReportInput {
        period: period.into(),
        status: "under_way".into(),
        progress_percent: serde_json::json!(40),
        investment_month_wan: serde_json::json!(5),
        investment_cumulative_wan: Some(serde_json::json!(cumulative)),
        benefits: String::new(),
        problems: String::new(),
        explanation: None,
        funding: None,
    }
}

/// Waits until the replica's data of the zone is the database's.
async fn caught_up(app: &App) {
    let replica = app.replica.clone().expect("a replica");
    let start = Instant::now();
    loop {
        let (p, r) = (app.store.data_versions(ZONE).await.unwrap(), replica.data_versions(ZONE).await);
        if r.is_ok_and(|r| r == p) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the replica did not catch up in 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn views_are_read_from_a_streaming_replica_that_has_caught_up() {
    let Some(bin) = pg_bin() else {
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "CI=true and no PostgreSQL server programs under /usr/lib/postgresql");
        eprintln!("SKIPPED: no PostgreSQL server programs (initdb, pg_basebackup) under /usr/lib/postgresql");
        return;
    };
    let as_root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let dir = std::env::temp_dir().join(format!("ecociv-replica-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    if as_root {
        assert!(Command::new("chown").arg("postgres").arg(&dir).status().unwrap().success());
    }
    let clusters = Clusters { bin, dir: dir.clone(), as_root };
    let (primary, standby) = (dir.join("primary"), dir.join("standby"));
    let (p_port, s_port) = (free_port(), free_port());
    clusters.run("initdb", &["-D", primary.to_str().unwrap(), "-U", "postgres", "-A", "trust", "--no-sync"]);
    // the default configuration streams to replicas already (wal_level replica, 10 senders, and
    // replication connections trusted on loopback after initdb -A trust)
    clusters.start(&primary, p_port);
    clusters.run("pg_basebackup", &["-h", "127.0.0.1", "-p", &p_port.to_string(), "-U", "postgres", "-D", standby.to_str().unwrap(), "-R", "-X", "stream"]);
    clusters.start(&standby, s_port);

    let admin = format!("postgres://postgres@127.0.0.1:{p_port}/postgres");
    let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::query("CREATE DATABASE ecociv").execute(&mut c).await.unwrap();
    c.close().await.ok();
    let url = format!("postgres://postgres@127.0.0.1:{p_port}/ecociv");
    let replica_url = format!("postgres://postgres@127.0.0.1:{s_port}/ecociv");

    let store = ecociv_app::zones::open(&url).await.unwrap();
    let mut app = App::new(store, Some("2024-06-15".parse().unwrap()), ZONE);
    ecociv_app::zones::load_plan(app.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    // the replica: read-only, refused for a SQLite database, and answering once it has the schema
    let refused = ecociv_app::zones::open_replica("sqlite://x.db", &replica_url).await.err().expect("refused");
    assert_eq!(refused.code, "replica_not_postgres");
    let start = Instant::now();
    let replica = loop {
        match ecociv_app::zones::open_replica(&url, &replica_url).await {
            Ok(r) => break r,
            Err(e) => assert!(start.elapsed() < Duration::from_secs(30), "the replica never answered: {e:?}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let e = replica.take_lease("x", "y", "2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z").await.unwrap_err();
    assert!(e.to_string().contains("read-only"), "the replica takes no write: {e}");
    app.replica = Some(replica);
    let plan = app.plan(None).await.unwrap();
    let zj = Actor { name: "zj".into(), zone: ZONE.into(), org_unit: "市住建局".into(), role: Role::Department, parent: None };
    let month: YearMonth = "2024-05".parse().unwrap();

    // caught up: the view is read from the replica
    caught_up(&app).await;
    let view = ecociv_app::standings::project_reports(&app, &plan, month).await.unwrap();
    assert!(view.in_month.is_empty());
    assert_eq!((app.replica_reads.replica.load(Relaxed), app.replica_reads.primary.load(Relaxed)), (1, 0));

    // the replica's replay paused: a write is seen at once all the same, read from the database
    let mut standby_admin = sqlx::PgConnection::connect(&format!("postgres://postgres@127.0.0.1:{s_port}/postgres")).await.unwrap();
    sqlx::query("SELECT pg_wal_replay_pause()").execute(&mut standby_admin).await.unwrap();
    let stored = submit_project_report(&app, &zj, 12, &report("2024-05", 5)).await.unwrap();
    let view = ecociv_app::standings::project_reports(&app, &plan, month).await.unwrap();
    assert_eq!(view.in_month.get(&12).map(|d| d.id), Some(stored.id), "the page after a write shows it");
    assert_eq!((app.replica_reads.replica.load(Relaxed), app.replica_reads.primary.load(Relaxed)), (1, 1));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_ne!(app.replica.as_ref().unwrap().data_versions(ZONE).await.unwrap(), app.store.data_versions(ZONE).await.unwrap(), "replay is paused");

    // replay resumed: the replica catches up and serves the next view, with the write in it
    sqlx::query("SELECT pg_wal_replay_resume()").execute(&mut standby_admin).await.unwrap();
    standby_admin.close().await.ok();
    caught_up(&app).await;
    let standings = ecociv_app::standings::project_progress(&app, &plan).await.unwrap();
    assert!(!standings.is_empty());
    let view = ecociv_app::standings::project_reports(&app, &plan, "2024-06".parse().unwrap()).await.unwrap();
    assert_eq!(view.latest.get(&12).map(|d| d.id), Some(stored.id), "the replica has the write");
    assert_eq!(app.replica_reads.primary.load(Relaxed), 1, "both read from the replica");
    assert!(app.replica_reads.replica.load(Relaxed) >= 2);
    // how far behind the replica runs: a write, then the time until it is there
    let start = Instant::now();
    submit_project_report(&app, &zj, 12, &report("2024-06", 10)).await.unwrap();
    caught_up(&app).await;
    eprintln!("the replica had a write {:.1} ms after it was committed (with the commit)", start.elapsed().as_secs_f64() * 1000.0);
    app.store.close().await;
    app.replica.as_ref().unwrap().close().await;
    drop(clusters);
}
