//! What the task force puts on a document of the review (bulletin, assessment, work and
//! technical reports): the red header's lines, the document number, the signing office, the
//! date of issue, and the paragraphs only people write. One per kind and period; every change
//! is on the audit trail.

use async_trait::async_trait;
use ecociv_core::record::MastheadRecord;

use crate::db::{PgStore, Result, SqliteStore, StoreError};
use crate::trail::{append_event, begin_write, event};

/// The mastheads of a zone's documents.
#[async_trait]
pub trait MastheadStore: Send + Sync {
    /// Every masthead of a zone, the latest change first.
    async fn mastheads(&self, zone: &str) -> Result<Vec<MastheadRecord>>;
    async fn set_masthead(&self, m: &MastheadRecord, actor: &str) -> Result<()>;
}

type Row = (String, String, String, String, String, String, String, String, String, String);

fn from_row(r: Row) -> Result<MastheadRecord> {
    let (zone, kind, period, lines, number, issuer, issued_on, texts, updated_by, updated_at) = r;
    Ok(MastheadRecord {
        zone,
        kind,
        period,
        header_lines: serde_json::from_str(&lines).map_err(|_| StoreError::Corrupt(format!("masthead lines {lines:?}")))?,
        number,
        issuer,
        issued_on,
        texts: serde_json::from_str(&texts).map_err(|_| StoreError::Corrupt(format!("masthead texts {texts:?}")))?,
        updated_by,
        updated_at,
    })
}

macro_rules! masthead_impl {
    ($store:ident) => {
        #[async_trait]
        impl MastheadStore for $store {
            async fn mastheads(&self, zone: &str) -> Result<Vec<MastheadRecord>> {
                let rows: Vec<Row> = sqlx::query_as(
                    "SELECT zone_code, kind, period, header_lines, number, issuer, issued_on, texts, updated_by, updated_at FROM mastheads
                     WHERE zone_code = $1 ORDER BY updated_at DESC, kind, period",
                )
                .bind(zone)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(from_row).collect()
            }

            async fn set_masthead(&self, m: &MastheadRecord, actor: &str) -> Result<()> {
                let before =
                    self.mastheads(&m.zone).await?.into_iter().find(|x| x.kind == m.kind && x.period == m.period).map(|x| x.state_json()).unwrap_or_default();
                let mut tx = begin_write!(self, &m.zone);
                sqlx::query(
                    "INSERT INTO mastheads (zone_code, kind, period, header_lines, number, issuer, issued_on, texts, updated_by, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (zone_code, kind, period) DO UPDATE SET
                     header_lines = excluded.header_lines, number = excluded.number, issuer = excluded.issuer, issued_on = excluded.issued_on,
                     texts = excluded.texts, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(&m.zone)
                .bind(&m.kind)
                .bind(&m.period)
                .bind(serde_json::to_string(&m.header_lines).expect("serializable"))
                .bind(&m.number)
                .bind(&m.issuer)
                .bind(&m.issued_on)
                .bind(serde_json::to_string(&m.texts).expect("serializable"))
                .bind(&m.updated_by)
                .bind(&m.updated_at)
                .execute(&mut *tx)
                .await?;
                let id = format!("{}/{}", m.kind, m.period);
                append_event!(tx, event(&m.zone, actor, "masthead.updated", "masthead", &id, &before, &m.state_json(), ""));
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

masthead_impl!(SqliteStore);
masthead_impl!(PgStore);
