//! The `ecociv` binary: clap subcommands wiring the crates together.
//!
//! Global flags are also environment variables and config-file keys; precedence is flag, then
//! environment, then config file, then default: `--data-dir` (`ECOCIV_DATA_DIR`, `data_dir`),
//! `--database-url` (`ECOCIV_DATABASE_URL`, `database_url`), `--config` (`ECOCIV_CONFIG`),
//! `--today` (`ECOCIV_TODAY`, `today`).

mod demo;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use ecociv_core::Locale;
use ecociv_core::check::check_csv;
use ecociv_core::clock::parse_today;
use ecociv_core::model::Plan;
use ecociv_core::plan_data::{build_plan, hohhot};
use ecociv_store::{LoadOutcome, Store};
use serde::Deserialize;

#[derive(Parser)]
#[command(name = "ecociv", version, about = "国家生态文明建设示范区管理系统 — national eco-civilization demonstration zone manager")]
struct Cli {
    /// Folder of the embedded database (ecociv.db) [default: ./ecociv-data/]
    #[arg(long, env = "ECOCIV_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://… [default: sqlite in the data folder]
    #[arg(long, env = "ECOCIV_DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// A TOML file with data_dir, database_url, today, addr, pdf_font
    #[arg(long, env = "ECOCIV_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// The date ecociv believes it is, YYYY-MM-DD [default: the real date]
    #[arg(long, env = "ECOCIV_TODAY", global = true)]
    today: Option<String>,
    /// A font file with Chinese glyphs (.ttf, .otf, .ttc) for the PDF documents [default: the
    /// shipped WenQuanYi Micro Hei]
    #[arg(long, env = "ECOCIV_PDF_FONT", global = true)]
    pdf_font: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the Hohhot plan is loaded on first start)
    Serve {
        /// HOST:PORT [default: 127.0.0.1:8080]
        #[arg(long, env = "ECOCIV_ADDR")]
        addr: Option<String>,
    },
    /// Apply the database migrations
    Migrate,
    /// Print the effective settings (flag > environment > config file > default)
    Config {
        /// HOST:PORT, as `serve` would use it
        #[arg(long, env = "ECOCIV_ADDR")]
        addr: Option<String>,
    },
    /// The plan: export it, audit it
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Users: `user add NAME --org ORG --role ROLE` (the password is read from standard input)
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens for machine clients
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit trail: `audit verify` proves it untouched, or names the first broken record
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Export a table: the plan's 附件1 or 附件2 with the latest data, all observations, or the
    /// dispatch history (of a project, a region, or the whole zone)
    Export {
        #[arg(value_enum)]
        table: ExportTable,
        #[arg(long, value_enum, default_value = "xlsx")]
        format: TableFormat,
        /// The file to write (required for xlsx)
        #[arg(long)]
        output: Option<PathBuf>,
        /// dispatch: one project
        #[arg(long)]
        project: Option<u32>,
        /// dispatch: the projects in one region (name or alias)
        #[arg(long)]
        region: Option<String>,
        #[arg(long, default_value = "zh-CN", value_parser = parse_lang)]
        lang: Locale,
    },
    /// The workbook an org unit fills offline for a period: its indicators for a year, or its
    /// projects for a month, prefilled with what ecociv knows
    Template {
        #[arg(value_enum)]
        kind: TemplateArg,
        /// The org unit (name or alias)
        #[arg(long)]
        org: String,
        /// A year (`2024`) for observations, a month (`2024-05`) for dispatch
        #[arg(long)]
        period: String,
        #[arg(long)]
        output: PathBuf,
        #[arg(long, default_value = "zh-CN", value_parser = parse_lang)]
        lang: Locale,
    },
    /// Import a filled template or a table (.xlsx, or CSV in UTF-8/GB18030) with a user's
    /// rights: every row is checked as a form would be, and either all are stored or none.
    /// Exit code 2 with every problem (sheet, row, column, found, expected) when refused.
    Import {
        file: PathBuf,
        /// The user whose rights the import acts with
        #[arg(long = "as")]
        user: String,
        /// Where to write the workbook with the problem cells marked, when refused
        #[arg(long)]
        report: Option<PathBuf>,
        #[arg(long, default_value = "zh-CN", value_parser = parse_lang)]
        lang: Locale,
    },
    /// A document of the review as Word (.docx) or PDF: the monthly dispatch bulletin, the quarterly
    /// assessment report, the annual work report or the annual technical report
    Report {
        #[arg(value_enum)]
        kind: ReportKind,
        /// bulletin: the month (2024-05)
        #[arg(long)]
        month: Option<String>,
        /// assessment: the quarter (2024Q2)
        #[arg(long)]
        quarter: Option<String>,
        /// work, technical: the year (2024)
        #[arg(long)]
        year: Option<String>,
        #[arg(long, value_enum, default_value = "docx")]
        format: DocFormat,
        #[arg(long)]
        output: PathBuf,
        #[arg(long, default_value = "zh-CN", value_parser = parse_lang)]
        lang: Locale,
    },
    /// The yearly indicator archive: an index workbook and, per indicator, its values,
    /// approvals, history and evidence files, as one .zip
    Archive {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        output: PathBuf,
        #[arg(long, default_value = "zh-CN", value_parser = parse_lang)]
        lang: Locale,
    },
    /// Synthetic data for benchmarks and trials
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Evaluate a CSV of observations (indicator,year,value[,region][,upper_target]) against
    /// the embedded plan's targets; touches no database. Exit code 2 when the file is bad.
    Check {
        /// The CSV file (UTF-8 with or without BOM, or GB18030)
        file: PathBuf,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Language of the reasons and messages: zh-CN or en
        #[arg(long, default_value = "zh-CN", value_parser = parse_lang)]
        lang: Locale,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportKind {
    Bulletin,
    Assessment,
    Work,
    Technical,
}

#[derive(Clone, Copy, ValueEnum)]
enum DocFormat {
    Docx,
    Pdf,
}

#[derive(Subcommand)]
enum PlanCommand {
    /// The whole plan as loaded, as JSON
    Export {
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
        /// Write to this file instead of standard output
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// The doubtful points of the printed plan, each with its place
    Audit {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// zh-CN or en
        #[arg(long, default_value = "zh-CN", value_parser = parse_lang)]
        lang: Locale,
    },
}

fn parse_lang(s: &str) -> Result<Locale, String> {
    Locale::parse(s).ok_or_else(|| format!("{s:?}: expected zh-CN or en"))
}

#[derive(Subcommand)]
enum UserCommand {
    /// Make a user; the password is read from standard input (one line)
    Add {
        name: String,
        /// The org unit, as the plan prints it or an alias (e.g. 市生态环境局, 和林)
        #[arg(long)]
        org: String,
        /// admin, task_force, department, region, unit or viewer
        #[arg(long)]
        role: String,
    },
    /// Set a new password, read from standard input
    SetPassword { name: String },
    /// List the users of the zone
    List,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Make a bearer token for a user; it is the last word of the output and is shown once
    Create {
        #[arg(long)]
        user: String,
    },
    /// Revoke a user's tokens (all, or the one with --id)
    Revoke {
        #[arg(long)]
        user: String,
        #[arg(long)]
        id: Option<i64>,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Make synthetic zones (SYN0001…) with users, yearly values and a dispatch history; the
    /// users' password is read from standard input
    Generate {
        #[arg(long, default_value_t = 1)]
        zones: usize,
        #[arg(long, default_value_t = 10)]
        projects_per_zone: usize,
        #[arg(long, default_value_t = 5)]
        years: i32,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain and every stored value against it; exit 1 when anything is broken.
    /// It prints each zone's head `SEQ:HASH`; keep it outside the database, and pass it back with
    /// `--expect` to prove that no event was cut off the end since.
    Verify {
        /// `ZONE=SEQ:HASH` (repeatable): a head printed by an earlier run
        #[arg(long)]
        expect: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportTable {
    Annex1,
    Annex2,
    Observations,
    Dispatch,
}

#[derive(Clone, Copy, ValueEnum)]
enum TemplateArg {
    Observations,
    Dispatch,
}

#[derive(Clone, Copy, ValueEnum)]
enum TableFormat {
    Xlsx,
    Csv,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Json,
}

/// The keys of the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    /// `"2024-06-01"` or a TOML date `2024-06-01`
    today: Option<toml::Value>,
    addr: Option<String>,
    pdf_font: Option<PathBuf>,
}

/// Settings after precedence.
struct Settings {
    data_dir: PathBuf,
    database_url: String,
    today: Option<NaiveDate>,
    addr: String,
    pdf_font: Option<PathBuf>,
}

fn settings(cli: &Cli, addr_flag: Option<&str>) -> anyhow::Result<Settings> {
    let file: ConfigFile = match &cli.config {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read the config file {}", p.display()))?;
            toml::from_str(&text).with_context(|| format!("config file {}", p.display()))?
        }
        None => ConfigFile::default(),
    };
    let data_dir = cli.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("./ecociv-data"));
    let database_url = cli.database_url.clone().or(file.database_url).unwrap_or_else(|| format!("sqlite://{}", data_dir.join("ecociv.db").display()));
    let (today_text, source) = match (&cli.today, &file.today) {
        (Some(t), _) => (Some(t.clone()), "--today / ECOCIV_TODAY"),
        (None, Some(toml::Value::String(t))) => (Some(t.clone()), "the config file's today"),
        (None, Some(toml::Value::Datetime(d))) => (Some(d.to_string()), "the config file's today"),
        (None, Some(other)) => (Some(format!("{other:?}")), "the config file's today"),
        (None, None) => (None, ""),
    };
    let today = match today_text {
        Some(t) => Some(parse_today(&t).map_err(|e| anyhow::anyhow!("{source}: {e}"))?),
        None => None,
    };
    let addr = addr_flag.map(String::from).or(file.addr).unwrap_or_else(|| "127.0.0.1:8080".into());
    let pdf_font = cli.pdf_font.clone().or(file.pdf_font);
    Ok(Settings { data_dir, database_url, today, addr, pdf_font })
}

/// The application for a store and the settings (the PDF font read once, here).
fn app_state(s: &Settings, store: std::sync::Arc<dyn Store>, plan: &Plan) -> anyhow::Result<ecociv_app::App> {
    let mut state = ecociv_app::App::new(store, s.today, &plan.zone.code);
    if let Some(path) = &s.pdf_font {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read the PDF font {}", path.display()))?;
        state.pdf_font = Some(std::sync::Arc::new(bytes));
    }
    Ok(state)
}

fn embedded_plan() -> anyhow::Result<Plan> {
    build_plan(&hohhot()).context("the embedded plan data is invalid")
}

/// Opens the database (creating the data folder of the embedded default).
async fn open_db(s: &Settings) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    if let Some(path) = s.database_url.strip_prefix("sqlite://")
        && let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create the data folder {}", dir.display()))?;
    }
    ecociv_store::connect(&s.database_url).await.with_context(|| format!("cannot open {}", ecociv_store::redact(&s.database_url)))
}

/// Opens the store, migrates it and loads the embedded plan (a no-op when already loaded).
async fn open_store(s: &Settings) -> anyhow::Result<(std::sync::Arc<dyn Store>, Plan)> {
    let store = open_db(s).await?;
    store.migrate().await.context("migrations failed")?;
    let plan = embedded_plan()?;
    match store.load_plan(&plan, "system").await.context("loading the plan failed")? {
        LoadOutcome::Loaded => tracing::info!("loaded the plan {} of zone {}", plan.code, plan.zone.code),
        LoadOutcome::Updated => tracing::info!("updated the plan {} of zone {}", plan.code, plan.zone.code),
        LoadOutcome::Unchanged => {}
    }
    Ok((store, plan))
}

fn write_out(output: Option<&PathBuf>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
            Ok(())
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Serve { addr } => {
            let s = settings(&cli, addr.as_deref())?;
            let listener = tokio::net::TcpListener::bind(&s.addr).await.with_context(|| format!("cannot listen on {}", s.addr))?;
            let (store, plan) = open_store(&s).await?;
            let state = app_state(&s, store, &plan)?;
            println!("ecociv: http://{} ({})", listener.local_addr()?, ecociv_store::redact(&s.database_url));
            axum::serve(listener, ecociv_web::router(ecociv_web::AppState::of(state))).with_graceful_shutdown(shutdown()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Config { addr } => {
            let s = settings(&cli, addr.as_deref())?;
            let today = s.today.map(|d| d.to_string()).unwrap_or_else(|| format!("{} (real date)", chrono::Local::now().date_naive()));
            println!(
                "data_dir = {:?}\ndatabase_url = {:?}\ntoday = {:?}\naddr = {:?}\npdf_font = {:?}",
                s.data_dir.display().to_string(),
                ecociv_store::redact(&s.database_url),
                today,
                s.addr,
                s.pdf_font.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "(shipped WenQuanYi Micro Hei)".into())
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let s = settings(&cli, None)?;
            let store = open_db(&s).await?;
            store.migrate().await.context("migrations failed")?;
            println!("migrations applied: {}", ecociv_store::redact(&s.database_url));
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan { command: PlanCommand::Export { format: ExportFormat::Json, output } } => {
            let s = settings(&cli, None)?;
            let (store, plan) = open_store(&s).await?;
            let stored = store.plan(&plan.zone.code).await?.context("the plan is not in the store")?;
            write_out(output.as_ref(), &serde_json::to_string_pretty(&stored)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan { command: PlanCommand::Audit { format, lang } } => {
            settings(&cli, None)?;
            let l = *lang;
            let plan = embedded_plan()?;
            match format {
                Format::Json => write_out(None, &serde_json::to_string_pretty(&plan.findings)?)?,
                Format::Table => {
                    let mut out = String::new();
                    for f in &plan.findings {
                        let sev = match (f.severity, l) {
                            (ecociv_core::audit::Severity::Warning, Locale::Zh) => "警告",
                            (ecociv_core::audit::Severity::Info, Locale::Zh) => "提示",
                            (ecociv_core::audit::Severity::Warning, Locale::En) => "warning",
                            (ecociv_core::audit::Severity::Info, Locale::En) => "info",
                        };
                        out.push_str(&format!(
                            "[{sev}] {} · {} ({})\n    {}: {}\n    {}: {}\n",
                            f.place_label(l),
                            f.code.title(l),
                            f.code.code(),
                            l.pick("原文", "printed"),
                            f.printed,
                            l.pick("解读", "reading"),
                            f.suggested
                        ));
                        if !f.note_in(l).is_empty() {
                            out.push_str(&format!("    {}: {}\n", l.pick("说明", "note"), f.note_in(l)));
                        }
                    }
                    let warnings = plan.findings.iter().filter(|f| f.severity == ecociv_core::audit::Severity::Warning).count();
                    out.push_str(&match l {
                        Locale::Zh => format!("共 {} 项（警告 {warnings} 项）", plan.findings.len()),
                        Locale::En => format!("{} findings ({warnings} warnings)", plan.findings.len()),
                    });
                    write_out(None, &out)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User { command } => {
            let s = settings(&cli, None)?;
            let (store, plan) = open_store(&s).await?;
            match command {
                UserCommand::Add { name, org, role } => {
                    let role = ecociv_core::access::Role::parse(role)
                        .with_context(|| format!("--role {role:?}: expected admin, task_force, department, region, unit or viewer"))?;
                    let unit = plan.org_unit(org).with_context(|| format!("--org {org:?} is not an org unit of the plan (nor an alias of one)"))?;
                    let needed = role.org_kind().or(match role {
                        // the task force and the platform's administrators sit in a department
                        ecociv_core::access::Role::TaskForce | ecociv_core::access::Role::Admin => Some(ecociv_core::model::OrgKind::Department),
                        _ => None,
                    });
                    if let Some(kind) = needed
                        && unit.kind != kind
                    {
                        anyhow::bail!("--org {org:?} is a {:?}, but the role {} needs a {:?}", unit.kind, role.code(), kind);
                    }
                    if name.trim().is_empty() || name.chars().any(char::is_whitespace) {
                        anyhow::bail!("the user name {name:?} must be one word");
                    }
                    let password = read_password()?;
                    if let Err(e) = ecociv_core::entry::check_password_strength(&password) {
                        anyhow::bail!("{}", e.message(Locale::Zh).to_string() + " / " + e.message(Locale::En));
                    }
                    let hash = ecociv_app::accounts::hash_password(password).await?;
                    let user = ecociv_core::record::UserRecord {
                        name: name.clone(),
                        zone: plan.zone.code.clone(),
                        org_unit: unit.name.clone(),
                        role,
                        password_hash: hash,
                        failed_logins: 0,
                        locked_until: String::new(),
                        created_at: ecociv_store::trail::now(),
                    };
                    store.create_user(&user, "cli").await.with_context(|| format!("cannot create the user {name:?}"))?;
                    println!("user {name} ({}, {}) created", unit.name, role.code());
                }
                UserCommand::SetPassword { name } => {
                    let user = store.user(name).await?.with_context(|| format!("no user {name:?}"))?;
                    let password = read_password()?;
                    if let Err(e) = ecociv_core::entry::check_password_strength(&password) {
                        anyhow::bail!("{}", e.message(Locale::En));
                    }
                    let hash = ecociv_app::accounts::hash_password(password).await?;
                    let after = ecociv_core::record::UserRecord { password_hash: hash, failed_logins: 0, locked_until: String::new(), ..user.clone() };
                    store.update_user(&user, &after, "user.password_set", "cli", "").await?;
                    store.delete_sessions_of(name).await?;
                    println!("password of {name} set");
                }
                UserCommand::List => {
                    for u in store.users(&plan.zone.code).await? {
                        println!("{}\t{}\t{}", u.name, u.role.code(), u.org_unit);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { command } => {
            let s = settings(&cli, None)?;
            let (store, _) = open_store(&s).await?;
            match command {
                TokenCommand::Create { user } => {
                    let u = store.user(user).await?.with_context(|| format!("no user {user:?}"))?;
                    let token = ecociv_app::accounts::random_token();
                    let id = store.create_token(&u, &ecociv_app::accounts::fingerprint(&token), "cli").await?;
                    println!("token {id} for {user}: {token}");
                }
                TokenCommand::Revoke { user, id } => {
                    let u = store.user(user).await?.with_context(|| format!("no user {user:?}"))?;
                    let n = store.revoke_tokens(&u, *id, "cli").await?;
                    if n == 0 {
                        anyhow::bail!("{user} has no live token{}", id.map(|i| format!(" with id {i}")).unwrap_or_default());
                    }
                    println!("{n} token(s) of {user} revoked");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { table, format, output, project, region, lang } => {
            let s = settings(&cli, None)?;
            let (store, plan) = open_store(&s).await?;
            let z = &plan.zone.code;
            let l = *lang;
            let region = match region {
                Some(r) => Some(plan.region(r).with_context(|| format!("--region {r:?} is not a region"))?.name.clone()),
                None => None,
            };
            if (project.is_some() || region.is_some()) && !matches!(table, ExportTable::Dispatch) {
                anyhow::bail!("--project and --region narrow the dispatch history only");
            }
            if project.is_some() && region.is_some() {
                anyhow::bail!("--project and --region: give one of them");
            }
            if let Some(n) = project
                && plan.project(*n).is_none()
            {
                anyhow::bail!("--project {n}: the plan has projects 1–{}", plan.projects.len());
            }
            let today = s.today.unwrap_or_else(|| chrono::Local::now().date_naive());
            let default = ecociv_core::entry::ZoneSettings::default();
            let year = store.zone_settings(z).await?.map(|x| x.settings(&default)).unwrap_or(default).projection_year(today);
            let t = match table {
                ExportTable::Annex1 => ecociv_report::annex1(&plan, &store.observations(z).await?, &store.upper_targets(z).await?, year, l),
                ExportTable::Annex2 => ecociv_report::annex2(&plan, &store.dispatch_reports(z).await?, l),
                ExportTable::Observations => ecociv_report::observations(&plan, &store.observations(z).await?, l),
                ExportTable::Dispatch => ecociv_report::dispatch(&plan, &store.dispatch_reports(z).await?, *project, region.as_deref(), l),
            };
            let bytes = match format {
                TableFormat::Xlsx => ecociv_report::xlsx(&[t])?,
                TableFormat::Csv => ecociv_report::csv(&t),
                TableFormat::Json => ecociv_report::json(&t),
            };
            match (output, format) {
                (Some(p), _) => std::fs::write(p, &bytes).with_context(|| format!("cannot write {}", p.display()))?,
                (None, TableFormat::Xlsx) => anyhow::bail!("--output FILE is needed for xlsx"),
                (None, _) => std::io::stdout().lock().write_all(&bytes)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Template { kind, org, period, output, lang } => {
            use ecociv_report::template::{dispatch_template, observation_template};
            let s = settings(&cli, None)?;
            let (store, plan) = open_store(&s).await?;
            let z = &plan.zone.code;
            let org = plan.org_unit(org).with_context(|| format!("--org {org:?} is not an org unit of the plan"))?.clone();
            let made_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let today = s.today.unwrap_or_else(|| chrono::Local::now().date_naive());
            let bytes = match kind {
                TemplateArg::Observations => {
                    let year = ecociv_report::template::observation_year(&plan, period, ecociv_core::entry::YearMonth::of(today)).with_context(|| {
                        format!("--period {period:?}: a year from {} to {} is expected for observations", plan.base_year, chrono::Datelike::year(&today))
                    })?;
                    let regional = store.zone_settings(z).await?.map(|x| x.regional_indicators).unwrap_or_default();
                    observation_template(&plan, &org, year, &regional, &store.observations(z).await?, &made_at, *lang, None)?
                }
                TemplateArg::Dispatch => {
                    let month = ecociv_report::template::dispatch_month(period, ecociv_core::entry::YearMonth::of(today)).with_context(|| {
                        format!("--period {period:?}: a month YYYY-MM not after {} is expected for dispatch", ecociv_core::entry::YearMonth::of(today))
                    })?;
                    dispatch_template(&plan, &org, month, &store.dispatch_reports(z).await?, &made_at, *lang, None)?
                }
            };
            std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
            println!("{}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { command: DemoCommand::Generate { zones, projects_per_zone, years } } => {
            let s = settings(&cli, None)?;
            let (store, plan) = open_store(&s).await?;
            if !(1..=20).contains(years) {
                anyhow::bail!("--years must be within 1–20");
            }
            let password = read_password()?;
            if let Err(e) = ecociv_core::entry::check_password_strength(&password) {
                anyhow::bail!("{}", e.message(Locale::En));
            }
            let hash = ecociv_app::accounts::hash_password(password).await?;
            demo::generate(store.as_ref(), &plan, *zones, *projects_per_zone, *years, &hash).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Verify { expect } } => {
            let s = settings(&cli, None)?;
            let store = open_db(&s).await?;
            store.migrate().await.context("migrations failed")?;
            let mut ok = true;
            let zones = store.trail_zones().await?;
            for z in &zones {
                let v = store.verify(z).await?;
                let events = store.trail(z).await?;
                for e in expect.iter().filter_map(|x| x.split_once('=')).filter(|(zone, _)| zone == z) {
                    let (seq, hash) = e.1.split_once(':').with_context(|| format!("--expect {}={}: expected ZONE=SEQ:HASH", e.0, e.1))?;
                    let seq: i64 = seq.parse().with_context(|| format!("--expect: {seq:?} is not a number"))?;
                    if !events.iter().any(|ev| ev.seq == seq && ev.hash == hash) {
                        ok = false;
                        println!("zone {z}: BROKEN: the expected event {seq} ({hash}) is not in the trail any more");
                    }
                }
                if let Some(last) = events.last() {
                    println!("zone {z}: head {z}={}:{}", last.seq, last.hash);
                }
                if v.ok() {
                    println!("zone {z}: {} events, chain intact, every stored value matches its last record", v.events);
                    continue;
                }
                ok = false;
                if let Some(b) = &v.broken {
                    println!("zone {z}: BROKEN at event {} ({} {}): {}", b.seq, b.entity, b.entity_id, b.problem);
                }
                for t in &v.tampered {
                    println!("zone {z}: TAMPERED {} {}: {}", t.entity, t.entity_id, t.problem);
                }
            }
            if zones.is_empty() {
                println!("no events yet");
            }
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Import { file, user, report, lang } => {
            let l = *lang;
            let s = settings(&cli, None)?;
            let (store, plan) = open_store(&s).await?;
            let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let u = store.user(user).await?.with_context(|| format!("--as {user:?}: no such user"))?;
            let state = ecociv_app::App::new(store, s.today, &plan.zone.code);
            let actor = ecociv_app::accounts::actor_of(&u);
            let r = ecociv_app::imports::import(&state, &actor, &bytes).await.map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.describe(l)))?;
            if r.ok() {
                println!(
                    "{}",
                    l.pick(
                        &format!("已保存 {} 条，未变化 {} 条（共 {} 行）", r.stored, r.unchanged, r.rows),
                        &format!("stored {}, unchanged {} ({} rows)", r.stored, r.unchanged, r.rows)
                    )
                );
                return Ok(ExitCode::SUCCESS);
            }
            for p in &r.problems {
                let place = p.place(l);
                let at = if place.is_empty() { String::new() } else { format!(" {place}:") };
                let found = if p.found.is_empty() { String::new() } else { format!(" {:?} →", p.found) };
                eprintln!("{}:{at}{found} {} [{}]", file.display(), p.expected(l), p.code);
            }
            eprintln!(
                "{}",
                l.pick(
                    &format!("{} 个问题，未保存任何数据", r.problems.len()),
                    &format!("{} problem{}; nothing was stored", r.problems.len(), if r.problems.len() == 1 { "" } else { "s" })
                )
            );
            if let (Some(out), Some(bytes)) = (report, ecociv_app::imports::marked_workbook(&state, &actor, &r, l).await) {
                std::fs::write(out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
                eprintln!("{}", out.display());
            }
            Ok(ExitCode::from(2))
        }
        Command::Report { kind, month, quarter, year, format, output, lang } => {
            use ecociv_app::documents::Document;
            let s = settings(&cli, None)?;
            let (store, plan) = open_store(&s).await?;
            let (name, flag, value) = match kind {
                ReportKind::Bulletin => ("bulletin", "--month", month),
                ReportKind::Assessment => ("assessment", "--quarter", quarter),
                ReportKind::Work => ("work", "--year", year),
                ReportKind::Technical => ("technical", "--year", year),
            };
            let value = value.as_deref().with_context(|| format!("report {name} needs {flag}"))?;
            let doc = Document::parse(name, value).with_context(|| format!("{flag} {value:?} is not a period of a {name} report"))?;
            let state = app_state(&s, store, &plan)?;
            if !doc.admissible(&plan, state.today()) {
                anyhow::bail!("{flag} {value}: no such period yet, or before the plan");
            }
            let format = match format {
                DocFormat::Docx => ecociv_app::documents::Format::Docx,
                DocFormat::Pdf => ecociv_app::documents::Format::Pdf,
            };
            let bytes =
                ecociv_app::documents::render(&state, &plan, doc, format, *lang).await.map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.describe(*lang)))?;
            std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
            println!("{}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Archive { year, output, lang } => {
            let s = settings(&cli, None)?;
            let (store, plan) = open_store(&s).await?;
            let today = s.today.unwrap_or_else(|| chrono::Local::now().date_naive());
            if !(plan.base_year..=chrono::Datelike::year(&today)).contains(year) {
                anyhow::bail!("--year {year}: a year from {} to {} is expected", plan.base_year, chrono::Datelike::year(&today));
            }
            let bytes =
                ecociv_app::archive::archive(store.as_ref(), &plan, *year, *lang).await.map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.describe(*lang)))?;
            std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
            println!("{}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { file, format, lang } => {
            settings(&cli, None)?;
            let l = *lang;
            let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let plan = embedded_plan()?;
            let report = check_csv(&plan, &bytes, l);
            match format {
                Format::Json => write_out(None, &serde_json::to_string_pretty(&report)?)?,
                Format::Table => {
                    let mut out = String::new();
                    if report.errors.is_empty() {
                        let head = match l {
                            Locale::Zh => ["指标", "年份", "地区", "值", "状态", "原因"],
                            Locale::En => ["indicator", "year", "region", "value", "status", "reason"],
                        };
                        out.push_str(&format!("{:<6} {:<5} {:<10} {:<12} {:<15} {}\n", head[0], head[1], head[2], head[3], head[4], head[5]));
                        for r in &report.results {
                            out.push_str(&format!(
                                "{:<6} {:<5} {:<10} {:<12} {:<15} {}\n",
                                r.indicator,
                                r.year,
                                r.region.as_deref().unwrap_or("-"),
                                r.value.as_deref().unwrap_or("-"),
                                r.status.label(l),
                                r.reason
                            ));
                        }
                    } else {
                        for e in &report.errors {
                            out.push_str(&format!("{}:{}: {}\n", file.display(), e.line, e.message));
                        }
                    }
                    if report.errors.is_empty() {
                        write_out(None, out.trim_end())?;
                    } else {
                        eprint!("{out}");
                    }
                }
            }
            Ok(if report.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
        }
    }
}

/// One line of standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).context("cannot read the password from standard input")?;
    let pw = line.trim_end_matches(['\n', '\r']).to_string();
    if pw.is_empty() {
        anyhow::bail!("no password on standard input");
    }
    Ok(pw)
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("ECOCIV_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ecociv: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ecociv: {e:#}");
            ExitCode::FAILURE
        }
    }
}
