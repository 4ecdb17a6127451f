//! The [`App`]: the store, the clock, the settings, and what is kept in memory per zone (its
//! plan, its views, what is known of the database while nothing changes).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use ecociv_core::entry::ZoneSettings;
use ecociv_core::model::Plan;
use ecociv_store::Store;

use crate::error::{AppError, Result};

/// How many zones' plans are kept in memory at most (the default zone's always is).
pub const PLAN_CAPACITY: usize = 64;

/// The application: what every page, API call and command shares. Cloning it is cheap (the
/// store and the caches are shared).
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    /// The date set by `--today` / `ECOCIV_TODAY`; `None` reads the real date.
    pub today: Option<NaiveDate>,
    /// The zone of requests that name none.
    pub default_zone: String,
    /// Sessions end after this many minutes without a request.
    pub idle_minutes: i64,
    /// Due dates and checks of the data loop, until the task force sets its own.
    pub settings: ZoneSettings,
    /// The largest evidence file accepted.
    pub max_upload_bytes: usize,
    /// The CJK font the PDF documents embed (`--pdf-font`); `None` takes the shipped one.
    pub pdf_font: Option<Arc<Vec<u8>>>,
    /// Plans by zone, as read from the store (checked against the stored hash on every use).
    plans: Arc<RwLock<HashMap<String, Arc<Plan>>>>,
    /// What the pages show, per zone, kept for the data as it stands.
    pub views: Arc<crate::views::Views>,
    /// What is known of the database without asking it, while nothing changes.
    pub changes: Arc<crate::changes::Changes>,
    /// Each zone summed up for the roll-ups, kept while its data stays.
    pub summaries: Arc<crate::views::Summaries>,
    /// This process's name among the instances on one database (random): what holds a
    /// scheduler's lease, so that scheduled work runs in one instance at a time.
    pub instance: String,
    /// A read replica of the database (`--read-database-url`): what the views are computed
    /// from when it has caught up with the versions they are for ([`App::reader`]).
    pub replica: Option<Arc<dyn Store>>,
    /// How many views were read from the replica, and how many from the database because the
    /// replica lagged or failed.
    pub replica_reads: Arc<ReplicaReads>,
}

/// Counts of where the views were read from (see [`App::reader`]).
#[derive(Debug, Default)]
pub struct ReplicaReads {
    pub replica: std::sync::atomic::AtomicU64,
    pub primary: std::sync::atomic::AtomicU64,
}

impl App {
    /// An application with the default settings.
    pub fn new(store: Arc<dyn Store>, today: Option<NaiveDate>, default_zone: &str) -> App {
        App {
            store,
            today,
            default_zone: default_zone.into(),
            idle_minutes: 30,
            settings: ZoneSettings::default(),
            max_upload_bytes: 20 * 1024 * 1024,
            pdf_font: None,
            plans: Default::default(),
            views: Default::default(),
            changes: Default::default(),
            summaries: Default::default(),
            instance: {
                let mut bytes = [0u8; 8];
                getrandom::fill(&mut bytes).expect("the OS gives random bytes");
                format!("ecociv-{}", hex::encode(bytes))
            },
            replica: None,
            replica_reads: Default::default(),
        }
    }

    /// The view `id` of `zone` (see [`crate::views`]) for the data as it stands: the kept one,
    /// or the one `compute` makes from the store [`App::reader`] gives.
    pub async fn view<T, F, Fut>(&self, zone: &str, id: String, reads: crate::views::Reads, compute: F) -> Result<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: FnOnce(Arc<dyn Store>) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let versions = self.versions(zone).await?;
        self.views.get(zone, id, reads, versions, || async move { compute(self.reader(zone, reads, &versions).await).await }).await
    }

    /// The store a view of `zone` that `reads` some kinds of data, for the data at `versions`,
    /// is read from: the replica when its data of those kinds is at exactly those versions (a
    /// replica replays whole transactions, and each write moves its version in its own), else
    /// the database itself. So a view is never computed from data older than the versions it
    /// is kept for, and a user never sees a page older than their own write.
    pub async fn reader(&self, zone: &str, reads: crate::views::Reads, versions: &ecociv_core::record::DataVersions) -> Arc<dyn Store> {
        use std::sync::atomic::Ordering::Relaxed;
        if let Some(replica) = &self.replica {
            match replica.data_versions(zone).await {
                Ok(r) if reads.of(&r) == reads.of(versions) => {
                    self.replica_reads.replica.fetch_add(1, Relaxed);
                    return replica.clone();
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("the read replica did not answer, reading the database: {e}"),
            }
            self.replica_reads.primary.fetch_add(1, Relaxed);
        }
        self.store.clone()
    }

    /// Takes (or renews) the lease of the scheduled work `name` for this instance for
    /// `seconds`: whether this instance is the one to do it now. Leases run on the real clock,
    /// whatever day `--today` sets (a command run on another day must not hold one for years).
    pub async fn lease(&self, name: &str, seconds: i64) -> Result<bool> {
        let now = chrono::Utc::now();
        let stamp = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        Ok(self.store.take_lease(name, &self.instance, &stamp(now), &stamp(now + chrono::Duration::seconds(seconds))).await?)
    }

    /// Gives back the lease `name` when this instance holds it (a command done with its work).
    pub async fn release(&self, name: &str) -> Result<()> {
        Ok(self.store.release_lease(name, &self.instance).await?)
    }

    /// The one clock: every deadline and countdown reads this, the day in Beijing.
    pub fn today(&self) -> NaiveDate {
        ecociv_core::clock::beijing_today(self.now())
    }

    /// Now on the one clock (on the day set with `--today`, at the real time of day): what
    /// every stamp ecociv writes reads.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        ecociv_core::clock::now_on(self.today, chrono::Utc::now())
    }

    /// [`App::now`] as the records store it (RFC 3339, UTC, to the microsecond).
    pub fn stamp(&self) -> String {
        self.now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }

    /// The versions of a zone's data (one query): what its views are valid for.
    pub async fn versions(&self, zone: &str) -> Result<ecociv_core::record::DataVersions> {
        let c = &self.changes;
        Ok(c.known(&*self.store, &c.versions, zone, || self.store.data_versions(zone)).await?)
    }

    /// Every zone, as kept while no plan is loaded (one query when one was).
    pub async fn zones(&self) -> Result<Arc<Vec<ecociv_core::model::Zone>>> {
        let c = &self.changes;
        Ok(c.known(&*self.store, &c.zones, "", || async { self.store.zones().await.map(Arc::new) }).await?)
    }

    /// The hash of a zone's stored plan (`None`: no plan).
    async fn plan_hash(&self, zone: &str) -> Result<Option<String>> {
        let c = &self.changes;
        Ok(c.known(&*self.store, &c.plan_hashes, zone, || self.store.plan_hash(zone)).await?)
    }

    /// The plan of a zone as last read, without asking the store (for error pages).
    pub fn cached_plan(&self, zone: &str) -> Option<Arc<Plan>> {
        self.plans.read().expect("plan cache").get(zone).cloned()
    }

    /// The plan of a zone (`None` or empty: the default zone), shared: kept while its hash is
    /// the stored one.
    pub async fn plan(&self, zone: Option<&str>) -> Result<Arc<Plan>> {
        let code = zone.filter(|z| !z.is_empty()).unwrap_or(&self.default_zone);
        let Some(hash) = self.plan_hash(code).await? else {
            return Err(if zone.is_some() { AppError::not_found("unknown_zone").field("zone", code) } else { AppError::not_found("no_plan") });
        };
        if let Some(p) = self.plans.read().expect("plan cache").get(code).filter(|p| p.content_hash == hash) {
            return Ok(p.clone());
        }
        match self.store.plan(code).await? {
            Some(p) => {
                let p = Arc::new(p);
                let mut plans = self.plans.write().expect("plan cache");
                // bounded: a national view that reads many zones does not keep them all
                if plans.len() >= PLAN_CAPACITY && !plans.contains_key(code) {
                    let other = plans.keys().find(|z| *z != &self.default_zone).cloned();
                    if let Some(z) = other {
                        plans.remove(&z);
                    }
                }
                plans.insert(code.to_string(), p.clone());
                Ok(p)
            }
            None => Err(AppError::not_found("no_plan")),
        }
    }
}
