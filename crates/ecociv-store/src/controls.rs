//! The task force's controls of a zone's data loop (due dates, jump bound, indicators asked by
//! region; periods locked or opened) and the evidence files of entries, stored once per content
//! (SM3 hash) in the database so that every instance sees them and one backup holds them.

use async_trait::async_trait;
use ecociv_core::record::{AssessmentRecord, EvidenceRecord, PeriodRecord, ScoringRulesRecord, VetoRecord, ZoneSettingsRecord, content_hash};

use crate::db::{PgStore, Result, SqliteStore, StoreError};
use crate::trail::{append_event, begin_write, event};

/// Settings, periods and evidence.
#[async_trait]
pub trait ControlStore: Send + Sync {
    async fn zone_settings(&self, zone: &str) -> Result<Option<ZoneSettingsRecord>>;
    async fn set_zone_settings(&self, s: &ZoneSettingsRecord, actor: &str) -> Result<()>;
    async fn periods(&self, zone: &str) -> Result<Vec<PeriodRecord>>;
    async fn set_period(&self, p: &PeriodRecord, actor: &str, reason: &str) -> Result<()>;
    /// Stores the file (once per content in each zone) and links it to an entry.
    async fn add_evidence(&self, e: &EvidenceRecord, content: &[u8], actor: &str) -> Result<EvidenceRecord>;
    async fn evidence_of(&self, zone: &str, entity: &str, entity_id: i64) -> Result<Vec<EvidenceRecord>>;
    async fn all_evidence(&self, zone: &str) -> Result<Vec<EvidenceRecord>>;
    async fn evidence(&self, zone: &str, id: i64) -> Result<Option<EvidenceRecord>>;
    /// The content of a file the zone stored.
    async fn blob(&self, zone: &str, hash: &str) -> Result<Option<Vec<u8>>>;
}

type EvidenceRow = (i64, String, String, i64, String, String, String, i64, String, String);

fn evidence_from(r: EvidenceRow) -> EvidenceRecord {
    let (id, zone, entity, entity_id, hash, file_name, media_type, size, uploaded_by, uploaded_at) = r;
    EvidenceRecord { id, zone, entity, entity_id, hash, file_name, media_type, size, uploaded_by, uploaded_at }
}

const EVIDENCE_COLS: &str = "id, zone_code, entity, entity_id, hash, file_name, media_type, size, uploaded_by, uploaded_at";

macro_rules! controls_impl {
    ($store:ident) => {
        #[async_trait]
        impl ControlStore for $store {
            async fn zone_settings(&self, zone: &str) -> Result<Option<ZoneSettingsRecord>> {
                #[allow(clippy::type_complexity)]
                let row: Option<(String, i64, String, String, String, String, String, String)> = sqlx::query_as(
                    "SELECT zone_code, dispatch_due_day, observation_due, jump_bound, regional_indicators, updated_by, updated_at, parent_rights FROM zone_settings WHERE zone_code = $1",
                )
                .bind(zone)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    None => Ok(None),
                    Some((zone, dispatch_due_day, observation_due, jump_bound, regional, updated_by, updated_at, parent)) => Ok(Some(ZoneSettingsRecord {
                        parent_rights: serde_json::from_str(&parent).map_err(|_| StoreError::Corrupt(format!("parent rights {parent:?}")))?,
                        zone,
                        dispatch_due_day,
                        observation_due,
                        jump_bound,
                        regional_indicators: serde_json::from_str(&regional).map_err(|_| StoreError::Corrupt(format!("regional indicators {regional:?}")))?,
                        updated_by,
                        updated_at,
                    })),
                }
            }

            async fn set_zone_settings(&self, s: &ZoneSettingsRecord, actor: &str) -> Result<()> {
                let before = self.zone_settings(&s.zone).await?.map(|b| b.state_json()).unwrap_or_default();
                let mut tx = begin_write!(self, &s.zone);
                sqlx::query(
                    "INSERT INTO zone_settings (zone_code, dispatch_due_day, observation_due, jump_bound, regional_indicators, updated_by, updated_at, parent_rights)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (zone_code) DO UPDATE SET dispatch_due_day = excluded.dispatch_due_day,
                     observation_due = excluded.observation_due, jump_bound = excluded.jump_bound, regional_indicators = excluded.regional_indicators,
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at, parent_rights = excluded.parent_rights",
                )
                .bind(&s.zone)
                .bind(s.dispatch_due_day)
                .bind(&s.observation_due)
                .bind(&s.jump_bound)
                .bind(serde_json::to_string(&s.regional_indicators).expect("serializable"))
                .bind(&s.updated_by)
                .bind(&s.updated_at)
                .bind(serde_json::to_string(&s.parent_rights).expect("serializable"))
                .execute(&mut *tx)
                .await?;
                append_event!(tx, event(&s.zone, actor, "settings.updated", "zone_settings", &s.zone, &before, &s.state_json(), ""));
                tx.commit().await?;
                Ok(())
            }

            async fn periods(&self, zone: &str) -> Result<Vec<PeriodRecord>> {
                let rows: Vec<(String, String, String, String, String)> =
                    sqlx::query_as("SELECT zone_code, period, state, set_by, set_at FROM periods WHERE zone_code = $1 ORDER BY period").bind(zone).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(zone, period, state, set_by, set_at)| PeriodRecord { zone, period, state, set_by, set_at }).collect())
            }

            async fn set_period(&self, p: &PeriodRecord, actor: &str, reason: &str) -> Result<()> {
                let before = self.periods(&p.zone).await?.into_iter().find(|x| x.period == p.period).map(|x| x.state_json()).unwrap_or_default();
                let mut tx = begin_write!(self, &p.zone);
                sqlx::query(
                    "INSERT INTO periods (zone_code, period, state, set_by, set_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (zone_code, period) DO UPDATE SET state = excluded.state, set_by = excluded.set_by, set_at = excluded.set_at",
                )
                .bind(&p.zone)
                .bind(&p.period)
                .bind(&p.state)
                .bind(&p.set_by)
                .bind(&p.set_at)
                .execute(&mut *tx)
                .await?;
                append_event!(tx, event(&p.zone, actor, &format!("period.{}", p.state), "period", &p.period, &before, &p.state_json(), reason));
                tx.commit().await?;
                Ok(())
            }

            async fn add_evidence(&self, e: &EvidenceRecord, content: &[u8], actor: &str) -> Result<EvidenceRecord> {
                let hash = content_hash(content);
                let mut tx = begin_write!(self, &e.zone);
                sqlx::query("INSERT INTO blobs (zone_code, hash, content, media_type, size) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (zone_code, hash) DO NOTHING")
                    .bind(&e.zone)
                    .bind(&hash)
                    .bind(content)
                    .bind(&e.media_type)
                    .bind(content.len() as i64)
                    .execute(&mut *tx)
                    .await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO evidence (zone_code, entity, entity_id, hash, file_name, media_type, size, uploaded_by, uploaded_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(&e.zone)
                .bind(&e.entity)
                .bind(e.entity_id)
                .bind(&hash)
                .bind(&e.file_name)
                .bind(&e.media_type)
                .bind(content.len() as i64)
                .bind(&e.uploaded_by)
                .bind(&e.uploaded_at)
                .fetch_one(&mut *tx)
                .await?;
                let stored = EvidenceRecord { id, hash, size: content.len() as i64, ..e.clone() };
                append_event!(tx, event(&e.zone, actor, "evidence.attached", "evidence", &id.to_string(), "", &stored.state_json(), ""));
                tx.commit().await?;
                Ok(stored)
            }

            async fn evidence_of(&self, zone: &str, entity: &str, entity_id: i64) -> Result<Vec<EvidenceRecord>> {
                let rows: Vec<EvidenceRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {EVIDENCE_COLS} FROM evidence WHERE zone_code = $1 AND entity = $2 AND entity_id = $3 ORDER BY id"
                )))
                .bind(zone)
                .bind(entity)
                .bind(entity_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(evidence_from).collect())
            }

            async fn all_evidence(&self, zone: &str) -> Result<Vec<EvidenceRecord>> {
                let rows: Vec<EvidenceRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {EVIDENCE_COLS} FROM evidence WHERE zone_code = $1 ORDER BY id")))
                    .bind(zone)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(evidence_from).collect())
            }

            async fn evidence(&self, zone: &str, id: i64) -> Result<Option<EvidenceRecord>> {
                let row: Option<EvidenceRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {EVIDENCE_COLS} FROM evidence WHERE zone_code = $1 AND id = $2")))
                    .bind(zone)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(evidence_from))
            }

            async fn blob(&self, zone: &str, hash: &str) -> Result<Option<Vec<u8>>> {
                let row: Option<(Vec<u8>,)> =
                    sqlx::query_as("SELECT content FROM blobs WHERE zone_code = $1 AND hash = $2").bind(zone).bind(hash).fetch_optional(&self.pool).await?;
                Ok(row.map(|r| r.0))
            }
        }
    };
}

controls_impl!(SqliteStore);
controls_impl!(PgStore);

/// Scoring rules and recorded assessments.
#[async_trait]
pub trait ScoringStore: Send + Sync {
    /// Every version of the zone's rules, oldest first.
    async fn scoring_rules(&self, zone: &str) -> Result<Vec<ScoringRulesRecord>>;
    /// Stores a new version (its number is the next one) and returns it.
    async fn add_scoring_rules(&self, zone: &str, text: &str, actor: &str) -> Result<ScoringRulesRecord>;
    async fn record_assessment(&self, a: &AssessmentRecord, actor: &str) -> Result<AssessmentRecord>;
    async fn assessments(&self, zone: &str) -> Result<Vec<AssessmentRecord>>;
}

macro_rules! scoring_impl {
    ($store:ident) => {
        #[async_trait]
        impl ScoringStore for $store {
            async fn scoring_rules(&self, zone: &str) -> Result<Vec<ScoringRulesRecord>> {
                let rows: Vec<(String, i64, String, String, String)> =
                    sqlx::query_as("SELECT zone_code, version, text, created_by, created_at FROM scoring_rules WHERE zone_code = $1 ORDER BY version").bind(zone).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(zone, version, text, created_by, created_at)| ScoringRulesRecord { zone, version, text, created_by, created_at }).collect())
            }

            async fn add_scoring_rules(&self, zone: &str, text: &str, actor: &str) -> Result<ScoringRulesRecord> {
                let mut tx = begin_write!(self, zone);
                let (last,): (Option<i64>,) = sqlx::query_as("SELECT MAX(version) FROM scoring_rules WHERE zone_code = $1").bind(zone).fetch_one(&mut *tx).await?;
                let rec = ScoringRulesRecord { zone: zone.into(), version: last.unwrap_or(0) + 1, text: text.into(), created_by: actor.into(), created_at: crate::trail::now() };
                sqlx::query("INSERT INTO scoring_rules (zone_code, version, text, created_by, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&rec.zone)
                    .bind(rec.version)
                    .bind(&rec.text)
                    .bind(&rec.created_by)
                    .bind(&rec.created_at)
                    .execute(&mut *tx)
                    .await?;
                append_event!(tx, event(zone, actor, "scoring_rules.added", "scoring_rules", &rec.version.to_string(), "", &rec.state_json(), ""));
                tx.commit().await?;
                Ok(rec)
            }

            async fn record_assessment(&self, a: &AssessmentRecord, actor: &str) -> Result<AssessmentRecord> {
                let mut tx = begin_write!(self, &a.zone);
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO assessments (zone_code, quarter, rules_version, result, computed_by, computed_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&a.zone)
                .bind(&a.quarter)
                .bind(a.rules_version)
                .bind(&a.result)
                .bind(&a.computed_by)
                .bind(&a.computed_at)
                .fetch_one(&mut *tx)
                .await?;
                let stored = AssessmentRecord { id, ..a.clone() };
                append_event!(tx, event(&a.zone, actor, "assessment.recorded", "assessment", &id.to_string(), "", &stored.state_json(), ""));
                tx.commit().await?;
                Ok(stored)
            }

            async fn assessments(&self, zone: &str) -> Result<Vec<AssessmentRecord>> {
                let rows: Vec<(i64, String, String, i64, String, String, String)> = sqlx::query_as(
                    "SELECT id, zone_code, quarter, rules_version, result, computed_by, computed_at FROM assessments WHERE zone_code = $1 ORDER BY id",
                )
                .bind(zone)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, zone, quarter, rules_version, result, computed_by, computed_at)| AssessmentRecord { id, zone, quarter, rules_version, result, computed_by, computed_at })
                    .collect())
            }
        }
    };
}

scoring_impl!(SqliteStore);
scoring_impl!(PgStore);

/// Veto conditions.
#[async_trait]
pub trait VetoStore: Send + Sync {
    async fn add_veto(&self, v: &VetoRecord, actor: &str) -> Result<VetoRecord>;
    async fn vetoes(&self, zone: &str) -> Result<Vec<VetoRecord>>;
}

macro_rules! veto_impl {
    ($store:ident) => {
        #[async_trait]
        impl VetoStore for $store {
            async fn add_veto(&self, v: &VetoRecord, actor: &str) -> Result<VetoRecord> {
                let mut tx = begin_write!(self, &v.zone);
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO vetoes (zone_code, kind, description, occurred_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&v.zone)
                .bind(&v.kind)
                .bind(&v.description)
                .bind(&v.occurred_on)
                .bind(&v.recorded_by)
                .bind(&v.recorded_at)
                .fetch_one(&mut *tx)
                .await?;
                let stored = VetoRecord { id, ..v.clone() };
                append_event!(tx, event(&v.zone, actor, "veto.recorded", "veto", &id.to_string(), "", &stored.state_json(), ""));
                tx.commit().await?;
                Ok(stored)
            }

            async fn vetoes(&self, zone: &str) -> Result<Vec<VetoRecord>> {
                let rows: Vec<(i64, String, String, String, String, String, String)> = sqlx::query_as(
                    "SELECT id, zone_code, kind, description, occurred_on, recorded_by, recorded_at FROM vetoes WHERE zone_code = $1 ORDER BY id",
                )
                .bind(zone)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, zone, kind, description, occurred_on, recorded_by, recorded_at)| VetoRecord {
                        id,
                        zone,
                        kind,
                        description,
                        occurred_on,
                        recorded_by,
                        recorded_at,
                    })
                    .collect())
            }
        }
    };
}

veto_impl!(SqliteStore);
veto_impl!(PgStore);
