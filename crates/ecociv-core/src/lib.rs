//! ecociv-core: the pure domain of ecociv — no I/O, no async.
//!
//! - [`model`]: the plan of a zone (indicators, tasks, projects, phases, org units).
//! - [`plan_data`]: the reviewed data files and their assembly into a plan.
//! - [`rule`]: the target-rule language, its parser and evaluator.
//! - [`projection`]: where an indicator will stand at its deadline (CAGR or linear).
//! - [`indicator_status`]: every leaf's series, latest verdict and projection.
//! - [`readiness`]: review readiness of indicators and years.
//! - [`value`]: observed values (numbers, state words).
//! - [`audit`]: the plan data-quality findings.
//! - [`scoring`]: the quarterly assessment: rules, facts, scores, ranking.
//! - [`check`]: evaluating a CSV of observations against a plan.
//! - [`clock`]: where a plan stands on a date.
//! - [`access`]: roles and rights.
//! - [`entry`]: the checks on observations and dispatch reports sent in.
//! - [`evidence`]: what evidence files may be uploaded.
//! - [`trail`]: the SM3 hash-chained audit trail.
//! - [`locale`]: zh-CN and en.

pub mod access;
pub mod audit;
pub mod check;
pub mod clock;
pub mod entry;
pub mod evidence;
pub mod indicator_status;
pub mod locale;
pub mod model;
pub mod plan_data;
pub mod projection;
pub mod readiness;
pub mod rule;
pub mod scoring;
pub mod trail;
pub mod value;

pub use locale::Locale;
