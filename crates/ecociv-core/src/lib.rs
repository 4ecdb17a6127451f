//! ecociv-core: the pure domain of ecociv — no I/O, no async.
//!
//! - [`model`]: the plan of a zone (indicators, tasks, projects, phases, org units).
//! - [`plan_data`]: the reviewed data files and their assembly into a plan.
//! - [`rule`]: the target-rule language, its parser and evaluator.
//! - [`projection`]: where an indicator will stand at its deadline (CAGR or linear).
//! - [`indicator_status`]: every leaf's series, latest verdict and projection.
//! - [`readiness`]: review readiness of indicators and years.
//! - [`value`]: observed values (numbers, state words).
//! - [`audit`]: the plan data-quality audit; [`finding`]: what it finds.
//! - [`assessment`]: the facts of a quarter's assessment, from the stored rows.
//! - [`dispatch`]: the one reckoning of monthly reports: which are due, how each came.
//! - [`history`]: the entries as they stood at the end of a day.
//! - [`bulletin`]: the monthly dispatch bulletin's judgement.
//! - [`schedule`]: the schedule of projects (a Gantt chart): periods, progress, the late.
//! - [`scoring`]: the quarterly assessment: rules, facts, scores, ranking.
//! - [`supervision`]: supervision orders (督查督办): their checks, moves and standing.
//! - [`check`]: evaluating a CSV of observations against a plan.
//! - [`clock`]: where a plan stands on a date.
//! - [`access`]: roles and rights.
//! - [`todo`]: what each user has to do.
//! - [`entry`]: the checks on observations and dispatch reports sent in.
//! - [`rectification`]: rectification tasks (整改任务): their checks, standing and reports.
//! - [`reminder`]: reminders: what each unit owes, at which stage, keyed to go once.
//! - [`record`]: the records ecociv keeps (accounts, entries and their states, controls).
//! - [`evidence`]: what evidence files may be uploaded.
//! - [`trail`]: the SM3 hash-chained audit trail.
//! - [`locale`]: the languages (a compiled-in file `locales/<tag>.toml` each; zh-CN the default)
//!   and their text.

pub mod access;
pub mod assessment;
pub mod audit;
pub mod bulletin;
pub mod check;
pub mod clock;
pub mod contact;
pub mod dispatch;
pub mod entry;
pub mod evidence;
pub mod finding;
pub mod framework;
pub mod framework_table;
pub mod history;
pub mod indicator_status;
pub mod lineage;
pub mod locale;
pub mod model;
pub mod plan_book;
pub mod plan_data;
pub mod plan_next;
pub mod projection;
pub mod readiness;
pub mod record;
pub mod rectification;
pub mod reminder;
pub mod rollup;
pub mod rule;
pub mod schedule;
pub mod scoring;
pub mod supervision;
pub mod todo;
pub mod trail;
pub mod value;

pub use locale::Locale;
