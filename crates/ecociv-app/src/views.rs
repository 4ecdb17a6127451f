//! Per-zone views: what the pages show, computed once for the data as it stands and kept in
//! memory. A view is named by its zone and an id (its kind and parameters: the quarter, the
//! month, the language, today), and is valid for the versions of the kinds of data it is
//! computed from ([`DataVersions`], moved by every write in its own transaction, so the next
//! request after a write sees it). When many ask at once, one computes and the others wait for
//! it (single flight). Views are shared (`Arc`), never copied per request, and at most
//! [`CAPACITY`] are kept: the oldest goes first. Beside them, each zone's summary for the
//! roll-ups ([`Summaries`]), small enough to keep for every zone of the country.

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use ecociv_core::record::DataVersions;
use ecociv_core::rollup::ZoneSummary;
use tokio::sync::OnceCell;

use crate::error::AppError;

/// How many views are kept at most (all zones together).
pub const CAPACITY: usize = 512;

type Value = Arc<dyn Any + Send + Sync>;

struct Slot {
    /// The versions the view is computed for (only the kinds it reads).
    versions: Vec<i64>,
    cell: Arc<OnceCell<Value>>,
}

/// A view's name: its zone and its id.
type Key = (String, String);

/// The kept views, and their keys oldest first.
#[derive(Default)]
pub struct Views {
    inner: Mutex<(HashMap<Key, Slot>, VecDeque<Key>)>,
}

/// The kinds of data a view is computed from.
#[derive(Debug, Clone, Copy)]
pub struct Reads {
    pub observations: bool,
    pub dispatch: bool,
    pub controls: bool,
}

impl Reads {
    /// The versions of the kinds read (the plan's always), -1 for the others.
    pub(crate) fn of(self, v: &DataVersions) -> Vec<i64> {
        let pick = |on: bool, n: i64| if on { n } else { -1 };
        vec![pick(self.observations, v.observations), pick(self.dispatch, v.dispatch), pick(self.controls, v.controls), v.plan]
    }
}

impl Views {
    /// The view `id` of `zone` for the data at `versions`: the kept one, or the one `compute`
    /// makes (once, however many ask together).
    pub async fn get<T, F, Fut>(&self, zone: &str, id: String, reads: Reads, versions: DataVersions, compute: F) -> Result<Arc<T>, AppError>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let key = (zone.to_string(), id);
        let want = reads.of(&versions);
        let cell = {
            let mut guard = self.inner.lock().expect("views");
            let (map, order) = &mut *guard;
            match map.get(&key) {
                Some(slot) if slot.versions == want => slot.cell.clone(),
                _ => {
                    let cell = Arc::new(OnceCell::new());
                    if map.insert(key.clone(), Slot { versions: want, cell: cell.clone() }).is_none() {
                        order.push_back(key.clone());
                    }
                    while map.len() > CAPACITY {
                        let Some(oldest) = order.pop_front() else { break };
                        map.remove(&oldest);
                    }
                    cell
                }
            }
        };
        let value = cell.get_or_try_init(|| async { compute().await.map(|v| Arc::new(v) as Value) }).await?;
        Ok(value.clone().downcast::<T>().unwrap_or_else(|_| panic!("the view {:?} always holds one type", key.1)))
    }

    /// How many views are kept (for tests and the benchmark).
    pub fn len(&self) -> usize {
        self.inner.lock().expect("views").0.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Summaries kept at most (past it, the cache starts again empty): each is a few hundred bytes.
const SUMMARIES_MOST: usize = 50_000;

/// Each zone's summary for the roll-ups (`crate::rollup`) as last computed, with the versions
/// of its data and the day it was for: small, so kept for every zone where its views are not.
#[derive(Default)]
pub struct Summaries(Mutex<HashMap<String, (DataVersions, NaiveDate, ZoneSummary)>>);

impl Summaries {
    pub(crate) fn get(&self, zone: &str, versions: DataVersions, today: NaiveDate) -> Option<ZoneSummary> {
        let kept = self.0.lock().expect("summaries");
        kept.get(zone).filter(|(v, d, _)| *v == versions && *d == today).map(|(_, _, s)| s.clone())
    }

    pub(crate) fn put(&self, zone: &str, versions: DataVersions, today: NaiveDate, summary: ZoneSummary) {
        let mut kept = self.0.lock().expect("summaries");
        if kept.len() >= SUMMARIES_MOST && !kept.contains_key(zone) {
            kept.clear();
        }
        kept.insert(zone.to_string(), (versions, today, summary));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const ALL: Reads = Reads { observations: true, dispatch: true, controls: true };

    #[tokio::test]
    async fn many_asking_at_once_compute_once() {
        let views = Arc::new(Views::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let v = DataVersions::default();
        let mut tasks = Vec::new();
        for _ in 0..32 {
            let (views, runs) = (views.clone(), runs.clone());
            tasks.push(tokio::spawn(async move {
                views
                    .get("z", "x".into(), ALL, v, || async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        Ok::<_, AppError>(7_u32)
                    })
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(*t.await.unwrap(), 7);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_write_of_a_kind_read_recomputes_and_others_do_not() {
        let views = Views::default();
        let reads = Reads { observations: true, dispatch: false, controls: true };
        let get = |v: DataVersions, n: u32| views.get("z", "x".into(), reads, v, move || async move { Ok::<_, AppError>(n) });
        let v = DataVersions::default();
        assert_eq!(*get(v, 1).await.unwrap(), 1);
        assert_eq!(*get(v, 2).await.unwrap(), 1, "kept");
        assert_eq!(*get(DataVersions { dispatch: 5, ..v }, 3).await.unwrap(), 1, "a kind it does not read");
        assert_eq!(*get(DataVersions { observations: 1, ..v }, 4).await.unwrap(), 4, "a kind it reads");
    }

    #[tokio::test]
    async fn a_failed_computation_is_not_kept_and_the_oldest_view_goes_first() {
        let views = Views::default();
        let v = DataVersions::default();
        let failed = views.get("z", "x".into(), ALL, v, || async { Err::<u32, _>(AppError::not_found("no_plan")) }).await;
        assert!(failed.is_err());
        assert_eq!(*views.get("z", "x".into(), ALL, v, || async { Ok::<_, AppError>(9_u32) }).await.unwrap(), 9);
        for i in 0..CAPACITY + 10 {
            views.get("z", format!("v{i}"), ALL, v, || async { Ok::<_, AppError>(0_u32) }).await.unwrap();
        }
        assert_eq!(views.len(), CAPACITY);
        let again = views.get("z", "x".into(), ALL, v, || async { Ok::<_, AppError>(10_u32) }).await.unwrap();
        assert_eq!(*again, 10, "the oldest was evicted and computed again");
    }
}
