//! Observations, dispatch reports and assigned targets: inserted and updated in one
//! transaction with their audit-trail event. Updates name the version they change, so a
//! concurrent change is a `Conflict`, never a silent overwrite; a second entry for the same
//! key is a `Conflict` too.

use async_trait::async_trait;

use crate::db::{PgStore, Result, SqliteStore, StoreError, conflict_on_unique};
use std::collections::HashMap;

use crate::batch::DispatchRun;
use crate::trail::{append_event, begin_entries, begin_write, bump_version, event, insert_events, write_head};
use ecociv_core::record::{DispatchRecord, EntryState, ObservationRecord, UpperTargetRecord};

/// The entries of the data loop.
#[async_trait]
pub trait EntryStore: Send + Sync {
    /// Stores a new observation (its `id` and `version` are set by the store).
    async fn insert_observation(&self, o: &ObservationRecord, actor: &str) -> Result<ObservationRecord>;
    /// Replaces an observation; `before.version` must still be the stored one.
    async fn update_observation(
        &self,
        before: &ObservationRecord,
        after: &ObservationRecord,
        action: &str,
        actor: &str,
        reason: &str,
    ) -> Result<ObservationRecord>;
    async fn observation(&self, zone: &str, id: i64) -> Result<Option<ObservationRecord>>;
    async fn observations(&self, zone: &str) -> Result<Vec<ObservationRecord>>;
    /// The observations of one indicator (or sub-indicator) and region (empty: the zone), by
    /// year: what a form's checks of a new value read.
    async fn observation_series(&self, zone: &str, indicator: &str, region: &str) -> Result<Vec<ObservationRecord>>;
    async fn set_upper_target(&self, t: &UpperTargetRecord, actor: &str) -> Result<()>;
    async fn upper_targets(&self, zone: &str) -> Result<Vec<UpperTargetRecord>>;
    async fn insert_dispatch(&self, d: &DispatchRecord, actor: &str) -> Result<DispatchRecord>;
    async fn update_dispatch(&self, before: &DispatchRecord, after: &DispatchRecord, action: &str, actor: &str, reason: &str) -> Result<DispatchRecord>;
    async fn dispatch(&self, zone: &str, id: i64) -> Result<Option<DispatchRecord>>;
    /// All dispatch reports of a zone, by kind, subject and period.
    async fn dispatch_reports(&self, zone: &str) -> Result<Vec<DispatchRecord>>;
    /// The dispatch reports of one project, task or rectification task (`kind` `project`,
    /// `task` or `rectification`), by org unit and period: what a form's checks of a new report
    /// read.
    async fn subject_reports(&self, zone: &str, kind: &str, subject: i64) -> Result<Vec<DispatchRecord>>;
    /// The dispatch reports of one kind (the rectification tasks' for their list), by subject,
    /// org unit and period.
    async fn kind_reports(&self, zone: &str, kind: &str) -> Result<Vec<DispatchRecord>>;
    /// Stores every write or none (one transaction), each on the trail as its own write would
    /// be: the base of an import. A conflict anywhere (an entry that exists, a version that
    /// moved) rolls all of it back.
    async fn write_entries(&self, zone: &str, writes: &[EntryWrite], actor: &str) -> Result<usize>;
    /// [`EntryStore::write_entries`] of writes sent in parts while the later ones are still
    /// being made (an import stores the rows it has checked while it checks the rest): the
    /// transaction begins with the first part and commits at [`Part::Done`], giving how many
    /// were written. When the sender goes without `Done` (it found a problem in a later row),
    /// nothing is stored and it gives `None`.
    async fn write_entries_in_parts(&self, zone: &str, actor: &str, parts: tokio::sync::mpsc::Receiver<Part>) -> Result<Option<usize>>;
}

/// A part of a batch sent to [`EntryStore::write_entries_in_parts`].
#[derive(Debug)]
pub enum Part {
    Writes(Vec<EntryWrite>),
    /// Every part was sent: commit.
    Done,
}

/// One write of a batch (an import): a new entry, or a change of a stored one from `before`
/// (whose version must still be the stored one) to `after`, recorded as `action` with `reason`.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryWrite {
    NewObservation(ObservationRecord),
    Observation { before: Box<ObservationRecord>, after: Box<ObservationRecord>, action: String, reason: String },
    NewDispatch(DispatchRecord),
    Dispatch { before: Box<DispatchRecord>, after: Box<DispatchRecord>, action: String, reason: String },
}

const OBS_COLS: &str = "id, zone_code, indicator_code, year, region, value, comment, explanation, state, late, submitted_by, submitted_at, decided_by, decided_at, reason, version";
const DISPATCH_COLS: &str = "id, zone_code, kind, subject, org_unit, period, status, progress_percent, investment_month_wan, investment_cumulative_wan, funding, progress, quantities, \
     benefits, problems, explanation, state, late, submitted_by, submitted_at, decided_by, decided_at, reason, version";

fn state(s: &str) -> Result<EntryState> {
    EntryState::parse(s).ok_or_else(|| StoreError::Corrupt(format!("entry state {s:?}")))
}

macro_rules! obs_from_row {
    ($r:expr) => {{
        use sqlx::Row;
        ObservationRecord {
            id: $r.try_get("id")?,
            zone: $r.try_get("zone_code")?,
            indicator: $r.try_get("indicator_code")?,
            year: $r.try_get("year")?,
            region: $r.try_get("region")?,
            value: $r.try_get("value")?,
            comment: $r.try_get("comment")?,
            explanation: $r.try_get("explanation")?,
            state: state(&$r.try_get::<String, _>("state")?)?,
            late: $r.try_get("late")?,
            submitted_by: $r.try_get("submitted_by")?,
            submitted_at: $r.try_get("submitted_at")?,
            decided_by: $r.try_get("decided_by")?,
            decided_at: $r.try_get("decided_at")?,
            reason: $r.try_get("reason")?,
            version: $r.try_get("version")?,
        }
    }};
}

/// The records of fetched rows, each read by `$read` (`obs_from_row!` or `dispatch_from_row!`,
/// which return early on a column that cannot be read).
macro_rules! records {
    ($rows:expr, $read:ident) => {{
        let rows = $rows;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push($read!(r));
        }
        out
    }};
}

macro_rules! dispatch_from_row {
    ($r:expr) => {{
        use sqlx::Row;
        DispatchRecord {
            id: $r.try_get("id")?,
            zone: $r.try_get("zone_code")?,
            kind: $r.try_get("kind")?,
            subject: $r.try_get("subject")?,
            org_unit: $r.try_get("org_unit")?,
            period: $r.try_get("period")?,
            status: $r.try_get("status")?,
            progress_percent: $r.try_get("progress_percent")?,
            investment_month_wan: $r.try_get("investment_month_wan")?,
            investment_cumulative_wan: $r.try_get("investment_cumulative_wan")?,
            funding: $r.try_get("funding")?,
            progress: $r.try_get("progress")?,
            quantities: $r.try_get("quantities")?,
            benefits: $r.try_get("benefits")?,
            problems: $r.try_get("problems")?,
            explanation: $r.try_get("explanation")?,
            state: state(&$r.try_get::<String, _>("state")?)?,
            late: $r.try_get("late")?,
            submitted_by: $r.try_get("submitted_by")?,
            submitted_at: $r.try_get("submitted_at")?,
            decided_by: $r.try_get("decided_by")?,
            decided_at: $r.try_get("decided_at")?,
            reason: $r.try_get("reason")?,
            version: $r.try_get("version")?,
        }
    }};
}

/// The body of `insert_observation` inside a write transaction `$tx`; evaluates to the stored record.
macro_rules! obs_insert {
    ($tx:ident, $o:expr, $actor:expr $(, $head:ident)?) => {{
        let o = $o;
        let actor = $actor;
        let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM observations WHERE zone_code = $1 AND indicator_code = $2 AND year = $3 AND region = $4")
            .bind(&o.zone)
            .bind(&o.indicator)
            .bind(o.year)
            .bind(&o.region)
            .fetch_optional(&mut *$tx)
            .await?;
        if let Some((id,)) = taken {
            return Err(StoreError::Conflict(format!("observation {id} exists for this indicator, year and region")));
        }
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO observations (zone_code, indicator_code, year, region, value, comment, explanation, state, late, submitted_by,
             submitted_at, decided_by, decided_at, reason, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1) RETURNING id",
        )
        .bind(&o.zone)
        .bind(&o.indicator)
        .bind(o.year)
        .bind(&o.region)
        .bind(&o.value)
        .bind(&o.comment)
        .bind(&o.explanation)
        .bind(o.state.code())
        .bind(o.late)
        .bind(&o.submitted_by)
        .bind(&o.submitted_at)
        .bind(&o.decided_by)
        .bind(&o.decided_at)
        .bind(&o.reason)
        .fetch_one(&mut *$tx)
        .await?;
        let stored = ObservationRecord { id, version: 1, ..o.clone() };
        append_event!($tx, event(&o.zone, actor, "observation.submitted", "observation", &id.to_string(), "", &stored.state_json(), "") $(, $head)?);
        stored
    }};
}

/// The body of `update_observation` inside a write transaction `$tx`; evaluates to the stored record.
macro_rules! obs_update {
    ($tx:ident, $before:expr, $after:expr, $action:expr, $actor:expr, $reason:expr $(, $head:ident)?) => {{
        let before = $before;
        let after = $after;
        let action = $action;
        let actor = $actor;
        let reason = $reason;
        let stored = ObservationRecord { id: before.id, version: before.version + 1, ..after.clone() };
        let done = sqlx::query(
            "UPDATE observations SET value = $3, comment = $4, explanation = $5, state = $6, late = $7, submitted_by = $8, submitted_at = $9,
             decided_by = $10, decided_at = $11, reason = $12, version = $13 WHERE id = $1 AND version = $2",
        )
        .bind(before.id)
        .bind(before.version)
        .bind(&stored.value)
        .bind(&stored.comment)
        .bind(&stored.explanation)
        .bind(stored.state.code())
        .bind(stored.late)
        .bind(&stored.submitted_by)
        .bind(&stored.submitted_at)
        .bind(&stored.decided_by)
        .bind(&stored.decided_at)
        .bind(&stored.reason)
        .bind(stored.version)
        .execute(&mut *$tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!("observation {} changed meanwhile", before.id)));
        }
        append_event!($tx, event(&before.zone, actor, action, "observation", &before.id.to_string(), &before.state_json(), &stored.state_json(), reason) $(, $head)?);
        stored
    }};
}

/// The body of `insert_dispatch` inside a write transaction `$tx`; evaluates to the stored record.
macro_rules! dispatch_insert {
    ($tx:ident, $d:expr, $actor:expr $(, $head:ident)?) => {{
        let d = $d;
        let actor = $actor;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO dispatch_reports (zone_code, kind, subject, period, status, progress_percent, investment_month_wan,
             investment_cumulative_wan, progress, quantities, benefits, problems, explanation, state, late, submitted_by, submitted_at,
             decided_by, decided_at, reason, org_unit, funding, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, 1) RETURNING id",
        )
        .bind(&d.zone)
        .bind(&d.kind)
        .bind(d.subject)
        .bind(&d.period)
        .bind(&d.status)
        .bind(&d.progress_percent)
        .bind(&d.investment_month_wan)
        .bind(&d.investment_cumulative_wan)
        .bind(&d.progress)
        .bind(&d.quantities)
        .bind(&d.benefits)
        .bind(&d.problems)
        .bind(&d.explanation)
        .bind(d.state.code())
        .bind(d.late)
        .bind(&d.submitted_by)
        .bind(&d.submitted_at)
        .bind(&d.decided_by)
        .bind(&d.decided_at)
        .bind(&d.reason)
        .bind(&d.org_unit)
        .bind(&d.funding)
        .fetch_one(&mut *$tx)
        .await
        // a project's month (or a task's month of one org unit) reported already: the unique
        // keys decide, so two senders at the same moment cannot both get through
        .map_err(|e| conflict_on_unique(e, "a dispatch report exists for this month"))?;
        let stored = DispatchRecord { id, version: 1, ..d.clone() };
        append_event!($tx, event(&d.zone, actor, "dispatch_report.submitted", "dispatch_report", &id.to_string(), "", &stored.state_json(), "") $(, $head)?);
        stored
    }};
}

/// The body of `update_dispatch` inside a write transaction `$tx`; evaluates to the stored record.
macro_rules! dispatch_update {
    ($tx:ident, $before:expr, $after:expr, $action:expr, $actor:expr, $reason:expr $(, $head:ident)?) => {{
        let before = $before;
        let after = $after;
        let action = $action;
        let actor = $actor;
        let reason = $reason;
        let stored = DispatchRecord { id: before.id, version: before.version + 1, ..after.clone() };
        let done = sqlx::query(
            "UPDATE dispatch_reports SET status = $3, progress_percent = $4, investment_month_wan = $5, investment_cumulative_wan = $6,
             progress = $7, quantities = $8, benefits = $9, problems = $10, explanation = $11, state = $12, late = $13, submitted_by = $14,
             submitted_at = $15, decided_by = $16, decided_at = $17, reason = $18, version = $19, org_unit = $20, funding = $21 WHERE id = $1 AND version = $2",
        )
        .bind(before.id)
        .bind(before.version)
        .bind(&stored.status)
        .bind(&stored.progress_percent)
        .bind(&stored.investment_month_wan)
        .bind(&stored.investment_cumulative_wan)
        .bind(&stored.progress)
        .bind(&stored.quantities)
        .bind(&stored.benefits)
        .bind(&stored.problems)
        .bind(&stored.explanation)
        .bind(stored.state.code())
        .bind(stored.late)
        .bind(&stored.submitted_by)
        .bind(&stored.submitted_at)
        .bind(&stored.decided_by)
        .bind(&stored.decided_at)
        .bind(&stored.reason)
        .bind(stored.version)
        .bind(&stored.org_unit)
        .bind(&stored.funding)
        .execute(&mut *$tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!("dispatch report {} changed meanwhile", before.id)));
        }
        append_event!($tx, event(&before.zone, actor, action, "dispatch_report", &before.id.to_string(), &before.state_json(), &stored.state_json(), reason) $(, $head)?);
        stored
    }};
}

/// How many new entries one statement of a batch inserts.
const CHUNK: usize = 1000;

/// Inserts new observations of a batch in one statement and their trail events in one more.
macro_rules! obs_insert_many {
    ($tx:ident, $db:ty, $rows:expr, $actor:expr, $head:ident) => {{
        let rows: &[&ObservationRecord] = $rows;
        let mut qb = sqlx::QueryBuilder::<$db>::new(
            "INSERT INTO observations (zone_code, indicator_code, year, region, value, comment, explanation, state, late, submitted_by, \
             submitted_at, decided_by, decided_at, reason, version) ",
        );
        qb.push_values(rows.iter(), |mut b, o| {
            b.push_bind(&o.zone)
                .push_bind(&o.indicator)
                .push_bind(o.year)
                .push_bind(&o.region)
                .push_bind(&o.value)
                .push_bind(&o.comment)
                .push_bind(&o.explanation)
                .push_bind(o.state.code())
                .push_bind(o.late)
                .push_bind(&o.submitted_by)
                .push_bind(&o.submitted_at)
                .push_bind(&o.decided_by)
                .push_bind(&o.decided_at)
                .push_bind(&o.reason)
                .push_bind(1_i64);
        });
        qb.push(" RETURNING id, indicator_code, year, region");
        let got: Vec<(i64, String, i64, String)> = qb
            .build_query_as()
            .fetch_all(&mut *$tx)
            .await
            .map_err(|e| conflict_on_unique(e, "an observation of the batch exists already for its indicator, year and region"))?;
        let ids: HashMap<(String, i64, String), i64> = got.into_iter().map(|(id, i, y, r)| ((i, y, r), id)).collect();
        let mut events = Vec::with_capacity(rows.len());
        for o in rows {
            let id =
                ids.get(&(o.indicator.clone(), o.year, o.region.clone())).copied().ok_or_else(|| StoreError::Corrupt("a batch row without its id".into()))?;
            let stored = ObservationRecord { id, version: 1, ..(*o).clone() };
            events.push(event(&o.zone, $actor, "observation.submitted", "observation", &id.to_string(), "", &stored.state_json(), ""));
        }
        insert_events!($tx, $db, events, $head);
    }};
}

/// Writes a part of a batch inside its transaction, the trail's cursor `$head` carried from
/// part to part; new entries in a row go in chunks (one statement for the rows, one for their
/// trail events), and a duplicate is found by the unique key, not by a read per row. Gives
/// whether it wrote observations and dispatch reports.
macro_rules! write_part {
    ($tx:ident, $db:ty, $zone:expr, $writes:expr, $actor:expr, $head:ident) => {{
        let (zone, writes, actor): (&str, &[EntryWrite], &str) = ($zone, $writes, $actor);
        let mut kinds = [false; 2];
        let mut i = 0;
        while i < writes.len() {
            let entry_zone = match &writes[i] {
                EntryWrite::NewObservation(o) => &o.zone,
                EntryWrite::Observation { before, .. } => &before.zone,
                EntryWrite::NewDispatch(d) => &d.zone,
                EntryWrite::Dispatch { before, .. } => &before.zone,
            };
            if entry_zone != zone {
                return Err(StoreError::Conflict(format!("an entry of zone {entry_zone} in a batch of zone {zone}")));
            }
            match &writes[i] {
                EntryWrite::NewObservation(_) => {
                    let run: Vec<&ObservationRecord> = writes[i..]
                        .iter()
                        .take(CHUNK)
                        .map_while(|w| match w {
                            EntryWrite::NewObservation(o) if o.zone == zone => Some(o),
                            _ => None,
                        })
                        .collect();
                    i += run.len();
                    kinds[0] = true;
                    obs_insert_many!($tx, $db, &run, actor, $head);
                    continue;
                }
                EntryWrite::NewDispatch(_) => {
                    let run: Vec<&DispatchRecord> = writes[i..]
                        .iter()
                        .take(CHUNK)
                        .map_while(|w| match w {
                            EntryWrite::NewDispatch(d) if d.zone == zone => Some(d),
                            _ => None,
                        })
                        .collect();
                    i += run.len();
                    kinds[1] = true;
                    <$db as DispatchRun>::insert_dispatch_run(&mut *$tx, &run, actor, &mut $head).await?;
                    continue;
                }
                EntryWrite::Observation { before, after, action, reason } => {
                    kinds[0] = true;
                    obs_update!($tx, &**before, &**after, action.as_str(), actor, reason.as_str(), $head);
                }
                EntryWrite::Dispatch { before, after, action, reason } => {
                    kinds[1] = true;
                    dispatch_update!($tx, &**before, &**after, action.as_str(), actor, reason.as_str(), $head);
                }
            }
            i += 1;
        }
        kinds
    }};
}

/// Ends a batch: the trail's head row, the versions of the kinds of data it wrote, the commit.
macro_rules! finish_batch {
    ($tx:ident, $zone:expr, $head:ident, $kinds:expr) => {{
        write_head!($tx, $zone, $head);
        for (kind, wrote) in ["observations", "dispatch"].into_iter().zip($kinds) {
            if wrote {
                bump_version!($tx, $zone, kind);
            }
        }
        $tx.commit().await?;
    }};
}

macro_rules! entries_impl {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl EntryStore for $store {
            async fn insert_observation(&self, o: &ObservationRecord, actor: &str) -> Result<ObservationRecord> {
                let mut tx = begin_entries!(self, &o.zone);
                let stored = obs_insert!(tx, o, actor);
                tx.commit().await?;
                Ok(stored)
            }

            async fn update_observation(&self, before: &ObservationRecord, after: &ObservationRecord, action: &str, actor: &str, reason: &str) -> Result<ObservationRecord> {
                let mut tx = begin_entries!(self, &before.zone);
                let stored = obs_update!(tx, before, after, action, actor, reason);
                tx.commit().await?;
                Ok(stored)
            }

            async fn observation(&self, zone: &str, id: i64) -> Result<Option<ObservationRecord>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {OBS_COLS} FROM observations WHERE zone_code = $1 AND id = $2")))
                    .bind(zone)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some(r) => Some(obs_from_row!(r)),
                    None => None,
                })
            }

            async fn observations(&self, zone: &str) -> Result<Vec<ObservationRecord>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {OBS_COLS} FROM observations WHERE zone_code = $1 ORDER BY id")))
                    .bind(zone)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(records!(rows, obs_from_row))
            }

            async fn observation_series(&self, zone: &str, indicator: &str, region: &str) -> Result<Vec<ObservationRecord>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {OBS_COLS} FROM observations WHERE zone_code = $1 AND indicator_code = $2 AND region = $3 ORDER BY year"
                )))
                .bind(zone)
                .bind(indicator)
                .bind(region)
                .fetch_all(&self.pool)
                .await?;
                Ok(records!(rows, obs_from_row))
            }

            async fn set_upper_target(&self, t: &UpperTargetRecord, actor: &str) -> Result<()> {
                let mut tx = begin_write!(self, &t.zone);
                let before: Option<(String, String, String)> =
                    sqlx::query_as("SELECT value, set_by, set_at FROM upper_targets WHERE zone_code = $1 AND indicator_code = $2 AND year = $3")
                        .bind(&t.zone)
                        .bind(&t.indicator)
                        .bind(t.year)
                        .fetch_optional(&mut *tx)
                        .await?;
                let before_json = before
                    .map(|(value, set_by, set_at)| UpperTargetRecord { value, set_by, set_at, ..t.clone() }.state_json())
                    .unwrap_or_default();
                sqlx::query(
                    "INSERT INTO upper_targets (zone_code, indicator_code, year, value, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (zone_code, indicator_code, year) DO UPDATE SET value = excluded.value, set_by = excluded.set_by, set_at = excluded.set_at",
                )
                .bind(&t.zone)
                .bind(&t.indicator)
                .bind(t.year)
                .bind(&t.value)
                .bind(&t.set_by)
                .bind(&t.set_at)
                .execute(&mut *tx)
                .await?;
                let id = format!("{}/{}", t.indicator, t.year);
                append_event!(tx, event(&t.zone, actor, "upper_target.set", "upper_target", &id, &before_json, &t.state_json(), ""));
                tx.commit().await?;
                Ok(())
            }

            async fn upper_targets(&self, zone: &str) -> Result<Vec<UpperTargetRecord>> {
                let rows: Vec<(String, String, i64, String, String, String)> = sqlx::query_as(
                    "SELECT zone_code, indicator_code, year, value, set_by, set_at FROM upper_targets WHERE zone_code = $1 ORDER BY indicator_code, year",
                )
                .bind(zone)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(zone, indicator, year, value, set_by, set_at)| UpperTargetRecord { zone, indicator, year, value, set_by, set_at }).collect())
            }

            async fn insert_dispatch(&self, d: &DispatchRecord, actor: &str) -> Result<DispatchRecord> {
                let mut tx = begin_entries!(self, &d.zone);
                let stored = dispatch_insert!(tx, d, actor);
                tx.commit().await?;
                Ok(stored)
            }

            async fn update_dispatch(&self, before: &DispatchRecord, after: &DispatchRecord, action: &str, actor: &str, reason: &str) -> Result<DispatchRecord> {
                let mut tx = begin_entries!(self, &before.zone);
                let stored = dispatch_update!(tx, before, after, action, actor, reason);
                tx.commit().await?;
                Ok(stored)
            }

            async fn write_entries(&self, zone: &str, writes: &[EntryWrite], actor: &str) -> Result<usize> {
                let mut tx = begin_entries!(self, zone);
                // the chain's head, read once and carried through the batch
                let mut head: Option<Option<(i64, String)>> = None;
                let kinds = write_part!(tx, $db, zone, writes, actor, head);
                finish_batch!(tx, zone, head, kinds);
                Ok(writes.len())
            }

            async fn write_entries_in_parts(&self, zone: &str, actor: &str, mut parts: tokio::sync::mpsc::Receiver<Part>) -> Result<Option<usize>> {
                // the write lane is taken with the first part, not while it is being made
                let Some(mut part) = parts.recv().await else { return Ok(None) };
                let mut tx = begin_entries!(self, zone);
                let mut head: Option<Option<(i64, String)>> = None;
                let (mut count, mut kinds) = (0, [false; 2]);
                loop {
                    match part {
                        Part::Writes(writes) => {
                            let [o, d] = write_part!(tx, $db, zone, &writes, actor, head);
                            kinds = [kinds[0] || o, kinds[1] || d];
                            count += writes.len();
                        }
                        Part::Done => break,
                    }
                    // the sender gone without `Done`: dropping the transaction rolls it back
                    let Some(next) = parts.recv().await else { return Ok(None) };
                    part = next;
                }
                finish_batch!(tx, zone, head, kinds);
                Ok(Some(count))
            }

            async fn dispatch(&self, zone: &str, id: i64) -> Result<Option<DispatchRecord>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {DISPATCH_COLS} FROM dispatch_reports WHERE zone_code = $1 AND id = $2")))
                    .bind(zone)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some(r) => Some(dispatch_from_row!(r)),
                    None => None,
                })
            }

            async fn subject_reports(&self, zone: &str, kind: &str, subject: i64) -> Result<Vec<DispatchRecord>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {DISPATCH_COLS} FROM dispatch_reports WHERE zone_code = $1 AND kind = $2 AND subject = $3 ORDER BY org_unit, period"
                )))
                .bind(zone)
                .bind(kind)
                .bind(subject)
                .fetch_all(&self.pool)
                .await?;
                Ok(records!(rows, dispatch_from_row))
            }

            async fn kind_reports(&self, zone: &str, kind: &str) -> Result<Vec<DispatchRecord>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {DISPATCH_COLS} FROM dispatch_reports WHERE zone_code = $1 AND kind = $2 ORDER BY subject, org_unit, period"
                )))
                .bind(zone)
                .bind(kind)
                .fetch_all(&self.pool)
                .await?;
                Ok(records!(rows, dispatch_from_row))
            }

            async fn dispatch_reports(&self, zone: &str) -> Result<Vec<DispatchRecord>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {DISPATCH_COLS} FROM dispatch_reports WHERE zone_code = $1 ORDER BY kind, subject, org_unit, period"
                )))
                .bind(zone)
                .fetch_all(&self.pool)
                .await?;
                Ok(records!(rows, dispatch_from_row))
            }
        }
    };
}

entries_impl!(SqliteStore, sqlx::Sqlite);
entries_impl!(PgStore, sqlx::Postgres);
