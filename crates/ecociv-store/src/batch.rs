//! New dispatch reports of a batch (an import) with their trail events ([`DispatchRun`]): on
//! PostgreSQL in statements of many rows; on SQLite through the library's own prepared
//! statements: one INSERT for the report and one for its trail event, each prepared
//! once and bound and stepped per row, inside the transaction the batch already holds. sqlx's
//! driver runs every statement on a worker thread and copies every argument; for a batch of
//! 100,000 rows that hop costs more than SQLite itself. sqlx lends the connection's raw handle
//! for this ([`sqlx::sqlite::SqliteConnection::lock_handle`]), its worker waiting meanwhile.
//!
//! What is stored is exactly what the multi-row statements of PostgreSQL store (the same
//! columns, the same events chained the same way); a report whose key exists is a `Conflict`.

use std::collections::HashMap;
use std::ffi::{CStr, CString, c_int};
use std::ptr::NonNull;

use async_trait::async_trait;
use ecociv_core::record::DispatchRecord;
use ecociv_core::trail::TrailEvent;
use libsqlite3_sys as ffi;

use crate::db::{Result, StoreError, conflict_on_unique};
use crate::trail::{chain, event, insert_events};

/// How the new dispatch reports of a batch reach the database with their trail events,
/// chained after the cursor `head` (see `trail::append_event!`): on PostgreSQL in statements of
/// many rows, on SQLite through the library's own prepared statements (`insert_dispatch_run`).
#[async_trait]
pub(crate) trait DispatchRun: sqlx::Database {
    async fn insert_dispatch_run(conn: &mut Self::Connection, rows: &[&DispatchRecord], actor: &str, head: &mut Option<Option<(i64, String)>>) -> Result<()>;
}

#[async_trait]
impl DispatchRun for sqlx::Postgres {
    async fn insert_dispatch_run(conn: &mut sqlx::PgConnection, rows: &[&DispatchRecord], actor: &str, head: &mut Option<Option<(i64, String)>>) -> Result<()> {
        let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(
            "INSERT INTO dispatch_reports (zone_code, kind, subject, period, status, progress_percent, investment_month_wan, \
             investment_cumulative_wan, progress, quantities, benefits, problems, explanation, state, late, submitted_by, submitted_at, \
             decided_by, decided_at, reason, org_unit, funding, version) ",
        );
        qb.push_values(rows.iter(), |mut b, d| {
            b.push_bind(&d.zone)
                .push_bind(&d.kind)
                .push_bind(d.subject)
                .push_bind(&d.period)
                .push_bind(&d.status)
                .push_bind(&d.progress_percent)
                .push_bind(&d.investment_month_wan)
                .push_bind(&d.investment_cumulative_wan)
                .push_bind(&d.progress)
                .push_bind(&d.quantities)
                .push_bind(&d.benefits)
                .push_bind(&d.problems)
                .push_bind(&d.explanation)
                .push_bind(d.state.code())
                .push_bind(d.late)
                .push_bind(&d.submitted_by)
                .push_bind(&d.submitted_at)
                .push_bind(&d.decided_by)
                .push_bind(&d.decided_at)
                .push_bind(&d.reason)
                .push_bind(&d.org_unit)
                .push_bind(&d.funding)
                .push_bind(1_i64);
        });
        qb.push(" RETURNING id, kind, subject, org_unit, period");
        let got: Vec<(i64, String, i64, String, String)> = qb
            .build_query_as()
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| conflict_on_unique(e, "a dispatch report of the batch exists already for its month"))?;
        let ids: HashMap<(String, i64, String, String), i64> = got.into_iter().map(|(id, k, s, o, p)| ((k, s, o, p), id)).collect();
        let mut events = Vec::with_capacity(rows.len());
        for d in rows {
            let id = ids
                .get(&(d.kind.clone(), d.subject, d.org_unit.clone(), d.period.clone()))
                .copied()
                .ok_or_else(|| StoreError::Corrupt("a batch row without its id".into()))?;
            let stored = DispatchRecord { id, version: 1, ..(*d).clone() };
            events.push(event(&d.zone, actor, "dispatch_report.submitted", "dispatch_report", &id.to_string(), "", &stored.state_json(), ""));
        }
        let mut cursor = head.take();
        insert_events!(conn, sqlx::Postgres, events, cursor);
        *head = cursor;
        Ok(())
    }
}

#[async_trait]
impl DispatchRun for sqlx::Sqlite {
    async fn insert_dispatch_run(
        conn: &mut sqlx::SqliteConnection,
        rows: &[&DispatchRecord],
        actor: &str,
        head: &mut Option<Option<(i64, String)>>,
    ) -> Result<()> {
        let Some(first) = rows.first() else { return Ok(()) };
        let last: Option<(i64, String)> = match head {
            Some(known) => known.clone(),
            None => {
                sqlx::query_as("SELECT seq, hash FROM trail WHERE zone_code = $1 ORDER BY seq DESC LIMIT 1")
                    .bind(&first.zone)
                    .fetch_optional(&mut *conn)
                    .await?
            }
        };
        let mut handle = conn.lock_handle().await?;
        let db = handle.as_raw_handle();
        let insert = || insert_dispatch_run(db, rows, actor, last);
        // the rows are bound on this thread; on a runtime of many threads its other tasks move on
        let after = match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
            Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(insert),
            _ => insert(),
        }?;
        *head = Some(after);
        Ok(())
    }
}

/// Inserts new dispatch reports and their chained trail events on the connection, which holds
/// the batch's write transaction; `last` is the zone's head before them, and the head after
/// them is returned. Blocking: the caller runs it where a blocking call may run.
///
/// The rows go first (each report's id is SQLite's); then, while this thread stores the events,
/// a second one makes them (each report's canonical JSON, the SM3 chain), one by one in order.
pub(crate) fn insert_dispatch_run(
    db: NonNull<ffi::sqlite3>,
    rows: &[&DispatchRecord],
    actor: &str,
    last: Option<(i64, String)>,
) -> Result<Option<(i64, String)>> {
    let report = Statement::prepare(
        db,
        "INSERT INTO dispatch_reports (zone_code, kind, subject, period, status, progress_percent, investment_month_wan, \
         investment_cumulative_wan, progress, quantities, benefits, problems, explanation, state, late, submitted_by, submitted_at, \
         decided_by, decided_at, reason, org_unit, funding, version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, 1)",
    )?;
    let mut ids = Vec::with_capacity(rows.len());
    for d in rows {
        report.text(1, &d.zone)?;
        report.text(2, &d.kind)?;
        report.int(3, d.subject)?;
        report.text(4, &d.period)?;
        for (i, t) in [
            &d.status,
            &d.progress_percent,
            &d.investment_month_wan,
            &d.investment_cumulative_wan,
            &d.progress,
            &d.quantities,
            &d.benefits,
            &d.problems,
            &d.explanation,
        ]
        .into_iter()
        .enumerate()
        {
            report.text(5 + i, t)?;
        }
        report.text(14, d.state.code())?;
        report.int(15, i64::from(d.late))?;
        for (i, t) in [&d.submitted_by, &d.submitted_at, &d.decided_by, &d.decided_at, &d.reason, &d.org_unit, &d.funding].into_iter().enumerate() {
            report.text(16 + i, t)?;
        }
        report.run(|| StoreError::Conflict("a dispatch report of the batch exists already for its month".into()))?;
        // SAFETY: `db` is the open connection lent by sqlx; the insert above set its rowid.
        ids.push(unsafe { ffi::sqlite3_last_insert_rowid(db.as_ptr()) });
    }
    let trail = Statement::prepare(
        db,
        "INSERT INTO trail (zone_code, seq, at, actor, action, entity, entity_id, before_state, after_state, reason, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    std::thread::scope(|scope| {
        // a bounded queue: the maker is never far ahead, and stops when the storing fails
        let (to_store, made) = std::sync::mpsc::sync_channel::<TrailEvent>(256);
        let maker = scope.spawn(move || {
            let mut last = last;
            for (d, id) in rows.iter().zip(&ids) {
                let stored = DispatchRecord { id: *id, version: 1, ..(*d).clone() };
                let ev =
                    chain(event(&d.zone, actor, "dispatch_report.submitted", "dispatch_report", &id.to_string(), "", &stored.state_json(), ""), last.take());
                last = Some((ev.seq, ev.hash.clone()));
                if to_store.send(ev).is_err() {
                    break;
                }
            }
            last
        });
        let stored: Result<()> = made.iter().try_for_each(|ev| insert_event(&trail, &ev));
        // the queue closed (on a failure above): the maker stops at its next event
        drop(made);
        let last = maker.join().map_err(|_| StoreError::Corrupt("the trail's events could not be made".into()))?;
        stored.map(|()| last)
    })
}

fn insert_event(s: &Statement, ev: &TrailEvent) -> Result<()> {
    s.text(1, &ev.zone)?;
    s.int(2, ev.seq)?;
    for (i, t) in [&ev.at, &ev.actor, &ev.action, &ev.entity, &ev.entity_id, &ev.before, &ev.after, &ev.reason, &ev.prev_hash, &ev.hash].into_iter().enumerate()
    {
        s.text(3 + i, t)?;
    }
    s.run(|| StoreError::Conflict(format!("the trail of zone {} has an event {} already", ev.zone, ev.seq)))
}

/// A prepared statement of the lent connection, finalized when dropped.
struct Statement {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
}

impl Statement {
    fn prepare(db: NonNull<ffi::sqlite3>, sql: &str) -> Result<Statement> {
        let c = CString::new(sql).map_err(|_| StoreError::Corrupt("a statement with a NUL byte".into()))?;
        let mut stmt = std::ptr::null_mut();
        // SAFETY: `db` is open; `c` outlives the call; `stmt` receives the new statement.
        let rc = unsafe { ffi::sqlite3_prepare_v2(db.as_ptr(), c.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) };
        match NonNull::new(stmt) {
            Some(stmt) if rc == ffi::SQLITE_OK => Ok(Statement { db, stmt }),
            _ => Err(failure(db, rc)),
        }
    }

    /// Binds text, copied by SQLite (so that nothing bound outlives the row's strings).
    fn text(&self, at: usize, value: &str) -> Result<()> {
        let len = c_int::try_from(value.len()).map_err(|_| StoreError::Corrupt(format!("a value of {} bytes", value.len())))?;
        // SAFETY: the statement is live; SQLITE_TRANSIENT makes SQLite copy the bytes now.
        let rc = unsafe { ffi::sqlite3_bind_text(self.stmt.as_ptr(), at as c_int, value.as_ptr().cast(), len, ffi::SQLITE_TRANSIENT()) };
        self.check(rc)
    }

    fn int(&self, at: usize, value: i64) -> Result<()> {
        // SAFETY: the statement is live.
        let rc = unsafe { ffi::sqlite3_bind_int64(self.stmt.as_ptr(), at as c_int, value) };
        self.check(rc)
    }

    /// Steps the statement to its end and resets it for the next row; a broken constraint is
    /// `conflict()`.
    fn run(&self, conflict: impl Fn() -> StoreError) -> Result<()> {
        // SAFETY: the statement is live and every parameter is bound.
        let rc = unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) };
        // SAFETY: as above; reset returns the step's error again, which is already in `rc`.
        unsafe { ffi::sqlite3_reset(self.stmt.as_ptr()) };
        match rc {
            ffi::SQLITE_DONE => Ok(()),
            // the extended code (`SQLITE_CONSTRAINT_UNIQUE`, …) has the primary code in its low byte
            rc if rc & 0xff == ffi::SQLITE_CONSTRAINT => {
                // SAFETY: the connection is open.
                let extended = unsafe { ffi::sqlite3_extended_errcode(self.db.as_ptr()) };
                if extended == ffi::SQLITE_CONSTRAINT_UNIQUE || extended == ffi::SQLITE_CONSTRAINT_PRIMARYKEY {
                    Err(conflict())
                } else {
                    Err(failure(self.db, rc))
                }
            }
            rc => Err(failure(self.db, rc)),
        }
    }

    fn check(&self, rc: c_int) -> Result<()> {
        if rc == ffi::SQLITE_OK { Ok(()) } else { Err(failure(self.db, rc)) }
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared on this connection and is finalized once.
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

/// SQLite's own message for a failed call.
fn failure(db: NonNull<ffi::sqlite3>, rc: c_int) -> StoreError {
    // SAFETY: the connection is open; the message is copied before any other call.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) }.to_string_lossy().into_owned();
    StoreError::Database(sqlx::Error::Protocol(format!("SQLite error {rc}: {message}")))
}
