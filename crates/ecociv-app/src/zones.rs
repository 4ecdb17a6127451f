//! Zones and their plans: the database opened at its URL (the folder of a SQLite file created
//! first) and migrated, the embedded plan of the first zone built from its data files and
//! loaded (a plan already stored as it is changes nothing), and the [`App`] over it (or over the
//! data as it is, no plan loaded).

use std::sync::Arc;

use chrono::NaiveDate;
use ecociv_core::model::Plan;
use ecociv_core::plan_data::{build_plan, hohhot};
pub use ecociv_store::LoadOutcome;
use ecociv_store::Store;

use crate::App;
use crate::error::{AppError, Kind, Result};

/// A refusal of the database or the data files: `code`, with what broke as its detail, which
/// the command line prints.
fn failed(code: &'static str, what: impl std::fmt::Display) -> AppError {
    AppError { detail: Some(what.to_string()), ..AppError::new(Kind::Internal, code) }
}

/// The URL with its password masked, for messages and logs.
pub fn redact(url: &str) -> String {
    ecociv_store::redact(url)
}

/// The embedded plan (the Hohhot plan), built from its data files.
pub fn embedded_plan() -> Result<Plan> {
    build_plan(&hohhot()).map_err(|e| failed("bad_plan_data", e))
}

/// The file of a `sqlite://` URL (without its query); `None` for another database.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    url.strip_prefix("sqlite://").map(|p| std::path::PathBuf::from(p.split('?').next().unwrap_or(p)))
}

/// A file beside `path`: its name with `suffix` after it (`ecociv.db` → `ecociv.db-wal`).
pub fn beside(path: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// Opens the database at `url` (`sqlite://PATH` or `postgres://…`) and applies the migrations.
/// A SQLite file goes into a folder that exists: a mistyped path is said, not made (the data
/// folder is made by [`create_data_folder`]).
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if let Some(file) = sqlite_file(url)
        && let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(AppError::bad_request("no_such_folder").field("folder", &dir.display().to_string()));
    }
    let store = ecociv_store::connect(url).await.map_err(|e| failed("database_unavailable", e).field("url", &redact(url)))?;
    store.migrate().await.map_err(|e| failed("migration_failed", e))?;
    Ok(store)
}

/// Opens the streaming replica at `url` of the PostgreSQL database at `primary` for reading
/// (see [`App::reader`]): nothing is migrated or written there. It must answer; until it holds
/// the schema and the data, the views are read from the database.
pub async fn open_replica(primary: &str, url: &str) -> Result<Arc<dyn Store>> {
    let postgres = |u: &str| u.starts_with("postgres://") || u.starts_with("postgresql://");
    if !postgres(primary) || !postgres(url) {
        return Err(AppError::bad_request("replica_not_postgres").field("url", &redact(url)));
    }
    ecociv_store::connect(url).await.map_err(|e| failed("database_unavailable", e).field("url", &redact(url)))
}

/// Makes the data folder (the default home of the SQLite database) when it is missing.
pub fn create_data_folder(dir: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| failed("data_folder", e).field("folder", &dir.display().to_string()))
}

/// The application on the database at `url`, opened and migrated, and its data as it is: no
/// plan loaded, so that reading it (verifying the trail) writes nothing. It has no default zone.
pub async fn open_as_is(url: &str, today: Option<NaiveDate>) -> Result<App> {
    Ok(App::new(open(url).await?, today, ""))
}

/// Loads a plan into the store (`actor` on the trail): stored, updated, or left as it is.
pub async fn load_plan(store: &dyn Store, plan: &Plan, actor: &str) -> Result<LoadOutcome> {
    // a next plan drafted from the last is not a correction of the zone's plan: loaded in its
    // place it would drop the earlier plan and what its entries refer to
    if let Some(l) = &plan.lineage {
        return Err(AppError::conflict("plan_next_not_issuable").field("zone", &plan.zone.code).field("previous", &l.previous));
    }
    // a plan superseded by the next is kept as it stood, never loaded again over the next
    if store.archived_plans(&plan.zone.code).await?.iter().any(|(p, ..)| p.code == plan.code) {
        return Err(AppError::conflict("plan_superseded").field("zone", &plan.zone.code).field("plan", &plan.code));
    }
    let outcome = store.load_plan(plan, actor).await.map_err(|e| failed("plan_not_loaded", e).field("zone", &plan.zone.code))?;
    match outcome {
        LoadOutcome::Loaded => tracing::info!("loaded the plan {} of zone {}", plan.code, plan.zone.code),
        LoadOutcome::Updated => tracing::info!("updated the plan {} of zone {}", plan.code, plan.zone.code),
        LoadOutcome::Unchanged => {}
    }
    Ok(outcome)
}

/// The application on the database at `url`: opened, migrated, with the embedded plan loaded
/// (its zone the default one), and what loading it did.
pub async fn open_app(url: &str, today: Option<NaiveDate>) -> Result<(App, LoadOutcome)> {
    let store = open(url).await?;
    let plan = embedded_plan()?;
    // once the zone has issued its next plan, the embedded one is history: left as it is (and a
    // stored plan that follows another is never replaced by it, archive or not)
    let follows = store.plan(&plan.zone.code).await.map_err(|e| failed("plan_not_loaded", e))?.is_some_and(|p| p.lineage.is_some());
    let outcome = match if follows { Ok(LoadOutcome::Unchanged) } else { load_plan(store.as_ref(), &plan, "system").await } {
        Err(e) if e.code == "plan_superseded" => LoadOutcome::Unchanged,
        other => other?,
    };
    Ok((App::new(store, today, &plan.zone.code), outcome))
}

/// A zone's plan built from its reviewed data files in `dir` — `plan.toml`, `indicators.toml`,
/// `tasks.toml`, `projects.toml`, and the framework the plan names: `framework.toml` beside
/// them, or else the shipped revision of that code — or from the workbook of those files when
/// `dir` is an `.xlsx` file ([`plan_from_book`]). A plan needs no code change or rebuild.
pub fn plan_from_folder(dir: &std::path::Path) -> Result<Plan> {
    if dir.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
        let bytes = std::fs::read(dir)
            .map_err(|e| AppError::bad_request("plan_file_missing").field("file", &dir.display().to_string()).field("why", &e.to_string()))?;
        return plan_from_book(&bytes);
    }
    let read = |name: &str| -> Result<Option<(String, String)>> {
        let path = dir.join(name);
        if name == "framework.toml" && !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| AppError::bad_request("plan_file_missing").field("file", &path.display().to_string()).field("why", &e.to_string()))?;
        Ok(Some((path.display().to_string(), text)))
    };
    plan_from(read)
}

/// A plan built from its data files as sent (an upload: file name → text), as
/// [`plan_from_folder`] reads them.
pub fn plan_from_files(files: &std::collections::BTreeMap<String, String>) -> Result<Plan> {
    plan_from(|name: &str| match files.get(name) {
        Some(text) => Ok(Some((name.to_string(), text.clone()))),
        None if name == "framework.toml" => Ok(None),
        None => Err(AppError::bad_request("plan_file_missing").field("file", name).field("why", "not sent")),
    })
}

/// A plan's data as sent: its files by name (`plan.toml`, …), or one workbook of them.
#[derive(Debug, Clone)]
pub enum PlanFiles {
    Files(std::collections::BTreeMap<String, String>),
    Book(Vec<u8>),
}

impl PlanFiles {
    /// The plan the files make ([`plan_from_files`], [`plan_from_book`]).
    pub fn plan(&self) -> Result<Plan> {
        match self {
            PlanFiles::Files(f) => plan_from_files(f),
            PlanFiles::Book(b) => plan_from_book(b),
        }
    }

    /// [`PlanFiles::plan`] on a thread of its own: a large workbook takes its time, and the
    /// server's other requests do not wait for it.
    pub async fn read(self) -> Result<Plan> {
        tokio::task::spawn_blocking(move || self.plan()).await.map_err(AppError::internal)?
    }
}

/// A plan built from the workbook of its data files (`ecociv_core::plan_book`; the framework is
/// the shipped revision its plan sheet names). Every cell that cannot be read is refused with its
/// sheet, row and column, and so is every error of the files it makes (their place in the
/// workbook).
pub fn plan_from_book(bytes: &[u8]) -> Result<Plan> {
    use ecociv_core::plan_book::BookProblem;
    let sheets = ecociv_report::import::sheets(bytes).map_err(|ps| {
        let p = &ps[0];
        // what a person would not see in the sheets, or a file that is no workbook
        let code = match p.code.as_str() {
            "hidden_sheet" => "plan_book_hidden_sheet",
            "hidden_row" => "plan_book_hidden_row",
            "hidden_column" => "plan_book_hidden_column",
            "formula" => "plan_book_formula",
            "merged_cells" => "plan_book_merged_cells",
            _ => "plan_book_unreadable",
        };
        let e = book_refusal(&[BookProblem { sheet: p.sheet.clone(), row: p.row.unwrap_or(0), col: p.col, key: String::new(), found: p.found.clone(), code }]);
        if code == "plan_book_unreadable" { e.field("why", &p.code) } else { e }
    })?;
    let book = ecociv_core::plan_book::from_sheets(&sheets, ecociv_report::plan_book::tabs).map_err(|ps| book_refusal(&ps))?;
    plan_placed(
        |name: &str| match book.files.get(name) {
            Some(text) => Ok(Some((name.to_string(), text.clone()))),
            None => Ok(None),
        },
        |e| book.place(e),
    )
}

/// The refusal of a workbook: its first problem with its place (sheet, row, column), and where
/// the next few are.
fn book_refusal(ps: &[ecociv_core::plan_book::BookProblem]) -> AppError {
    let place = |p: &ecociv_core::plan_book::BookProblem| {
        let mut s = p.sheet.clone();
        if p.row > 0 {
            s.push_str(&format!(" {}{}", p.col.map(ecociv_report::import::column_letter).unwrap_or_default(), p.row));
        }
        s
    };
    let p = &ps[0];
    let mut e = AppError::bad_request(p.code);
    for (k, v) in [("sheet", p.sheet.clone()), ("row", p.row.to_string()), ("column", p.col.map(ecociv_report::import::column_letter).unwrap_or_default())] {
        if !v.is_empty() && v != "0" {
            e = e.field(k, &v);
        }
    }
    for (k, v) in [("key", &p.key), ("found", &p.found)] {
        if !v.is_empty() {
            e = e.field(k, v);
        }
    }
    if ps.len() > 1 {
        let more: Vec<String> = ps[1..].iter().take(5).map(|p| format!("{} ({})", place(p), p.code)).collect();
        e = e.field("problems", &ps.len().to_string()).field("also", &more.join("; "));
    }
    e
}

/// A plan from its files, each read by `read` (None: a `framework.toml` that is not there).
fn plan_from(read: impl Fn(&str) -> Result<Option<(String, String)>>) -> Result<Plan> {
    plan_placed(read, |e| e)
}

/// [`plan_from`], with an error of the files said at the place `place` gives it.
fn plan_placed(
    read: impl Fn(&str) -> Result<Option<(String, String)>>,
    place: impl Fn(ecociv_core::plan_data::PlanDataError) -> ecociv_core::plan_data::PlanDataError,
) -> Result<Plan> {
    let some = |name: &str| -> Result<(String, String)> { read(name)?.ok_or_else(|| AppError::bad_request("plan_file_missing").field("file", name)) };
    let plan = some("plan.toml")?;
    // a framework file that is there but cannot be read is said, not replaced by the shipped one
    let framework = match read("framework.toml")? {
        Some(f) => f,
        None => {
            let code = plan.1.parse::<toml::Table>().ok().and_then(|t| t.get("framework").and_then(|f| f.as_str()).map(String::from)).unwrap_or_default();
            let (name, text) = ecociv_core::framework::shipped_file(&code)
                .ok_or_else(|| AppError::bad_request("unknown_framework").field("framework", &code).field("file", &plan.0))?;
            (name.to_string(), text.to_string())
        }
    };
    let source = ecociv_core::plan_data::PlanSource {
        framework,
        plan,
        indicators: some("indicators.toml")?,
        tasks: some("tasks.toml")?,
        projects: some("projects.toml")?,
    };
    build_plan(&source).map_err(|e| AppError::bad_request("bad_plan_data").field("where", &place(e).to_string()))
}

/// Adds a zone with its plan from a data folder ([`plan_from_folder`]), under `parent` when
/// given (a zone that exists, not itself): stored, updated, or left as it is.
pub async fn add_zone(st: &App, dir: &std::path::Path, parent: Option<&str>, actor: &str) -> Result<(Plan, LoadOutcome)> {
    let mut plan = plan_from_folder(dir)?;
    if let Some(p) = parent.map(str::trim) {
        if p == plan.zone.code || !st.store.zones().await?.iter().any(|z| z.code == p) {
            return Err(AppError::not_found("unknown_zone").field("parent", p));
        }
        plan.zone.parent = Some(p.to_string());
    }
    let outcome = load_plan(st.store.as_ref(), &plan, actor).await?;
    Ok((plan, outcome))
}

/// What an administrator made when creating a zone under its own: the zone's plan, and its
/// first task-force account with a temporary password to change at the first sign-in.
pub struct NewZone {
    pub plan: Plan,
    pub user: ecociv_core::record::UserRecord,
    pub password: String,
}

/// An administrator creates a zone under its own (a county under a city, a two-mountains base):
/// the zone's plan from its data files as sent, and a first task-force account in an org unit of
/// that plan. Refused when the actor is not an administrator, the zone exists already, or a city
/// would stand under a county.
pub async fn create_child(st: &App, actor: &ecociv_core::access::Actor, files: PlanFiles, user_name: &str, user_org: &str) -> Result<NewZone> {
    use ecociv_core::access::Role;
    use ecociv_core::model::ZoneLevel;
    if actor.role != Role::Admin {
        return Err(AppError::forbidden());
    }
    let parent = st.plan(Some(&actor.zone)).await?;
    let mut plan = files.read().await?;
    if plan.lineage.is_some() {
        return Err(AppError::conflict("plan_next_not_issuable").field("zone", &plan.zone.code));
    }
    if st.store.zones().await?.iter().any(|z| z.code == plan.zone.code) {
        return Err(AppError::conflict("zone_exists").field("zone", &plan.zone.code));
    }
    if parent.zone.level == ZoneLevel::County && plan.zone.level == ZoneLevel::City {
        return Err(AppError::bad_request("zone_level_under").field("zone", &plan.zone.code).field("parent", &parent.zone.code));
    }
    plan.zone.parent = Some(parent.zone.code.clone());
    // the account is checked against the new plan before anything is stored
    let unit = crate::accounts::org_unit_for(&plan, user_org, Role::TaskForce)?.name.clone();
    if user_name.trim().is_empty() || user_name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::bad_request("bad_user_name").field("name", user_name));
    }
    if st.store.user(user_name).await?.is_some() {
        return Err(AppError::conflict("user_exists").field("name", user_name));
    }
    st.store.create_zone(&plan, &actor.name).await.map_err(|e| match e {
        ecociv_store::StoreError::Conflict(_) => AppError::conflict("zone_exists").field("zone", &plan.zone.code),
        e => e.into(),
    })?;
    let (user, password) = crate::users::add_first(st, actor, &plan.zone.code, user_name, &unit).await?;
    debug_assert_eq!(user.zone, plan.zone.code, "the account is the new zone's");
    tracing::info!("zone {} created under {} by {}", plan.zone.code, parent.zone.code, actor.name);
    Ok(NewZone { plan, user, password })
}
