//! The reminders' sent log and the schedulers' leases: a reminder is claimed for a recipient
//! before it is sent (the claim is a row with a unique key, so a second instance, or the same
//! one after a restart, finds it taken and sends nothing), then marked sent or failed; and a
//! named lease lets one scheduler run at a time, taken over only once it has lapsed.

use async_trait::async_trait;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{PgStore, Result, SqliteStore};

/// One reminder to one recipient, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReminderLogRecord {
    pub zone: String,
    /// The reminder's key (`unit|stage|due`, `digest|2024-W23`).
    pub key: String,
    /// Who or where it goes: a user's mail address, a unit's robot.
    pub recipient: String,
    pub org_unit: String,
    /// `mail`, `wecom` or `dingtalk`.
    pub channel: String,
    pub stage: String,
    pub body: String,
    /// `claimed` (being sent), `sent` or `failed`.
    pub status: String,
    /// Why it failed.
    pub detail: String,
    pub claimed_at: String,
    pub finished_at: String,
}

#[async_trait]
pub trait ReminderStore: Send + Sync {
    /// Claims a reminder for a recipient: true when this call made the claim, false when it
    /// was claimed before (by anyone, ever).
    async fn claim_reminder(&self, r: &ReminderLogRecord) -> Result<bool>;
    /// Marks a claimed reminder sent or failed, with why.
    async fn finish_reminder(&self, zone: &str, key: &str, recipient: &str, status: &str, detail: &str, at: &str) -> Result<()>;
    /// The zone's log, the newest first.
    async fn reminder_log(&self, zone: &str) -> Result<Vec<ReminderLogRecord>>;
    /// Takes or renews the lease `name` for `holder` until `until` (RFC 3339, UTC) when it is
    /// free, lapsed by `now`, or already the holder's; true when the holder has it.
    async fn take_lease(&self, name: &str, holder: &str, now: &str, until: &str) -> Result<bool>;
}

type Row = (String, String, String, String, String, String, String, String, String, String, String);

macro_rules! reminders_impl {
    ($store:ident) => {
        #[async_trait]
        impl ReminderStore for $store {
            async fn claim_reminder(&self, r: &ReminderLogRecord) -> Result<bool> {
                let done = sqlx::query(
                    "INSERT INTO reminder_log (zone_code, reminder_key, recipient, org_unit, channel, stage, body, status, detail, claimed_at, finished_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'claimed', '', $8, '') ON CONFLICT (zone_code, reminder_key, recipient) DO NOTHING",
                )
                .bind(&r.zone)
                .bind(&r.key)
                .bind(&r.recipient)
                .bind(&r.org_unit)
                .bind(&r.channel)
                .bind(&r.stage)
                .bind(&r.body)
                .bind(&r.claimed_at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn finish_reminder(&self, zone: &str, key: &str, recipient: &str, status: &str, detail: &str, at: &str) -> Result<()> {
                sqlx::query("UPDATE reminder_log SET status = $4, detail = $5, finished_at = $6 WHERE zone_code = $1 AND reminder_key = $2 AND recipient = $3")
                    .bind(zone)
                    .bind(key)
                    .bind(recipient)
                    .bind(status)
                    .bind(detail)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn reminder_log(&self, zone: &str) -> Result<Vec<ReminderLogRecord>> {
                let rows: Vec<Row> = sqlx::query_as(
                    "SELECT zone_code, reminder_key, recipient, org_unit, channel, stage, body, status, detail, claimed_at, finished_at
                     FROM reminder_log WHERE zone_code = $1 ORDER BY claimed_at DESC, reminder_key, recipient",
                )
                .bind(zone)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(zone, key, recipient, org_unit, channel, stage, body, status, detail, claimed_at, finished_at)| ReminderLogRecord {
                        zone,
                        key,
                        recipient,
                        org_unit,
                        channel,
                        stage,
                        body,
                        status,
                        detail,
                        claimed_at,
                        finished_at,
                    })
                    .collect())
            }

            async fn take_lease(&self, name: &str, holder: &str, now: &str, until: &str) -> Result<bool> {
                // one statement: of two schedulers racing for a lapsed lease, one updates it
                // and the other finds it taken
                let done = sqlx::query(
                    "INSERT INTO scheduler_leases (name, holder, until_at) VALUES ($1, $2, $4)
                     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_at = excluded.until_at
                     WHERE scheduler_leases.holder = excluded.holder OR scheduler_leases.until_at < $3",
                )
                .bind(name)
                .bind(holder)
                .bind(now)
                .bind(until)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

reminders_impl!(SqliteStore);
reminders_impl!(PgStore);
