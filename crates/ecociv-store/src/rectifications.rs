//! Rectification tasks (整改任务) as kept: entered or changed all together or not at all (an
//! import), each change from the version read (a change by someone else meanwhile is a
//! conflict), every version on the audit trail. Their monthly reports are dispatch reports.

use async_trait::async_trait;
use ecociv_core::rectification::{Rectification, Status};

use crate::db::{PgStore, Result, SqliteStore, StoreError};
use crate::trail::{append_event, begin_write, event};

/// One write of [`RectificationStore::save_rectifications`]: a new task (`before` None) or a
/// change of the stored `before`.
#[derive(Debug, Clone, PartialEq)]
pub struct RectificationWrite {
    pub before: Option<Rectification>,
    pub after: Rectification,
}

#[async_trait]
pub trait RectificationStore: Send + Sync {
    /// Stores every write or none (one transaction); returns the tasks as stored. A number
    /// taken, or a version that moved, is a conflict and rolls all of it back.
    async fn save_rectifications(&self, zone: &str, writes: &[RectificationWrite], actor: &str) -> Result<Vec<Rectification>>;
    /// The zone's tasks by number.
    async fn rectifications(&self, zone: &str) -> Result<Vec<Rectification>>;
}

type Row = (i64, String, i64, String, String, String, String, String, String, String, String, String, i64);

fn from_row(r: Row) -> Result<Rectification> {
    let (id, zone, number, source, problem, owner, deadline, measures, status, entered_at, updated_by, updated_at, version) = r;
    Ok(Rectification {
        id,
        zone,
        number: u32::try_from(number).map_err(|_| StoreError::Corrupt(format!("rectification number {number}")))?,
        source,
        problem,
        owner,
        deadline,
        measures,
        status: Status::parse(&status).filter(|s| s.code() == status).ok_or_else(|| StoreError::Corrupt(format!("rectification status {status:?}")))?,
        entered_at,
        updated_by,
        updated_at,
        version,
    })
}

fn conflict(e: sqlx::Error, number: u32) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(format!("rectification {number} exists")),
        _ => e.into(),
    }
}

macro_rules! rectification_impl {
    ($store:ident) => {
        #[async_trait]
        impl RectificationStore for $store {
            async fn save_rectifications(&self, zone: &str, writes: &[RectificationWrite], actor: &str) -> Result<Vec<Rectification>> {
                let mut tx = begin_write!(self, zone);
                let mut out = Vec::with_capacity(writes.len());
                for w in writes {
                    let a = &w.after;
                    let stored = match &w.before {
                        None => {
                            let (id,): (i64,) = sqlx::query_as(
                                "INSERT INTO rectifications (zone_code, number, source, problem, owner, deadline, measures, status, entered_at, updated_by, updated_at, version)
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1) RETURNING id",
                            )
                            .bind(zone)
                            .bind(i64::from(a.number))
                            .bind(&a.source)
                            .bind(&a.problem)
                            .bind(&a.owner)
                            .bind(&a.deadline)
                            .bind(&a.measures)
                            .bind(a.status.code())
                            .bind(&a.entered_at)
                            .bind(&a.updated_by)
                            .bind(&a.updated_at)
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(|e| conflict(e, a.number))?;
                            let stored = Rectification { id, zone: zone.into(), version: 1, ..a.clone() };
                            append_event!(tx, event(zone, actor, "rectification.entered", "rectification", &id.to_string(), "", &stored.state_json(), ""));
                            stored
                        }
                        Some(b) => {
                            // entered once: a change keeps when the task was entered
                            let stored = Rectification { id: b.id, zone: zone.into(), version: b.version + 1, entered_at: b.entered_at.clone(), ..a.clone() };
                            let done = sqlx::query(
                                "UPDATE rectifications SET number = $4, source = $5, problem = $6, owner = $7, deadline = $8, measures = $9, status = $10,
                                 updated_by = $11, updated_at = $12, version = $13 WHERE id = $1 AND zone_code = $2 AND version = $3",
                            )
                            .bind(b.id)
                            .bind(zone)
                            .bind(b.version)
                            .bind(i64::from(stored.number))
                            .bind(&stored.source)
                            .bind(&stored.problem)
                            .bind(&stored.owner)
                            .bind(&stored.deadline)
                            .bind(&stored.measures)
                            .bind(stored.status.code())
                            .bind(&stored.updated_by)
                            .bind(&stored.updated_at)
                            .bind(stored.version)
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| conflict(e, stored.number))?;
                            if done.rows_affected() != 1 {
                                return Err(StoreError::Conflict(format!("rectification {} changed meanwhile", b.number)));
                            }
                            append_event!(
                                tx,
                                event(zone, actor, "rectification.changed", "rectification", &b.id.to_string(), &b.state_json(), &stored.state_json(), "")
                            );
                            stored
                        }
                    };
                    out.push(stored);
                }
                tx.commit().await?;
                Ok(out)
            }

            async fn rectifications(&self, zone: &str) -> Result<Vec<Rectification>> {
                let rows: Vec<Row> = sqlx::query_as(
                    "SELECT id, zone_code, number, source, problem, owner, deadline, measures, status, entered_at, updated_by, updated_at, version
                     FROM rectifications WHERE zone_code = $1 ORDER BY number",
                )
                .bind(zone)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(from_row).collect()
            }
        }
    };
}

rectification_impl!(SqliteStore);
rectification_impl!(PgStore);
