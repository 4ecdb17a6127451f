//! Reminders as kept: where they go (each user's contact, each unit's group robot and head) and
//! when (the zone's settings), all on the audit trail; the sent log, where a reminder is claimed
//! for a recipient before it is sent (the claim is a row with a unique key, so a second
//! instance, or the same one after a restart, finds it taken and sends nothing), then marked
//! sent or failed (a failed one may be claimed again, [`MAX_ATTEMPTS`] times in all); and the
//! named leases that let one scheduler run at a time, taken over only once lapsed.

use async_trait::async_trait;
use ecociv_core::contact::{Channel, UnitContact, UserContact};
use ecociv_core::reminder::{ReminderSettingsRecord, Robot};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{PgStore, Result, SqliteStore, StoreError};
use crate::trail::{append_event, begin_write, event};

/// How many times in all a message is tried before it is left failed.
pub const MAX_ATTEMPTS: i64 = 3;

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
    /// The owed items it named, one a line (`project 12 2024-05`); empty for a digest.
    pub items: String,
    pub body: String,
    /// `claimed` (being sent), `sent`, `failed` (refused or never handed over: tried again) or
    /// `unknown` (no answer once handed over: perhaps arrived, not tried again).
    pub status: String,
    /// How many times it was tried.
    pub attempts: i64,
    /// Why it failed.
    pub detail: String,
    pub claimed_at: String,
    pub finished_at: String,
}

#[async_trait]
pub trait ReminderStore: Send + Sync {
    /// Claims a reminder for a recipient: true when this call made the claim, false when it
    /// was claimed before (by anyone, ever) and did not fail, or failed [`MAX_ATTEMPTS`] times.
    async fn claim_reminder(&self, r: &ReminderLogRecord) -> Result<bool>;
    /// Marks a claimed reminder sent or failed, with why.
    async fn finish_reminder(&self, zone: &str, key: &str, recipient: &str, status: &str, detail: &str, at: &str) -> Result<()>;
    /// The zone's log, the newest first.
    async fn reminder_log(&self, zone: &str) -> Result<Vec<ReminderLogRecord>>;
    /// Takes or renews the lease `name` for `holder` until `until` (RFC 3339, UTC) when it is
    /// free, lapsed by `now`, or already the holder's; true when the holder has it.
    async fn take_lease(&self, name: &str, holder: &str, now: &str, until: &str) -> Result<bool>;
    /// Gives back the lease `name` when `holder` has it.
    async fn release_lease(&self, name: &str, holder: &str) -> Result<()>;
    /// The contacts of a zone's users.
    async fn user_contacts(&self, zone: &str) -> Result<Vec<UserContact>>;
    async fn set_user_contact(&self, c: &UserContact, actor: &str) -> Result<()>;
    /// The robots and heads of a zone's units.
    async fn unit_contacts(&self, zone: &str) -> Result<Vec<UnitContact>>;
    async fn set_unit_contact(&self, c: &UnitContact, actor: &str) -> Result<()>;
    /// A zone's reminder settings, when it set its own.
    async fn reminder_settings(&self, zone: &str) -> Result<Option<ReminderSettingsRecord>>;
    async fn set_reminder_settings(&self, r: &ReminderSettingsRecord, actor: &str) -> Result<()>;
}

type Row = (String, String, String, String, String, String, String, String, String, String, i64, String, String);

macro_rules! reminders_impl {
    ($store:ident) => {
        #[async_trait]
        impl ReminderStore for $store {
            async fn claim_reminder(&self, r: &ReminderLogRecord) -> Result<bool> {
                // one statement: of two claims at once, one inserts (or takes a failed row back)
                // and the other changes nothing
                let done = sqlx::query(
                    "INSERT INTO reminder_log (zone_code, reminder_key, recipient, org_unit, channel, stage, body, status, detail, claimed_at, finished_at, attempts, items)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'claimed', '', $8, '', 1, $10) ON CONFLICT (zone_code, reminder_key, recipient) DO UPDATE
                     SET status = 'claimed', detail = '', body = excluded.body, claimed_at = excluded.claimed_at, finished_at = '', attempts = reminder_log.attempts + 1
                     WHERE reminder_log.status = 'failed' AND reminder_log.attempts < $9",
                )
                .bind(&r.zone)
                .bind(&r.key)
                .bind(&r.recipient)
                .bind(&r.org_unit)
                .bind(&r.channel)
                .bind(&r.stage)
                .bind(&r.body)
                .bind(&r.claimed_at)
                .bind(MAX_ATTEMPTS)
                .bind(&r.items)
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
                    "SELECT zone_code, reminder_key, recipient, org_unit, channel, stage, items, body, status, detail, attempts, claimed_at, finished_at
                     FROM reminder_log WHERE zone_code = $1 ORDER BY claimed_at DESC, reminder_key, recipient",
                )
                .bind(zone)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(zone, key, recipient, org_unit, channel, stage, items, body, status, detail, attempts, claimed_at, finished_at)| ReminderLogRecord {
                        zone,
                        key,
                        recipient,
                        org_unit,
                        channel,
                        stage,
                        items,
                        body,
                        status,
                        detail,
                        attempts,
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

            async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
                sqlx::query("DELETE FROM scheduler_leases WHERE name = $1 AND holder = $2").bind(name).bind(holder).execute(&self.pool).await?;
                Ok(())
            }

            async fn user_contacts(&self, zone: &str) -> Result<Vec<UserContact>> {
                let rows: Vec<(String, String, String, String, String, String)> =
                    sqlx::query_as("SELECT zone_code, user_name, email, mobile, channel, updated_at FROM user_contacts WHERE zone_code = $1 ORDER BY user_name")
                        .bind(zone)
                        .fetch_all(&self.pool)
                        .await?;
                rows.into_iter()
                    .map(|(zone, user, email, mobile, channel, updated_at)| {
                        let channel = Channel::parse(&channel).ok_or_else(|| StoreError::Corrupt(format!("contact channel {channel:?}")))?;
                        Ok(UserContact { zone, user, email, mobile, channel, updated_at })
                    })
                    .collect()
            }

            async fn set_user_contact(&self, c: &UserContact, actor: &str) -> Result<()> {
                let before = self.user_contacts(&c.zone).await?.into_iter().find(|x| x.user == c.user).map(|x| x.state_json()).unwrap_or_default();
                let mut tx = begin_write!(self, &c.zone);
                sqlx::query(
                    "INSERT INTO user_contacts (zone_code, user_name, email, mobile, channel, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (zone_code, user_name) DO UPDATE SET email = excluded.email, mobile = excluded.mobile, channel = excluded.channel,
                     updated_at = excluded.updated_at",
                )
                .bind(&c.zone)
                .bind(&c.user)
                .bind(&c.email)
                .bind(&c.mobile)
                .bind(c.channel.code())
                .bind(&c.updated_at)
                .execute(&mut *tx)
                .await?;
                append_event!(tx, event(&c.zone, actor, "contact.updated", "user_contact", &c.user, &before, &c.state_json(), ""));
                tx.commit().await?;
                Ok(())
            }

            async fn unit_contacts(&self, zone: &str) -> Result<Vec<UnitContact>> {
                let rows: Vec<(String, String, String, String, String, String, String, String)> = sqlx::query_as(
                    "SELECT zone_code, org_unit, robot, webhook, secret, head, updated_by, updated_at FROM unit_contacts WHERE zone_code = $1 ORDER BY org_unit",
                )
                .bind(zone)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(zone, org_unit, robot, webhook, secret, head, updated_by, updated_at)| {
                        let robot = match robot.as_str() {
                            "" => None,
                            r => Some(Robot::parse(r).ok_or_else(|| StoreError::Corrupt(format!("unit robot {r:?}")))?),
                        };
                        Ok(UnitContact { zone, org_unit, robot, webhook, secret, head, updated_by, updated_at })
                    })
                    .collect()
            }

            async fn set_unit_contact(&self, c: &UnitContact, actor: &str) -> Result<()> {
                let before = self.unit_contacts(&c.zone).await?.into_iter().find(|x| x.org_unit == c.org_unit).map(|x| x.state_json()).unwrap_or_default();
                let mut tx = begin_write!(self, &c.zone);
                sqlx::query(
                    "INSERT INTO unit_contacts (zone_code, org_unit, robot, webhook, secret, head, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (zone_code, org_unit) DO UPDATE SET robot = excluded.robot, webhook = excluded.webhook, secret = excluded.secret,
                     head = excluded.head, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(&c.zone)
                .bind(&c.org_unit)
                .bind(c.robot.map(Robot::code).unwrap_or_default())
                .bind(&c.webhook)
                .bind(&c.secret)
                .bind(&c.head)
                .bind(&c.updated_by)
                .bind(&c.updated_at)
                .execute(&mut *tx)
                .await?;
                append_event!(tx, event(&c.zone, actor, "unit_contact.updated", "unit_contact", &c.org_unit, &before, &c.state_json(), ""));
                tx.commit().await?;
                Ok(())
            }

            async fn reminder_settings(&self, zone: &str) -> Result<Option<ReminderSettingsRecord>> {
                let row: Option<(String, i64, i64, i64, String, String)> = sqlx::query_as(
                    "SELECT zone_code, days_before, escalate_after, digest_weekday, updated_by, updated_at FROM reminder_settings WHERE zone_code = $1",
                )
                .bind(zone)
                .fetch_optional(&self.pool)
                .await?;
                let n = |v: i64| u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("reminder setting {v}")));
                row.map(|(zone, before, after, weekday, updated_by, updated_at)| {
                    Ok(ReminderSettingsRecord { zone, days_before: n(before)?, escalate_after: n(after)?, digest_weekday: n(weekday)?, updated_by, updated_at })
                })
                .transpose()
            }

            async fn set_reminder_settings(&self, r: &ReminderSettingsRecord, actor: &str) -> Result<()> {
                let before = self.reminder_settings(&r.zone).await?.map(|x| x.state_json()).unwrap_or_default();
                let mut tx = begin_write!(self, &r.zone);
                sqlx::query(
                    "INSERT INTO reminder_settings (zone_code, days_before, escalate_after, digest_weekday, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (zone_code) DO UPDATE SET days_before = excluded.days_before, escalate_after = excluded.escalate_after,
                     digest_weekday = excluded.digest_weekday, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(&r.zone)
                .bind(i64::from(r.days_before))
                .bind(i64::from(r.escalate_after))
                .bind(i64::from(r.digest_weekday))
                .bind(&r.updated_by)
                .bind(&r.updated_at)
                .execute(&mut *tx)
                .await?;
                append_event!(tx, event(&r.zone, actor, "reminder_settings.updated", "reminder_settings", &r.zone, &before, &r.state_json(), ""));
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

reminders_impl!(SqliteStore);
reminders_impl!(PgStore);
