//! The audit trail in the store: appending an event inside the transaction of the write it
//! records (the zone's row is locked first, so events of one zone are strictly sequential on
//! both databases), and reading it back. Checking the stored rows against the trail is in
//! `verify`, which reads every other part of the store; the trail depends on none of them.

use chrono::{SecondsFormat, Utc};
use ecociv_core::record::HeadSignature;
use ecociv_core::trail::TrailEvent;

use crate::db::{PgStore, Result, SqliteStore};

/// Now, as the trail writes it.
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A new event (not yet chained).
pub fn event(zone: &str, actor: &str, action: &str, entity: &str, entity_id: &str, before: &str, after: &str, reason: &str) -> TrailEvent {
    TrailEvent {
        zone: zone.into(),
        seq: 0,
        at: now(),
        actor: actor.into(),
        action: action.into(),
        entity: entity.into(),
        entity_id: entity_id.into(),
        before: before.into(),
        after: after.into(),
        reason: reason.into(),
        prev_hash: String::new(),
        hash: String::new(),
    }
}

/// Chains an event after the zone's last (seq, hash).
pub fn chain(ev: TrailEvent, last: Option<(i64, String)>) -> TrailEvent {
    let prev = last.map(|(seq, hash)| TrailEvent { seq, hash, ..ev.clone() });
    ev.chain_after(prev.as_ref())
}

/// Begins a write transaction of a store (`$store`) for a zone, so that the trail events of one
/// zone are appended one after another: on SQLite its turn in the write lane and the database's
/// write lock at once (`BEGIN IMMEDIATE`), on PostgreSQL the zone's row locked first.
macro_rules! begin_write {
    ($store:expr, $zone:expr) => {{ $store.write_tx(Some(AsRef::<str>::as_ref($zone))).await? }};
}

/// Begins a write transaction of a store that is not about one zone's trail.
macro_rules! begin_any {
    ($store:expr) => {{ $store.write_tx(None).await? }};
}
/// Begins a write transaction of a zone's entries and nothing else (see
/// [`crate::db::WriteTx::entries_only`]).
macro_rules! begin_entries {
    ($store:expr, $zone:expr) => {{ $store.write_tx(Some(AsRef::<str>::as_ref($zone))).await?.entries_only() }};
}
pub(crate) use begin_any;
pub(crate) use begin_entries;
pub(crate) use begin_write;

/// Appends a chained event inside the transaction. With a cursor `$head` (a batch: an
/// `Option<Option<(seq, hash)>>`, `None` until read), the chain's head is read once and kept
/// in memory, and the head row is left to [`write_head!`] at the end of the batch; alone, the
/// head is read and the head row written for this one event.
macro_rules! append_event {
    ($tx:expr, $ev:expr) => {{
        let mut head: Option<Option<(i64, String)>> = None;
        let ev = $crate::trail::append_event!($tx, $ev, head);
        $crate::trail::write_head!($tx, &ev.zone, head);
        if let Some(kind) = $crate::trail::data_kind(&ev.entity) {
            $crate::trail::bump_version!($tx, &ev.zone, kind);
        }
        ev
    }};
    ($tx:expr, $ev:expr, $head:ident) => {{
        let ev: ecociv_core::trail::TrailEvent = $ev;
        let last: Option<(i64, String)> = match &$head {
            Some(known) => known.clone(),
            None => {
                sqlx::query_as("SELECT seq, hash FROM trail WHERE zone_code = $1 ORDER BY seq DESC LIMIT 1").bind(&ev.zone).fetch_optional(&mut *$tx).await?
            }
        };
        let ev = $crate::trail::chain(ev, last);
        sqlx::query(
            "INSERT INTO trail (zone_code, seq, at, actor, action, entity, entity_id, before_state, after_state, reason, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&ev.zone)
        .bind(ev.seq)
        .bind(&ev.at)
        .bind(&ev.actor)
        .bind(&ev.action)
        .bind(&ev.entity)
        .bind(&ev.entity_id)
        .bind(&ev.before)
        .bind(&ev.after)
        .bind(&ev.reason)
        .bind(&ev.prev_hash)
        .bind(&ev.hash)
        .execute(&mut *$tx)
        .await?;
        $head = Some(Some((ev.seq, ev.hash.clone())));
        ev
    }};
}

/// Appends events of one zone, chained after the cursor `$head` (as [`append_event!`] does one
/// by one), in statements of many rows; the head row is left to [`write_head!`].
macro_rules! insert_events {
    ($tx:expr, $db:ty, $events:expr, $head:ident) => {{
        let events: Vec<ecociv_core::trail::TrailEvent> = $events;
        if let Some(first) = events.first() {
            let mut last: Option<(i64, String)> = match &$head {
                Some(known) => known.clone(),
                None => {
                    sqlx::query_as("SELECT seq, hash FROM trail WHERE zone_code = $1 ORDER BY seq DESC LIMIT 1")
                        .bind(&first.zone)
                        .fetch_optional(&mut *$tx)
                        .await?
                }
            };
            let mut chained = Vec::with_capacity(events.len());
            for ev in events {
                let ev = $crate::trail::chain(ev, last.take());
                last = Some((ev.seq, ev.hash.clone()));
                chained.push(ev);
            }
            $head = Some(last);
            for part in chained.chunks(1000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO trail (zone_code, seq, at, actor, action, entity, entity_id, before_state, after_state, reason, prev_hash, hash) ",
                );
                qb.push_values(part.iter(), |mut b, ev| {
                    b.push_bind(&ev.zone)
                        .push_bind(ev.seq)
                        .push_bind(&ev.at)
                        .push_bind(&ev.actor)
                        .push_bind(&ev.action)
                        .push_bind(&ev.entity)
                        .push_bind(&ev.entity_id)
                        .push_bind(&ev.before)
                        .push_bind(&ev.after)
                        .push_bind(&ev.reason)
                        .push_bind(&ev.prev_hash)
                        .push_bind(&ev.hash);
                });
                qb.build().execute(&mut *$tx).await?;
            }
        }
    }};
}

/// Writes the head row of a zone's chain from a cursor of [`append_event!`].
macro_rules! write_head {
    ($tx:expr, $zone:expr, $head:ident) => {{
        if let Some(Some((seq, hash))) = &$head {
            sqlx::query(
                "INSERT INTO trail_heads (zone_code, seq, hash) VALUES ($1, $2, $3) ON CONFLICT (zone_code) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            )
            .bind($zone)
            .bind(*seq)
            .bind(hash)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
/// Moves the zone's version of a kind of data (see [`data_kind`]) inside the transaction.
macro_rules! bump_version {
    ($tx:expr, $zone:expr, $kind:expr) => {{
        sqlx::query(
            "INSERT INTO data_versions (zone_code, kind, version) VALUES ($1, $2, 1)
             ON CONFLICT (zone_code, kind) DO UPDATE SET version = data_versions.version + 1",
        )
        .bind($zone)
        .bind($kind)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use append_event;
pub(crate) use bump_version;
pub(crate) use insert_events;
pub(crate) use write_head;

/// The kind of data a trail entity belongs to, whose version its writes move; `None` for
/// accounts, tokens and sign-ins, which change no view.
pub fn data_kind(entity: &str) -> Option<&'static str> {
    match entity {
        "observation" | "upper_target" => Some("observations"),
        "dispatch_report" => Some("dispatch"),
        "zone_settings" | "period" | "evidence" | "scoring_rules" | "assessment" | "veto" | "masthead" | "supervision_order" | "rectification" => {
            Some("controls")
        }
        "plan" => Some("plan"),
        _ => None,
    }
}

/// Appending to and reading the trail.
#[async_trait::async_trait]
pub trait TrailStore: Send + Sync {
    /// The zone's versions of each kind of data (one query; zero for a kind never written).
    async fn data_versions(&self, zone: &str) -> crate::Result<ecociv_core::record::DataVersions>;
    /// Appends one event on its own (a login, a failed login).
    async fn record(&self, ev: TrailEvent) -> Result<TrailEvent>;
    /// Every event of a zone, in order.
    async fn trail(&self, zone: &str) -> Result<Vec<TrailEvent>>;
    /// The events of one entity, in order.
    async fn trail_for(&self, zone: &str, entity: &str, entity_id: &str) -> Result<Vec<TrailEvent>>;
    /// The zones that have events.
    async fn trail_zones(&self) -> Result<Vec<String>>;
    /// The after-states of every event on the zone's observations and dispatch reports, as
    /// (entity, entity id, state), in order: the versions of its entries (one query).
    async fn entry_versions(&self, zone: &str) -> Result<Vec<(String, String, String)>>;
    /// `entity/id` of every entry the task force ever returned (one query).
    async fn returned_entries(&self, zone: &str) -> Result<Vec<String>>;
    /// The head of a zone's chain (seq, hash), as written with its last event: every write
    /// moves it.
    async fn head_of(&self, zone: &str) -> Result<Option<(i64, String)>>;
    /// The heads of every zone (zone, seq, hash) that no signature covers yet.
    async fn unsigned_heads(&self) -> Result<Vec<(String, i64, String)>>;
    /// Keeps a signature of a head (a second one of the same head changes nothing).
    async fn add_head_signature(&self, s: &HeadSignature) -> Result<()>;
    /// The signatures of a zone's heads, oldest first.
    async fn head_signatures(&self, zone: &str) -> Result<Vec<HeadSignature>>;
    /// The public keys that signed heads of any zone.
    async fn signing_keys(&self) -> Result<Vec<String>>;
}

const TRAIL_COLS: &str = "zone_code, seq, at, actor, action, entity, entity_id, before_state, after_state, reason, prev_hash, hash";

type TrailRow = (String, i64, String, String, String, String, String, String, String, String, String, String);

fn from_row(r: TrailRow) -> TrailEvent {
    let (zone, seq, at, actor, action, entity, entity_id, before, after, reason, prev_hash, hash) = r;
    TrailEvent { zone, seq, at, actor, action, entity, entity_id, before, after, reason, prev_hash, hash }
}

macro_rules! trail_impl {
    ($store:ident) => {
        #[async_trait::async_trait]
        impl TrailStore for $store {
            async fn record(&self, ev: TrailEvent) -> Result<TrailEvent> {
                let mut tx = begin_write!(self, &ev.zone);
                let ev = append_event!(tx, ev);
                tx.commit().await?;
                Ok(ev)
            }

            async fn trail(&self, zone: &str) -> Result<Vec<TrailEvent>> {
                let rows: Vec<TrailRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {TRAIL_COLS} FROM trail WHERE zone_code = $1 ORDER BY seq")))
                    .bind(zone)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(from_row).collect())
            }

            async fn trail_for(&self, zone: &str, entity: &str, entity_id: &str) -> Result<Vec<TrailEvent>> {
                let rows: Vec<TrailRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {TRAIL_COLS} FROM trail WHERE zone_code = $1 AND entity = $2 AND entity_id = $3 ORDER BY seq"
                )))
                .bind(zone)
                .bind(entity)
                .bind(entity_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(from_row).collect())
            }

            async fn entry_versions(&self, zone: &str) -> Result<Vec<(String, String, String)>> {
                Ok(sqlx::query_as(
                    "SELECT entity, entity_id, after_state FROM trail WHERE zone_code = $1 AND entity IN ('observation', 'dispatch_report') ORDER BY seq",
                )
                .bind(zone)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn returned_entries(&self, zone: &str) -> Result<Vec<String>> {
                let rows: Vec<(String, String)> = sqlx::query_as("SELECT entity, entity_id FROM trail WHERE zone_code = $1 AND action LIKE $2")
                    .bind(zone)
                    .bind("%.returned")
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(|(e, i)| format!("{e}/{i}")).collect())
            }

            async fn data_versions(&self, zone: &str) -> Result<ecociv_core::record::DataVersions> {
                let rows: Vec<(String, i64)> =
                    sqlx::query_as("SELECT kind, version FROM data_versions WHERE zone_code = $1").bind(zone).fetch_all(&self.pool).await?;
                let mut v = ecociv_core::record::DataVersions::default();
                for (kind, n) in rows {
                    match kind.as_str() {
                        "observations" => v.observations = n,
                        "dispatch" => v.dispatch = n,
                        "controls" => v.controls = n,
                        "plan" => v.plan = n,
                        _ => {}
                    }
                }
                Ok(v)
            }

            async fn head_of(&self, zone: &str) -> Result<Option<(i64, String)>> {
                Ok(sqlx::query_as("SELECT seq, hash FROM trail_heads WHERE zone_code = $1").bind(zone).fetch_optional(&self.pool).await?)
            }

            async fn unsigned_heads(&self) -> Result<Vec<(String, i64, String)>> {
                Ok(sqlx::query_as(
                    "SELECT h.zone_code, h.seq, h.hash FROM trail_heads h
                     LEFT JOIN trail_signatures s ON s.zone_code = h.zone_code AND s.seq = h.seq
                     WHERE s.seq IS NULL ORDER BY h.zone_code",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn add_head_signature(&self, s: &HeadSignature) -> Result<()> {
                let mut tx = begin_any!(self);
                sqlx::query(
                    "INSERT INTO trail_signatures (zone_code, seq, hash, signed_at, public_key, signature) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (zone_code, seq) DO NOTHING",
                )
                .bind(&s.zone)
                .bind(s.seq)
                .bind(&s.hash)
                .bind(&s.signed_at)
                .bind(&s.public_key)
                .bind(&s.signature)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn head_signatures(&self, zone: &str) -> Result<Vec<HeadSignature>> {
                let rows: Vec<(String, i64, String, String, String, String)> =
                    sqlx::query_as("SELECT zone_code, seq, hash, signed_at, public_key, signature FROM trail_signatures WHERE zone_code = $1 ORDER BY seq")
                        .bind(zone)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows
                    .into_iter()
                    .map(|(zone, seq, hash, signed_at, public_key, signature)| HeadSignature { zone, seq, hash, signed_at, public_key, signature })
                    .collect())
            }

            async fn signing_keys(&self) -> Result<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT public_key FROM trail_signatures ORDER BY public_key").fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }

            async fn trail_zones(&self) -> Result<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT zone_code FROM trail ORDER BY zone_code").fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }
        }
    };
}

trail_impl!(SqliteStore);
trail_impl!(PgStore);
