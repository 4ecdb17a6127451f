//! The `ecociv` binary: clap subcommands wiring the crates together.
//!
//! Global flags are also environment variables and config-file keys; precedence is flag, then
//! environment, then config file, then default: `--data-dir` (`ECOCIV_DATA_DIR`, `data_dir`),
//! `--database-url` (`ECOCIV_DATABASE_URL`, `database_url`), `--config` (`ECOCIV_CONFIG`),
//! `--today` (`ECOCIV_TODAY`, `today`).
//!
//! Every command but `serve` calls `ecociv-app` (`serve` hands the application to
//! `ecociv-web`); here are only the arguments, the files and standard input read, what is
//! printed and the exit codes.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use ecociv_app::exports::{Narrow, Table, TemplateKind};
use ecociv_app::signing::{self, TrailKey};
use ecociv_app::{App, AppError, accounts, audit, demo, exports, zones};
use ecociv_core::Locale;
use ecociv_core::check::check_csv;
use ecociv_core::clock::parse_today;
use ecociv_core::locale::{t, tf};
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
    /// A TOML file with data_dir, database_url, today, addr, pdf_font, trail_key
    #[arg(long, env = "ECOCIV_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// The date ecociv believes it is, YYYY-MM-DD [default: the real date]
    #[arg(long, env = "ECOCIV_TODAY", global = true)]
    today: Option<String>,
    /// A font file with Chinese glyphs (.ttf, .otf, .ttc) for the PDF documents [default: the
    /// shipped WenQuanYi Micro Hei]
    #[arg(long, env = "ECOCIV_PDF_FONT", global = true)]
    pdf_font: Option<PathBuf>,
    /// The key that signs the heads of the audit trail, made at the first start; keep it out of
    /// the database and its backups [default: beside the data folder, DATA_DIR.trail-key]
    #[arg(long, env = "ECOCIV_TRAIL_KEY", global = true)]
    trail_key: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// Where reminders are sent from, and how often.
#[derive(clap::Args, Clone)]
struct Reminding {
    /// The mail server of reminders: smtp://HOST:25 (a trusted relay, no TLS),
    /// smtp://USER:PASS@HOST:587?tls=required (STARTTLS) or smtps://USER:PASS@HOST:465 (TLS)
    /// [default: no mail; group robots still work]
    #[arg(long, env = "ECOCIV_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of reminders by mail
    #[arg(long, env = "ECOCIV_MAIL_FROM", default_value = "ecociv <ecociv@localhost>")]
    mail_from: String,
    /// The site's address as its users reach it, for the links in reminders [default:
    /// http://ADDR]
    #[arg(long, env = "ECOCIV_BASE_URL")]
    base_url: Option<String>,
    /// Seconds between two rounds of the reminders (0: none; with several instances on one
    /// PostgreSQL database, one sends at a time)
    #[arg(long, env = "ECOCIV_REMIND_EVERY", default_value_t = 300)]
    remind_every: u64,
}

impl Reminding {
    fn couriers(&self, addr: &str) -> anyhow::Result<ecociv_app::delivery::Couriers> {
        let base = self.base_url.clone().unwrap_or_else(|| format!("http://{addr}"));
        ecociv_app::delivery::Couriers::new(self.smtp_url.as_deref(), &self.mail_from, &base).map_err(|e| said(e, Locale::En))
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the Hohhot plan is loaded on first start)
    Serve {
        /// HOST:PORT [default: 127.0.0.1:8080]
        #[arg(long, env = "ECOCIV_ADDR")]
        addr: Option<String>,
        /// postgres://… of a streaming replica of the database: the pages' views are read from
        /// it whenever it has caught up with the data they are for, else from the database
        #[arg(long, env = "ECOCIV_READ_DATABASE_URL", hide_env_values = true)]
        read_database_url: Option<String>,
        #[command(flatten)]
        reminding: Reminding,
    },
    /// Send the reminders and the digest due today now, once (what `serve` does every few
    /// minutes): nothing already sent goes again
    Remind {
        #[command(flatten)]
        reminding: Reminding,
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
    /// Indicator frameworks (指标体系): the revisions shipped, what changed between two, a
    /// revision read from the ministry's table
    Framework {
        #[command(subcommand)]
        command: FrameworkCommand,
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
    /// Copy the whole database (entries, accounts, trail, evidence, mastheads) into a new file
    /// while the server runs: SQLite's own copy, or pg_dump's custom format. The trail key is
    /// not in it: keep the key apart.
    Backup { file: PathBuf },
    /// Replace the database by a backup (stop the server first): checked whole before anything
    /// changes, then migrated; `audit verify` afterwards proves it untouched
    Restore { file: PathBuf },
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
    /// Zones: add one with its plan from a folder of data files, under a parent; list them
    Zone {
        #[command(subcommand)]
        command: ZoneCommand,
    },
    /// A try-out: the server on the Hohhot plan with example data and an account for each role
    /// (shown on the sign-in page), in its own folder ./ecociv-demo [or --data-dir]; `demo
    /// generate` makes synthetic zones for benchmarks
    Demo {
        #[command(subcommand)]
        command: Option<DemoCommand>,
        /// HOST:PORT [default: 127.0.0.1:8080]
        #[arg(long, env = "ECOCIV_ADDR")]
        addr: Option<String>,
        #[command(flatten)]
        reminding: Reminding,
    },
    /// Evaluate a CSV of observations (indicator,year,value[,region][,upper_target]) against
    /// the embedded plan's targets; touches no database. Exit code 2 when the file is bad.
    Check {
        /// The CSV file (UTF-8 with or without BOM, or GB18030)
        file: PathBuf,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Language of the reasons and messages: zh-CN, en, or the tag of another locale file
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
    /// The plan's closing report (--year: its last year), once it has ended
    Closing,
    /// The yearly self-assessment report (--year), once the year is over
    SelfAssessment,
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
    /// Draft a zone's next plan from its stored one into OUTPUT (plan.toml, indicators.toml,
    /// tasks.toml, projects.toml, notes.txt; or, when OUTPUT ends in .xlsx, one workbook of them
    /// to edit in a spreadsheet) under a framework revision: indicators mapped through the
    /// comparison of the revisions, tasks and unfinished projects carried over with their
    /// investment; what a person must settle is listed and left blank
    Next {
        /// A shipped revision (ecociv framework list) or a reviewed revision's .toml file
        #[arg(long)]
        framework: String,
        /// The next plan's years, such as 2026-2030
        #[arg(long)]
        years: String,
        /// The zone (default: the embedded plan's)
        #[arg(long)]
        zone: Option<String>,
        #[arg(long)]
        output: PathBuf,
        #[arg(long, default_value = "zh-CN", value_parser = parse_lang)]
        lang: Locale,
    },
    /// Issue DIR (a folder, or the .xlsx workbook), a next plan drafted with `plan next` and
    /// filled in, as its zone's plan: the plan it follows is superseded on its day of issue and
    /// stays readable with its history
    Issue { dir: PathBuf },
    /// The doubtful points of the printed plan, each with its place
    Audit {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// zh-CN, en, or the tag of another locale file
        #[arg(long, default_value = "zh-CN", value_parser = parse_lang)]
        lang: Locale,
    },
}

#[derive(Subcommand)]
enum FrameworkCommand {
    /// The revisions shipped: code, level, rows known, whether whole, name
    List,
    /// What changed from OLD to NEW row by row: kept, changed (name, unit, target), split,
    /// merged, added, dropped, or not seen where NEW is known only in part
    Diff {
        old: String,
        new: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// zh-CN, en, or the tag of another locale file
        #[arg(long, default_value = "zh-CN", value_parser = parse_lang)]
        lang: Locale,
    },
    /// Read a revision from the ministry's table (.xlsx: 领域 | 任务 | 序号 | 指标名称 | 单位 |
    /// 指标值 | 指标属性 | 适用范围 [| 对应上版序号]) or a reviewed .toml file, and write it as the
    /// reviewed TOML file to complete and ship; a row it cannot read is refused with its row and
    /// column (exit 2)
    Import {
        file: PathBuf,
        /// The revision's code, such as 2024-county
        #[arg(long)]
        code: String,
        /// Its name, such as 生态文明建设示范区（县）建设指标
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        level: LevelArg,
        /// The shipped revision it follows (what its 对应上版序号 column names)
        #[arg(long)]
        previous: Option<String>,
        /// Write to this file instead of standard output
        #[arg(long)]
        output: Option<PathBuf>,
        #[arg(long, default_value = "zh-CN", value_parser = parse_lang)]
        lang: Locale,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum LevelArg {
    City,
    County,
    CityCounty,
}

fn parse_lang(s: &str) -> Result<Locale, String> {
    Locale::parse(s).ok_or_else(|| format!("{s:?}: expected a language of ecociv ({})", Locale::all().map(Locale::tag).collect::<Vec<_>>().join(", ")))
}

#[derive(Subcommand)]
enum ZoneCommand {
    /// Add a zone with its plan from DIR (plan.toml, indicators.toml, tasks.toml, projects.toml,
    /// and framework.toml or the shipped framework the plan names; or DIR the .xlsx workbook of
    /// them); run again, it updates the plan or leaves it as it is
    Add {
        dir: PathBuf,
        /// The zone it stands under (a city for a county), whose task force sees it on /zones
        #[arg(long)]
        parent: Option<String>,
    },
    /// The zones: code, level, parent, name
    List,
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
        /// The zone whose plan has the org unit [default: the first zone, Hohhot]
        #[arg(long)]
        zone: Option<String>,
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
        /// The zone they stand under, as its counties (the zone's task force sees them rolled
        /// up on /zones)
        #[arg(long, conflicts_with = "tree")]
        parent: Option<String>,
        /// A national tree instead: cities and their counties (one city to four counties) in
        /// the provinces in turn, coded SYN and six digits (SYN150100, its county SYN150101);
        /// the national view (/zones?all=1) counts them by province
        #[arg(long)]
        tree: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain and every stored value against it; exit 1 when anything is broken.
    /// It prints each zone's head `SEQ:HASH`; keep it outside the database, and pass it back with
    /// `--expect` to prove that no event was cut off the end since.
    /// The signed heads are checked with the trail key (its public half: `--public-key`, else
    /// the key file), and the log of signatures beside the key file.
    Verify {
        /// `ZONE=SEQ:HASH` (repeatable): a head printed by an earlier run
        #[arg(long)]
        expect: Vec<String>,
        /// The public half of the trail key (hex, as `ecociv audit key` prints it)
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Print the public half of the trail key (made when there is none), to check the signed
    /// heads with anywhere
    Key,
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
    Tasks,
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
    trail_key: Option<PathBuf>,
}

/// Settings after precedence.
struct Settings {
    data_dir: PathBuf,
    /// Whether the database is the SQLite file in the data folder (no URL given): then the
    /// folder is made when missing; a URL given names a folder that must exist.
    in_data_dir: bool,
    database_url: String,
    today: Option<NaiveDate>,
    addr: String,
    pdf_font: Option<PathBuf>,
    trail_key: PathBuf,
}

fn settings(cli: &Cli, addr_flag: Option<&str>) -> anyhow::Result<Settings> {
    settings_in(cli, addr_flag, "./ecociv-data")
}

/// The settings, the data folder `default_dir` unless one is given.
fn settings_in(cli: &Cli, addr_flag: Option<&str>, default_dir: &str) -> anyhow::Result<Settings> {
    let file: ConfigFile = match &cli.config {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read the config file {}", p.display()))?;
            toml::from_str(&text).with_context(|| format!("config file {}", p.display()))?
        }
        None => ConfigFile::default(),
    };
    let data_dir = cli.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from(default_dir));
    let given = cli.database_url.clone().or(file.database_url);
    let in_data_dir = given.is_none();
    let database_url = given.unwrap_or_else(|| format!("sqlite://{}", data_dir.join("ecociv.db").display()));
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
    let trail_key = cli.trail_key.clone().or(file.trail_key).unwrap_or_else(|| zones::beside(&data_dir, ".trail-key"));
    Ok(Settings { data_dir, in_data_dir, database_url, today, addr, pdf_font, trail_key })
}

/// The URL of the database, its data folder made first when the database lives there.
fn store_url(s: &Settings) -> anyhow::Result<&str> {
    if s.in_data_dir {
        zones::create_data_folder(&s.data_dir).map_err(|e| said(e, Locale::En))?;
    }
    Ok(&s.database_url)
}

/// The application on the database of the settings, migrated, with the embedded plan loaded,
/// and the heads of its trail signed.
async fn open_app(s: &Settings) -> anyhow::Result<App> {
    let (app, _) = zones::open_app(store_url(s)?, s.today).await.map_err(|e| said(e, Locale::En))?;
    sign(s, &app).await?;
    Ok(app)
}

/// The key that signs the trail's heads, made when there is none.
fn trail_key(s: &Settings) -> anyhow::Result<TrailKey> {
    TrailKey::open_or_create(&s.trail_key).map_err(|e| said(e, Locale::En))
}

/// Signs the heads of the trail that no signature covers yet (after a command wrote), with the
/// key that signed them before (see `signing::key_for`).
async fn sign(s: &Settings, app: &App) -> anyhow::Result<()> {
    let key = signing::key_for(app, &s.trail_key).await.map_err(|e| said(e, Locale::En))?;
    signing::sign_heads(app, &key).await.map_err(|e| said(e, Locale::En))?;
    Ok(())
}

/// The application with the PDF font of the settings, read once, here (for the commands that
/// write PDF files).
fn with_pdf_font(s: &Settings, mut app: App) -> anyhow::Result<App> {
    if let Some(path) = &s.pdf_font {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read the PDF font {}", path.display()))?;
        app.pdf_font = Some(std::sync::Arc::new(bytes));
    }
    Ok(app)
}

/// An error of the application as the command line says it: the messages of the checks that
/// refused an input; else its code, its message with what it concerns, and what broke where it
/// says.
fn said(e: AppError, l: Locale) -> anyhow::Error {
    if !e.checks.is_empty() {
        return anyhow::anyhow!("{}", checks(&e, l));
    }
    match &e.detail {
        Some(d) if e.kind == ecociv_app::Kind::Internal => anyhow::anyhow!("{}: {}: {d}", e.code, e.describe(l)),
        _ => anyhow::anyhow!("{}: {}", e.code, e.describe(l)),
    }
}

/// The messages of the checks that refused an input.
fn checks(e: &AppError, l: Locale) -> String {
    e.checks.iter().map(|c| c.message(l)).collect::<Vec<_>>().join("; ")
}

/// The value of a field of an error.
fn field<'a>(e: &'a AppError, name: &str) -> &'a str {
    e.fields.get(name).map(String::as_str).unwrap_or_default()
}

/// A word with its first letter in upper case (`region` → `Region`).
fn title(word: &str) -> String {
    let mut c = word.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
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
        Command::Serve { addr, read_database_url, reminding } => {
            let s = settings(&cli, addr.as_deref())?;
            let couriers = reminding.couriers(&s.addr)?;
            let listener = tokio::net::TcpListener::bind(&s.addr).await.with_context(|| format!("cannot listen on {}", s.addr))?;
            // the replica first: a wrong one stops the server before the database is touched
            let replica = match &read_database_url {
                Some(url) => Some(zones::open_replica(&s.database_url, url).await.map_err(|e| said(e, Locale::En))?),
                None => None,
            };
            let mut app = open_app(&s).await?;
            app.replica = replica;
            serve(&s, listener, app, (couriers, reminding.remind_every)).await
        }
        Command::Remind { reminding } => {
            let s = settings(&cli, None)?;
            let couriers = reminding.couriers(&s.addr)?;
            let app = open_app(&s).await?;
            let round = ecociv_app::reminders::deliver(&app, &couriers).await.map_err(|e| said(e, Locale::En))?;
            // the servers' next round need not wait for this command's lease to lapse
            app.release(ecociv_app::reminders::LEASE).await.map_err(|e| said(e, Locale::En))?;
            if round.elsewhere {
                println!("a running instance sends the reminders now: nothing sent");
            } else {
                println!("reminders: {} sent, {} failed (the sent log of each zone is on /reminders)", round.sent, round.failed);
            }
            Ok(if round.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Demo { command: None, addr, reminding } => {
            let s = settings_in(&cli, addr.as_deref(), "./ecociv-demo")?;
            let couriers = reminding.couriers(&s.addr)?;
            let listener = tokio::net::TcpListener::bind(&s.addr).await.with_context(|| format!("cannot listen on {}", s.addr))?;
            let store = zones::open(store_url(&s)?).await.map_err(|e| said(e, Locale::En))?;
            let plan = zones::embedded_plan().map_err(|e| said(e, Locale::En))?;
            let today = s.today.unwrap_or_else(|| ecociv_app::tryout::default_today(&plan));
            let app = App::new(store, Some(today), &plan.zone.code);
            let made = ecociv_app::tryout::prepare(&app, today).await.map_err(|e| said(e, Locale::En))?;
            sign(&s, &app).await?;
            println!("ecociv try-out: {} with example data as of {today} ({} entries made now), in {}", plan.zone.name, made.entries, s.data_dir.display());
            println!("accounts (password {}): {}", ecociv_app::tryout::PASSWORD, made.accounts.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "));
            if !listener.local_addr()?.ip().is_loopback() {
                eprintln!("warning: the try-out shows its accounts and their password on its sign-in page to anyone who reaches {}", s.addr);
            }
            serve(&s, listener, app, (couriers, reminding.remind_every)).await
        }
        Command::Config { addr } => {
            let s = settings(&cli, addr.as_deref())?;
            let today = s.today.map(|d| d.to_string()).unwrap_or_else(|| format!("{} (real date)", chrono::Local::now().date_naive()));
            println!(
                "data_dir = {:?}\ndatabase_url = {:?}\ntoday = {:?}\naddr = {:?}\npdf_font = {:?}\ntrail_key = {:?}",
                s.data_dir.display().to_string(),
                zones::redact(&s.database_url),
                today,
                s.addr,
                s.pdf_font.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "(shipped WenQuanYi Micro Hei)".into()),
                s.trail_key.display().to_string()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let s = settings(&cli, None)?;
            zones::open(store_url(&s)?).await.map_err(|e| said(e, Locale::En))?;
            println!("migrations applied: {}", zones::redact(&s.database_url));
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan { command: PlanCommand::Export { format: ExportFormat::Json, output } } => {
            let s = settings(&cli, None)?;
            let app = open_app(&s).await?;
            let stored = app.plan(None).await.map_err(|e| said(e, Locale::En))?;
            write_out(output.as_ref(), &serde_json::to_string_pretty(&*stored)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan { command: PlanCommand::Next { framework, years, zone, output, lang } } => {
            let s = settings(&cli, None)?;
            let l = *lang;
            let (start, end) = years
                .split_once('-')
                .and_then(|(a, b)| Some((a.trim().parse::<i32>().ok()?, b.trim().parse::<i32>().ok()?)))
                .ok_or_else(|| anyhow::anyhow!("--years {years:?}: expected two years, such as 2026-2030"))?;
            let revision = if framework.to_lowercase().ends_with(".toml") {
                let text = std::fs::read_to_string(framework).with_context(|| format!("cannot read {framework}"))?;
                ecociv_core::framework::read_toml(framework, &text)?
            } else {
                ecociv_app::frameworks::revision(framework).map_err(|e| said(e, l))?.clone()
            };
            let app = open_app(&s).await?;
            let zone = zone.clone().unwrap_or_else(|| app.default_zone.clone());
            let d = ecociv_app::plan_next::draft(&app, &zone, &revision, start, end).await.map_err(|e| said(e, l))?;
            let notes: String = d.notes.iter().map(|n| format!("{}\n", n.text(l))).collect();
            let book = output.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
            if book {
                // the workbook names a shipped revision; a revision of a file goes with the files
                if framework.to_lowercase().ends_with(".toml") {
                    anyhow::bail!("--output {}: a revision read from {framework} goes with the plan's files: give a folder", output.display());
                }
                ecociv_app::plan_next::write_book(output, &d, l).map_err(|e| said(e, l))?;
            } else {
                ecociv_app::plan_next::write(output, &d, &notes).map_err(|e| said(e, l))?;
            }
            if framework.to_lowercase().ends_with(".toml") {
                std::fs::copy(framework, output.join("framework.toml")).with_context(|| format!("cannot copy {framework}"))?;
            }
            print!("{notes}");
            eprintln!("{}: {} ({} notes)", output.display(), t(l, "plan_next.written"), d.notes.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan { command: PlanCommand::Issue { dir } } => {
            let s = settings(&cli, None)?;
            let app = open_app(&s).await?;
            let next = zones::plan_from_folder(dir).map_err(|e| said(e, Locale::En))?;
            ecociv_app::plan_next::issue(&app, &next, "cli").await.map_err(|e| said(e, Locale::En))?;
            sign(&s, &app).await?;
            println!(
                "zone {}: plan {} issued ({}), superseding {}",
                next.zone.code,
                next.code,
                next.document_number,
                next.lineage.map(|l| l.previous).unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Framework { command } => {
            settings(&cli, None)?;
            match command {
                FrameworkCommand::List => {
                    for r in ecociv_app::frameworks::list() {
                        let level = r.level.map(|l| serde_json::to_value(l).unwrap_or_default().as_str().unwrap_or_default().to_string()).unwrap_or_default();
                        let whole = if r.complete { "whole" } else { "in part" };
                        println!("{:<12} {:<12} {:>3} rows  {:<8} {}", r.code, level, r.rows.len(), whole, r.name);
                    }
                    Ok(ExitCode::SUCCESS)
                }
                FrameworkCommand::Diff { old, new, format, lang } => {
                    let d = ecociv_app::frameworks::compare(old, new).map_err(|e| said(e, *lang))?;
                    match format {
                        Format::Json => write_out(None, &serde_json::to_string_pretty(&d)?)?,
                        Format::Table => print!("{}", d.text(*lang)),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                FrameworkCommand::Import { file, code, name, level, previous, output, lang } => {
                    let l = *lang;
                    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
                    let level = match level {
                        LevelArg::City => ecociv_core::framework::Level::City,
                        LevelArg::County => ecociv_core::framework::Level::County,
                        LevelArg::CityCounty => ecociv_core::framework::Level::CityCounty,
                    };
                    let naming = ecociv_app::frameworks::Naming { code, name, level, previous: previous.as_deref() };
                    match ecociv_app::frameworks::read(&file.to_string_lossy(), &bytes, &naming) {
                        Ok(rev) => {
                            // a reviewed TOML file that checks is written as it is (its own grouping
                            // and codes); a table is written as the TOML it makes
                            let text = match std::str::from_utf8(&bytes) {
                                Ok(own) if file.to_string_lossy().to_lowercase().ends_with(".toml") => own.to_string(),
                                _ => ecociv_core::framework_table::to_toml(&rev),
                            };
                            write_out(output.as_ref(), &text)?;
                            eprintln!("{}: {} rows", rev.code, rev.rows.len());
                            Ok(ExitCode::SUCCESS)
                        }
                        Err(problems) => {
                            for p in &problems {
                                let place = p.place(l);
                                let at = if place.is_empty() { String::new() } else { format!(" {place}:") };
                                eprintln!("{}:{at} {} [{}]", file.display(), p.expected(l), p.code);
                            }
                            Ok(ExitCode::from(2))
                        }
                    }
                }
            }
        }
        Command::Plan { command: PlanCommand::Audit { format, lang } } => {
            settings(&cli, None)?;
            let l = *lang;
            let plan = zones::embedded_plan().map_err(|e| said(e, Locale::En))?;
            match format {
                Format::Json => write_out(None, &serde_json::to_string_pretty(&plan.findings)?)?,
                Format::Table => {
                    let mut out = String::new();
                    for f in &plan.findings {
                        let sev = t(
                            l,
                            match f.severity {
                                ecociv_core::audit::Severity::Warning => "severity.warning",
                                ecociv_core::audit::Severity::Info => "severity.info",
                            },
                        );
                        out.push_str(&format!(
                            "[{sev}] {} · {} ({})\n    {}: {}\n    {}: {}\n",
                            f.place_label(l),
                            f.code.title(l),
                            f.code.code(),
                            t(l, "cli.findings.printed"),
                            f.printed,
                            t(l, "cli.findings.reading"),
                            f.suggested
                        ));
                        if !f.note_in(l).is_empty() {
                            out.push_str(&format!("    {}: {}\n", t(l, "cli.findings.note"), f.note_in(l)));
                        }
                    }
                    let warnings = plan.findings.iter().filter(|f| f.severity == ecociv_core::audit::Severity::Warning).count();
                    out.push_str(&tf(l, "cli.findings.count", &[("count", plan.findings.len().to_string()), ("warnings", warnings.to_string())]));
                    write_out(None, &out)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Zone { command } => {
            let s = settings(&cli, None)?;
            let app = open_app(&s).await?;
            match command {
                ZoneCommand::Add { dir, parent } => {
                    let (plan, outcome) = zones::add_zone(&app, dir, parent.as_deref(), "cli").await.map_err(|e| said(e, Locale::En))?;
                    sign(&s, &app).await?;
                    println!("zone {} {}: plan {} {:?}", plan.zone.code, plan.zone.name, plan.code, outcome);
                }
                ZoneCommand::List => {
                    for z in app.store.zones().await.map_err(|e| said(e.into(), Locale::En))? {
                        let level = serde_json::to_value(z.level)?.as_str().unwrap_or_default().to_string();
                        println!("{:<10} {:<7} {:<10} {}", z.code, level, z.parent.as_deref().unwrap_or("-"), z.name);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User { command } => {
            let s = settings(&cli, None)?;
            let app = open_app(&s).await?;
            let en = |e: AppError| said(e, Locale::En);
            match command {
                UserCommand::Add { name, org, role, zone } => {
                    let role = ecociv_core::access::Role::parse(role)
                        .with_context(|| format!("--role {role:?}: expected admin, task_force, department, region, unit or viewer"))?;
                    let new = accounts::new_user_in(&app, zone.as_deref(), name, org, role).await.map_err(|e| match e.code {
                        "unknown_org_unit" => anyhow::anyhow!(
                            "--org {org:?} is not an org unit of the plan (nor an alias of one); for the role {}: {}",
                            role.code(),
                            e.fields.get("valid").map(String::as_str).unwrap_or_default()
                        ),
                        "org_kind_mismatch" => {
                            anyhow::anyhow!(
                                "--org {org:?} is a {}, but the role {} needs a {}",
                                title(field(&e, "kind")),
                                role.code(),
                                title(field(&e, "needs"))
                            )
                        }
                        "bad_user_name" => anyhow::anyhow!("the user name {name:?} must be one word"),
                        "user_exists" => anyhow::anyhow!("cannot create the user {name:?}: the name is taken"),
                        _ => en(e),
                    })?;
                    let password = read_password()?;
                    accounts::add_user(&app, &new, password, "cli").await.map_err(|e| match e.code {
                        // the password's rule, in every language
                        "invalid" => anyhow::anyhow!("{}", Locale::all().map(|l| checks(&e, l)).collect::<Vec<_>>().join(" / ")),
                        _ => en(e),
                    })?;
                    println!("user {name} ({}, {}) created", new.org_unit, role.code());
                }
                UserCommand::SetPassword { name } => {
                    let user = accounts::user(&app, name).await.map_err(|_| anyhow::anyhow!("no user {name:?}"))?;
                    let password = read_password()?;
                    accounts::set_password(&app, &user, password, "cli").await.map_err(en)?;
                    println!("password of {name} set");
                }
                UserCommand::List => {
                    for u in accounts::users(&app).await.map_err(en)? {
                        println!("{}\t{}\t{}", u.name, u.role.code(), u.org_unit);
                    }
                }
            }
            sign(&s, &app).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { command } => {
            let s = settings(&cli, None)?;
            let app = open_app(&s).await?;
            let en = |e: AppError, user: &str| if e.code == "unknown_user" { anyhow::anyhow!("no user {user:?}") } else { said(e, Locale::En) };
            match command {
                TokenCommand::Create { user } => {
                    let (id, token) = accounts::create_token(&app, user, "cli").await.map_err(|e| en(e, user))?;
                    println!("token {id} for {user}: {token}");
                }
                TokenCommand::Revoke { user, id } => {
                    let n = accounts::revoke_tokens(&app, user, *id, "cli").await.map_err(|e| en(e, user))?;
                    if n == 0 {
                        anyhow::bail!("{user} has no live token{}", id.map(|i| format!(" with id {i}")).unwrap_or_default());
                    }
                    println!("{n} token(s) of {user} revoked");
                }
            }
            sign(&s, &app).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { table, format, output, project, region, lang } => {
            let s = settings(&cli, None)?;
            if (project.is_some() || region.is_some()) && !matches!(table, ExportTable::Dispatch) {
                anyhow::bail!("--project and --region narrow the dispatch history only");
            }
            if project.is_some() && region.is_some() {
                anyhow::bail!("--project and --region: give one of them");
            }
            let app = open_app(&s).await?;
            let plan = app.plan(None).await.map_err(|e| said(e, Locale::En))?;
            let table = match table {
                ExportTable::Annex1 => Table::Annex1,
                ExportTable::Annex2 => Table::Annex2,
                ExportTable::Observations => Table::Observations,
                ExportTable::Dispatch => Table::Dispatch,
            };
            let written = match format {
                TableFormat::Xlsx => exports::TableFormat::Xlsx,
                TableFormat::Csv => exports::TableFormat::Csv,
                TableFormat::Json => exports::TableFormat::Json,
            };
            if written == exports::TableFormat::Xlsx && output.is_none() {
                anyhow::bail!("--output FILE is needed for xlsx");
            }
            let narrow = Narrow { project: *project, region: region.clone() };
            let bytes = exports::table(&app, &plan, None, table, written, &narrow, *lang).await.map_err(|e| match e.code {
                "unknown_region" => anyhow::anyhow!("--region {:?} is not a region", field(&e, "region")),
                "unknown_project" => anyhow::anyhow!("--project {}: the plan has projects 1–{}", field(&e, "project"), plan.projects.len()),
                _ => said(e, *lang),
            })?;
            match output {
                Some(p) => std::fs::write(p, &bytes).with_context(|| format!("cannot write {}", p.display()))?,
                None => std::io::stdout().lock().write_all(&bytes)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Template { kind, org, period, output, lang } => {
            let s = settings(&cli, None)?;
            let app = open_app(&s).await?;
            let plan = app.plan(None).await.map_err(|e| said(e, Locale::En))?;
            let kind = match kind {
                TemplateArg::Observations => TemplateKind::Observations,
                TemplateArg::Dispatch => TemplateKind::Dispatch,
                TemplateArg::Tasks => TemplateKind::Tasks,
            };
            let this_month = ecociv_core::entry::YearMonth::of(app.today());
            let t = exports::template(&app, &plan, kind, org, Some(period), *lang).await.map_err(|e| match (e.code, kind) {
                ("unknown_org_unit", _) => anyhow::anyhow!("--org {org:?} is not an org unit of the plan"),
                ("bad_period", TemplateKind::Observations) => {
                    anyhow::anyhow!("--period {period:?}: a year from {} to {} is expected for observations", plan.base_year, this_month.year)
                }
                ("bad_period", TemplateKind::Dispatch | TemplateKind::Tasks) => {
                    anyhow::anyhow!("--period {period:?}: a month YYYY-MM not after {this_month} is expected for {}", kind.code())
                }
                ("nothing_to_fill", _) => anyhow::anyhow!("{} has nothing to fill in the {} template", field(&e, "org"), kind.code()),
                _ => said(e, *lang),
            })?;
            std::fs::write(output, &t.bytes).with_context(|| format!("cannot write {}", output.display()))?;
            println!("{}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { command: Some(DemoCommand::Generate { zones, projects_per_zone, years, parent, tree }), .. } => {
            // a request refused touches nothing: it is checked before the database is opened
            let request =
                demo::Request::new(*zones, *projects_per_zone, *years).map_err(|_| anyhow::anyhow!("--years must be within 1–{}", demo::MAX_YEARS))?;
            let request = match parent {
                Some(p) => request.under(p),
                None if *tree => request.tree().map_err(|e| said(e, Locale::En))?,
                None => request,
            };
            let s = settings(&cli, None)?;
            let app = open_app(&s).await?;
            let password = read_password()?;
            demo::generate(&app, &request, password, |g| {
                println!("zone {}: {} users, {} yearly values, {} projects reporting", g.zone, g.users, g.yearly_values, g.projects);
            })
            .await
            .map_err(|e| said(e, Locale::En))?;
            sign(&s, &app).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            let s = settings(&cli, None)?;
            ecociv_app::backup::backup(store_url(&s)?, file).await.map_err(|e| said(e, Locale::En))?;
            println!("backup of {} written to {}", zones::redact(&s.database_url), file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file } => {
            let s = settings(&cli, None)?;
            ecociv_app::backup::restore(store_url(&s)?, file).await.map_err(|e| said(e, Locale::En))?;
            println!("{} restored from {}; check it with: ecociv audit verify", zones::redact(&s.database_url), file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Key } => {
            let s = settings(&cli, None)?;
            println!("{}", trail_key(&s)?.public_key());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Verify { expect, public_key } } => {
            let s = settings(&cli, None)?;
            let anchors = expect
                .iter()
                .map(|x| audit::Anchor::parse(x).map_err(|_| anyhow::anyhow!("--expect {x}: expected ZONE=SEQ:HASH")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let app = zones::open_as_is(store_url(&s)?, s.today).await.map_err(|e| said(e, Locale::En))?;
            // the signatures are checked with the public key given, else the key file's
            let key = match public_key {
                Some(k) => Some(k.clone()),
                None if s.trail_key.exists() => Some(trail_key(&s)?.public_key().to_string()),
                None => None,
            };
            let signed = key.map(|public_key| audit::Signed { public_key, logged: signing::logged(&s.trail_key) });
            if signed.is_none() {
                println!("no trail key at {} and no --public-key: the signed heads are not checked", s.trail_key.display());
            }
            let zones = audit::verify(&app, &anchors, signed.as_ref()).await.map_err(|e| said(e, Locale::En))?;
            for a in &zones {
                let z = &a.zone;
                if let Some((seq, at)) = &a.signed {
                    println!("zone {z}: signed up to event {seq} (at {at})");
                }
                for m in &a.missing {
                    println!("zone {z}: BROKEN: the expected event {} ({}) is not in the trail any more", m.seq, m.hash);
                }
                if let Some((seq, hash)) = &a.head {
                    println!("zone {z}: head {z}={seq}:{hash}");
                }
                let v = &a.verification;
                if v.ok() {
                    println!("zone {z}: {} events, chain intact, every stored value matches its last record", v.events);
                    continue;
                }
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
            Ok(if zones.iter().all(audit::ZoneAudit::ok) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Import { file, user, report, lang } => {
            let l = *lang;
            let s = settings(&cli, None)?;
            let state = open_app(&s).await?;
            let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let u = accounts::user(&state, user).await.map_err(|_| anyhow::anyhow!("--as {user:?}: no such user"))?;
            let actor = accounts::actor_of(&u);
            let r = ecociv_app::imports::import(&state, &actor, &bytes).await.map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.describe(l)))?;
            if r.ok() {
                sign(&s, &state).await?;
                println!(
                    "{}",
                    tf(l, "cli.import.stored", &[("stored", r.stored.to_string()), ("unchanged", r.unchanged.to_string()), ("rows", r.rows.to_string())])
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
                tf(l, if r.problems.len() == 1 { "cli.import.refused_one" } else { "cli.import.refused" }, &[("count", r.problems.len().to_string())])
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
            let state = open_app(&s).await?;
            let plan = state.plan(None).await.map_err(|e| said(e, Locale::En))?;
            let (name, flag, value) = match kind {
                ReportKind::Bulletin => ("bulletin", "--month", month),
                ReportKind::Assessment => ("assessment", "--quarter", quarter),
                ReportKind::Work => ("work", "--year", year),
                ReportKind::Technical => ("technical", "--year", year),
                ReportKind::Closing => ("closing", "--year", year),
                ReportKind::SelfAssessment => ("self_assessment", "--year", year),
            };
            let value = value.as_deref().with_context(|| format!("report {name} needs {flag}"))?;
            let doc = Document::parse(name, value).with_context(|| format!("{flag} {value:?} is not a period of a {name} report"))?;
            let state = with_pdf_font(&s, state)?;
            // the plan whose years hold the period: the plan in force, or an earlier one
            let Some(plan) = ecociv_app::document_plan::plan_for_document(&state, &plan.zone.code, doc).await.map_err(|e| said(e, Locale::En))? else {
                anyhow::bail!("{flag} {value}: no such period yet, or before the plan");
            };
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
            let app = open_app(&s).await?;
            let plan = app.plan(None).await.map_err(|e| said(e, Locale::En))?;
            let today = app.today();
            if !(plan.base_year..=chrono::Datelike::year(&today)).contains(year) {
                anyhow::bail!("--year {year}: a year from {} to {} is expected", plan.base_year, chrono::Datelike::year(&today));
            }
            let bytes = ecociv_app::archive::archive(app.store.as_ref(), &plan, *year, *lang)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.describe(*lang)))?;
            std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
            println!("{}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { file, format, lang } => {
            settings(&cli, None)?;
            let l = *lang;
            let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let plan = zones::embedded_plan().map_err(|e| said(e, Locale::En))?;
            let report = check_csv(&plan, &bytes, l);
            match format {
                Format::Json => write_out(None, &serde_json::to_string_pretty(&report)?)?,
                Format::Table => {
                    let mut out = String::new();
                    if report.errors.is_empty() {
                        let head = ["cli.check.indicator", "cli.check.year", "kind.region", "cli.check.value", "cli.check.status", "cli.check.reason"]
                            .map(|k| t(l, k));
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

/// Serves the application until Ctrl-C: commits of others watched, the trail signed every
/// minute, the reminders sent every `remind_every` seconds, and on a first run (no account)
/// the one-time setup address printed.
async fn serve(
    s: &Settings,
    listener: tokio::net::TcpListener,
    app: App,
    (couriers, remind_every): (ecociv_app::delivery::Couriers, u64),
) -> anyhow::Result<ExitCode> {
    let app = with_pdf_font(s, app)?;
    let addr = listener.local_addr()?;
    let setup = accounts::Setup::open_if_first_run(&app).await.map_err(|e| said(e, Locale::En))?;
    if let Some(token) = setup.token() {
        println!("no account yet: create the first administrator at http://{addr}/setup/{token} (this address works once)");
    }
    println!("ecociv: http://{addr} ({})", zones::redact(&s.database_url));
    // commits by others (the CLI, another instance) reach the caches within 0.1 s
    tokio::spawn(ecociv_app::changes::watch(app.store.clone(), app.changes.clone()));
    // the trail's heads signed every minute with the key beside the data folder
    let key = signing::key_for(&app, &s.trail_key).await.map_err(|e| said(e, Locale::En))?;
    tracing::info!("the trail is signed with {} (public key {})", s.trail_key.display(), key.public_key());
    tokio::spawn(signing::every_minute(app.clone(), key));
    if remind_every > 0 {
        tokio::spawn(ecociv_app::reminders::every(app.clone(), couriers, std::time::Duration::from_secs(remind_every)));
    }
    trim_malloc_every(std::time::Duration::from_secs(10));
    let mut state = ecociv_web::AppState::of(app);
    state.setup = std::sync::Arc::new(setup);
    axum::serve(listener, ecociv_web::router(state)).with_graceful_shutdown(shutdown()).await?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
}

/// Caps glibc's malloc at two arenas (unless `MALLOC_ARENA_MAX` says otherwise). By default it
/// makes one per thread that allocates at the same time as another, up to eight per core: the
/// runtime's workers and each SQLite connection's thread. Under load, then, freed memory stays
/// spread over them. Measured on the load benchmark's reads while writing, resident memory grew
/// from 24 MB to 79 MB with the default and to 51 MB with two arenas.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn cap_malloc_arenas() {
    unsafe extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    const M_ARENA_MAX: i32 = -8;
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt sets one of glibc's malloc tunables; it is called once, before any
        // other thread exists
        unsafe {
            mallopt(M_ARENA_MAX, 2);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn cap_malloc_arenas() {}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_malloc_every(_period: std::time::Duration) {}

/// Gives the heap's free pages back to the system every `period`. glibc keeps what was freed for
/// later use, so under writes the resident size grows with the largest views and answers built
/// so far although they are gone. Measured on a 3-minute soak of 100 zones (reads and writes):
/// 72 MB after the first minute and 89 MB at the end without it, 56 and 58 MB with it (every
/// 10 s). Tried every 2 s: the memory held between the load benchmark's runs was the same
/// (55 → 58 MB), and the write route was no faster (p99 96 and 119 ms; 58–187 ms in the runs
/// every 10 s), so it stays at 10 s.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_malloc_every(period: std::time::Duration) {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> i32;
    }
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(period);
            // SAFETY: malloc_trim only gives free pages of the heap back to the system
            unsafe {
                malloc_trim(0);
            }
        }
    });
}

fn main() -> ExitCode {
    cap_malloc_arenas();
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
