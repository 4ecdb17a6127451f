//! Supervision orders (督查督办) as kept: issued, and changed only from the version read (a
//! change by someone else meanwhile is a conflict); every version on the audit trail.

use async_trait::async_trait;
use ecociv_core::supervision::{OrderState, SubjectKind, SupervisionOrder};

use crate::db::{PgStore, Result, SqliteStore, StoreError};
use crate::trail::{append_event, begin_write, event};

#[async_trait]
pub trait SupervisionStore: Send + Sync {
    /// Stores a new order (its id is given here) and returns it.
    async fn issue_order(&self, o: &SupervisionOrder, actor: &str) -> Result<SupervisionOrder>;
    /// Changes an order from `before` (whose version must still be the stored one) to `after`,
    /// recorded as `action` with `reason`; returns it with its new version.
    async fn update_order(&self, before: &SupervisionOrder, after: &SupervisionOrder, action: &str, actor: &str, reason: &str) -> Result<SupervisionOrder>;
    async fn order(&self, zone: &str, id: i64) -> Result<Option<SupervisionOrder>>;
    /// Every order of a zone, the newest first.
    async fn orders(&self, zone: &str) -> Result<Vec<SupervisionOrder>>;
}

const COLS: &str = "id, zone_code, org_unit, subject_kind, subject, matter, required, deadline, state, issued_by, issued_at, answer, answered_by, \
     answered_at, decided_by, decided_at, reason, version";

macro_rules! order_from_row {
    ($r:expr) => {{
        use sqlx::Row;
        let kind: String = $r.try_get("subject_kind")?;
        let state: String = $r.try_get("state")?;
        SupervisionOrder {
            id: $r.try_get("id")?,
            zone: $r.try_get("zone_code")?,
            org_unit: $r.try_get("org_unit")?,
            subject_kind: SubjectKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("order subject kind {kind:?}")))?,
            subject: $r.try_get("subject")?,
            matter: $r.try_get("matter")?,
            required: $r.try_get("required")?,
            deadline: $r.try_get("deadline")?,
            state: order_state(&state)?,
            issued_by: $r.try_get("issued_by")?,
            issued_at: $r.try_get("issued_at")?,
            answer: $r.try_get("answer")?,
            answered_by: $r.try_get("answered_by")?,
            answered_at: $r.try_get("answered_at")?,
            decided_by: $r.try_get("decided_by")?,
            decided_at: $r.try_get("decided_at")?,
            reason: $r.try_get("reason")?,
            version: $r.try_get("version")?,
        }
    }};
}

fn order_state(s: &str) -> Result<OrderState> {
    OrderState::parse(s).ok_or_else(|| StoreError::Corrupt(format!("order state {s:?}")))
}

macro_rules! supervision_impl {
    ($store:ident) => {
        #[async_trait]
        impl SupervisionStore for $store {
            async fn issue_order(&self, o: &SupervisionOrder, actor: &str) -> Result<SupervisionOrder> {
                let mut tx = begin_write!(self, &o.zone);
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO supervision_orders (zone_code, org_unit, subject_kind, subject, matter, required, deadline, state, issued_by, issued_at,
                     answer, answered_by, answered_at, decided_by, decided_at, reason, version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1) RETURNING id",
                )
                .bind(&o.zone)
                .bind(&o.org_unit)
                .bind(o.subject_kind.code())
                .bind(&o.subject)
                .bind(&o.matter)
                .bind(&o.required)
                .bind(&o.deadline)
                .bind(o.state.code())
                .bind(&o.issued_by)
                .bind(&o.issued_at)
                .bind(&o.answer)
                .bind(&o.answered_by)
                .bind(&o.answered_at)
                .bind(&o.decided_by)
                .bind(&o.decided_at)
                .bind(&o.reason)
                .fetch_one(&mut *tx)
                .await?;
                let stored = SupervisionOrder { id, version: 1, ..o.clone() };
                append_event!(tx, event(&o.zone, actor, "supervision_order.issued", "supervision_order", &id.to_string(), "", &stored.state_json(), ""));
                tx.commit().await?;
                Ok(stored)
            }

            async fn update_order(
                &self,
                before: &SupervisionOrder,
                after: &SupervisionOrder,
                action: &str,
                actor: &str,
                reason: &str,
            ) -> Result<SupervisionOrder> {
                let stored = SupervisionOrder { id: before.id, zone: before.zone.clone(), version: before.version + 1, ..after.clone() };
                let mut tx = begin_write!(self, &before.zone);
                let done = sqlx::query(
                    "UPDATE supervision_orders SET org_unit = $4, subject_kind = $5, subject = $6, matter = $7, required = $8, deadline = $9, state = $10,
                     issued_by = $11, issued_at = $12, answer = $13, answered_by = $14, answered_at = $15, decided_by = $16, decided_at = $17,
                     reason = $18, version = $19 WHERE id = $1 AND zone_code = $2 AND version = $3",
                )
                .bind(before.id)
                .bind(&before.zone)
                .bind(before.version)
                .bind(&stored.org_unit)
                .bind(stored.subject_kind.code())
                .bind(&stored.subject)
                .bind(&stored.matter)
                .bind(&stored.required)
                .bind(&stored.deadline)
                .bind(stored.state.code())
                .bind(&stored.issued_by)
                .bind(&stored.issued_at)
                .bind(&stored.answer)
                .bind(&stored.answered_by)
                .bind(&stored.answered_at)
                .bind(&stored.decided_by)
                .bind(&stored.decided_at)
                .bind(&stored.reason)
                .bind(stored.version)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict(format!("supervision order {} changed meanwhile", before.id)));
                }
                append_event!(
                    tx,
                    event(&before.zone, actor, action, "supervision_order", &before.id.to_string(), &before.state_json(), &stored.state_json(), reason)
                );
                tx.commit().await?;
                Ok(stored)
            }

            async fn order(&self, zone: &str, id: i64) -> Result<Option<SupervisionOrder>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM supervision_orders WHERE zone_code = $1 AND id = $2")))
                    .bind(zone)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some(r) => Some(order_from_row!(r)),
                    None => None,
                })
            }

            async fn orders(&self, zone: &str) -> Result<Vec<SupervisionOrder>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM supervision_orders WHERE zone_code = $1 ORDER BY id DESC")))
                    .bind(zone)
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(order_from_row!(r));
                }
                Ok(out)
            }
        }
    };
}

supervision_impl!(SqliteStore);
supervision_impl!(PgStore);
