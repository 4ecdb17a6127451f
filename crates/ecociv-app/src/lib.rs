//! ecociv-app: the application, between the pages and commands and the store. One [`App`]
//! holds the store, the clock, the settings and what is kept in memory per zone; every
//! capability is a module named after it, and every one answers with the one [`AppError`].
//! No HTTP types live here: `ecociv-web` and the `ecociv` command line both call this crate.
//!
//! - [`entries`]: observations, dispatch reports and assigned targets sent in, and the task
//!   force's decisions, settings, periods and evidence (the rights and checks of the forms).
//! - [`imports`]: a filled template or a table read, checked row by row, stored whole.
//! - [`assessment`]: the quarterly scores and ranking.
//! - [`readiness`]: review readiness and vetoes.
//! - [`rectifications`]: the rectification tasks (整改任务) the task force keeps.
//! - [`reminders`]: what each unit is reminded of today, and what was sent.
//! - [`milestones`]: where the plan's milestones stand by the data.
//! - [`bulletin`]: the monthly dispatch bulletin.
//! - [`history`]: a zone's entries as they stood at the end of a day (past periods are judged
//!   on them).
//! - [`standings`]: where every indicator and project stands, from approved entries.
//! - [`supervision`]: supervision orders (督查督办): issued, answered, closed or sent back.
//! - [`todo`]: what each user has to do.
//! - [`documents`]: the official documents of the review (Word, PDF) and their mastheads.
//! - [`archive`]: the yearly indicator archive.
//! - [`accounts`]: users, passwords, sessions, tokens, sign-in and lock-out.
//! - [`users`]: the accounts of a zone managed by its administrator or task force.
//! - [`exports`]: the tables (附件1, 附件2, observations, dispatch) and the templates to fill.
//! - [`audit`]: the audit trail of every zone verified, with its signed heads and anchors.
//! - [`signing`]: the heads of the trail signed (SM2) with a key the database does not hold.
//! - [`zones`]: the database opened and migrated, the embedded plan loaded.
//! - [`backup`]: the whole database copied and restored.
//! - [`demo`]: synthetic zones for benchmarks and trials.
//! - [`tryout`]: the try-out of `ecociv demo`: the plan with example data and an account per role.
//! - [`views`]: what the pages show, per zone, kept for the data as it stands.
//! - [`changes`]: what is known of the database without asking it, while nothing changes.

pub mod accounts;
pub mod app;
pub mod archive;
pub mod assessment;
pub mod audit;
pub mod backup;
pub mod bulletin;
pub mod changes;
pub mod closing;
pub mod delivery;
pub mod demo;
pub mod document_plan;
pub mod documents;
pub mod entries;
pub mod error;
pub mod exports;
pub mod frameworks;
pub mod history;
pub mod imports;
pub mod milestones;
pub mod plan_next;
pub mod readiness;
pub mod rectifications;
pub mod reminders;
pub mod rollup;
pub mod self_assessment;
pub mod signing;
pub mod standings;
pub mod supervision;
pub mod todo;
pub mod tryout;
pub mod users;
pub mod views;
pub mod zones;

pub use app::App;
pub use error::{AppError, Kind, Result};
