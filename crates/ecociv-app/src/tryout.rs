//! The try-out (`ecociv demo`): the embedded plan in a zone marked as example data, an account
//! for each role with one password that the sign-in page shows, and the data a city has after
//! two and a half years of the plan — yearly values (the press-reported Hohhot figures where they
//! are known, the rest made up near each target), and the monthly reports of every project, most
//! approved, some waiting, some returned, some late and some missing. Every made-up value says
//! so in its comment, every press figure names its source, and the zone's pages and documents
//! carry the example mark ([`ecociv_core::model::Zone::example_data`]). A folder that holds a
//! zone without the mark is refused: example data never go into a real zone.

use chrono::{Datelike, NaiveDate};
use ecociv_core::access::Role;
use ecociv_core::model::{OrgKind, Plan};
use ecociv_core::record::{DispatchRecord, EntryState, ObservationRecord};
use ecociv_core::rule::{Expr, Op, Operand, Rule, ValueKind};
use ecociv_store::EntryWrite;
use rust_decimal::Decimal;

use crate::App;
use crate::error::{AppError, Result};

/// The password of every try-out account (shown on the try-out's sign-in page).
pub const PASSWORD: &str = "Qingshan-Lvshui-2025";

/// The date a try-out believes it is unless told otherwise: the plan's last year, mid-June, so
/// that the monthly loop, the quarters and the review's readiness all have something to show.
pub fn default_today(plan: &Plan) -> NaiveDate {
    NaiveDate::from_ymd_opt(plan.end_year, 6, 15).expect("a date")
}

/// The comment of a made-up value.
pub const EXAMPLE_COMMENT: &str = "示例数据（虚构）";

/// Figures of Hohhot reported in the press: (indicator, year, value, source).
const PRESS_FIGURES: [(&str, i32, &str); 6] =
    [("7.1", 2020, "80.3"), ("7.1", 2021, "87.1"), ("7.1", 2022, "90.1"), ("7.1", 2024, "85.2"), ("7.2", 2020, "40"), ("7.2", 2022, "24")];

/// The comment of a press figure.
const PRESS_COMMENT: &str = "示例数据：呼和浩特市公开报道的数字";

/// What kind of example a try-out's value is, by the comment it was written with: the locale
/// key of its mark (a press-reported figure, a made-up one), or `None` for a value someone
/// entered.
pub fn example_mark(comment: &str) -> Option<&'static str> {
    match comment {
        PRESS_COMMENT => Some("tryout.value.press"),
        EXAMPLE_COMMENT => Some("tryout.value.example"),
        _ => None,
    }
}

/// One try-out account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub role: Role,
    pub org_unit: String,
}

/// The try-out's accounts: one per role, each in an org unit of the plan.
pub fn accounts(plan: &Plan) -> Vec<Account> {
    let first = |k: OrgKind, prefer: &str| {
        plan.org_units.iter().find(|o| o.kind == k && o.name == prefer).or_else(|| plan.org_units.iter().find(|o| o.kind == k)).map(|o| o.name.clone())
    };
    // the unit that implements the most projects reports as the `unit` account
    let unit = plan
        .org_units
        .iter()
        .filter(|o| o.kind == OrgKind::Unit)
        .max_by_key(|o| plan.projects.iter().filter(|p| p.implementers.contains(&o.name)).count())
        .map(|o| o.name.clone());
    let task_force = first(OrgKind::Department, "市生态环境局");
    [
        ("demo-admin", Role::Admin, task_force.clone()),
        ("demo-taskforce", Role::TaskForce, task_force.clone()),
        ("demo-department", Role::Department, first(OrgKind::Department, "市林草局")),
        ("demo-region", Role::Region, first(OrgKind::Region, "和林格尔县")),
        ("demo-unit", Role::Unit, unit),
        ("demo-viewer", Role::Viewer, task_force),
    ]
    .into_iter()
    .filter_map(|(name, role, org)| Some(Account { name: name.into(), role, org_unit: org? }))
    .collect()
}

/// The try-out's accounts when the default zone is one (its data are examples), else none.
pub async fn shown_accounts(st: &App) -> Result<Vec<Account>> {
    let plan = st.plan(None).await?;
    if !plan.zone.example_data {
        return Ok(Vec::new());
    }
    // those still there (one query for the zone's users)
    let users = st.store.users(&plan.zone.code).await?;
    Ok(accounts(&plan).into_iter().filter(|a| users.iter().any(|u| u.name == a.name)).collect())
}

/// What [`prepare`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub zone: String,
    pub accounts: Vec<Account>,
    /// Entries written now (0 when the try-out was made before).
    pub entries: usize,
}

/// A small deterministic generator (64-bit LCG): the try-out is the same every time.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    /// One in `n`.
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
    /// `x` times a factor in [lo, hi) per mille, rounded to `dp` places.
    fn around(&mut self, x: Decimal, lo: i64, hi: i64, dp: u32) -> Decimal {
        let f = Decimal::new(lo + (self.next() % (hi - lo).max(1) as u64) as i64, 3);
        (x * f).round_dp(dp)
    }
}

/// A timestamp of `date` at 10:00 Beijing time.
fn at(date: NaiveDate) -> String {
    format!("{}T02:00:00Z", date.format("%Y-%m-%d"))
}

/// A made-up value for a leaf in a year, near its target: mostly on the right side of it.
fn example_value(rule: Option<&Rule>, year: i32, base_year: i32, rng: &mut Seeded) -> String {
    let Some(rule) = rule else { return rng.around(Decimal::new(60, 0), 800, 1200, 1).to_string() };
    if let ValueKind::State(w) = rule.value_kind() {
        return if rng.one_in(6) { w.display_negative() } else { w.word.clone() };
    }
    let threshold = |e: &Expr| match e {
        Expr::Threshold(op, Operand::Number(n)) => Some((*op, *n)),
        _ => None,
    };
    let first = match &rule.expr {
        Expr::And(v) | Expr::Or(v) => v.iter().find_map(threshold),
        e => threshold(e),
    };
    match (&rule.expr, first) {
        (_, Some((Op::Ge | Op::Gt, n))) => rng.around(n, 950, 1080, 2).to_string(),
        (_, Some((Op::Le | Op::Lt, n))) => rng.around(n, 900, 1060, 2).to_string(),
        (_, Some((Op::Eq, n))) => n.to_string(),
        // a decline or increase against the base year: 100 in the base year, moving each year
        (Expr::DeclineFrom { percent, .. }, _) => {
            let step = percent / Decimal::from(5) * Decimal::from((year - base_year).max(0));
            rng.around(Decimal::ONE_HUNDRED - step, 980, 1020, 1).to_string()
        }
        (Expr::IncreaseFrom { percent, .. }, _) => {
            let step = percent / Decimal::from(5) * Decimal::from((year - base_year).max(0));
            rng.around(Decimal::ONE_HUNDRED + step, 980, 1020, 1).to_string()
        }
        _ => rng.around(Decimal::new(60, 0), 800, 1200, 1).to_string(),
    }
}

/// Makes the try-out in the store of `st` (whose default zone is the embedded plan's), as of
/// `today`: the plan marked as example data, the accounts, and the data. A second run changes
/// nothing. Refused when the zone is there without the example mark.
pub async fn prepare(st: &App, today: NaiveDate) -> Result<Prepared> {
    let mut plan = crate::zones::embedded_plan()?;
    let store = st.store.as_ref();
    if let Some(stored) = store.plan(&plan.zone.code).await?
        && !stored.zone.example_data
    {
        return Err(AppError::conflict("not_a_try_out").field("zone", &plan.zone.code));
    }
    plan.zone.example_data = true;
    crate::zones::load_plan(store, &plan, "demo").await?;
    let z = plan.zone.code.clone();
    let accounts = accounts(&plan);
    let hash = crate::accounts::strong_password_hash_for(PASSWORD.into(), &[]).await?;
    for a in &accounts {
        if store.user(&a.name).await?.is_some() {
            continue;
        }
        let u = ecociv_core::record::UserRecord {
            name: a.name.clone(),
            zone: z.clone(),
            org_unit: a.org_unit.clone(),
            role: a.role,
            password_hash: hash.clone(),
            failed_logins: 0,
            locked_until: String::new(),
            disabled: false,
            must_change_password: false,
            created_at: at(NaiveDate::from_ymd_opt(plan.start_year, 1, 3).expect("a date")),
        };
        store.create_user(&u, "demo").await?;
    }
    let mut writes = Vec::new();
    if store.observations(&z).await?.is_empty() && store.dispatch_reports(&z).await?.is_empty() {
        writes.extend(yearly_values(&plan, &accounts, today));
        writes.extend(monthly_reports(&plan, &accounts, today));
        store.write_entries(&z, &writes, "demo").await?;
        supervision_orders(store, &plan, &accounts, today).await?;
        rectifications(store, &plan, &accounts, today).await?;
    }
    Ok(Prepared { zone: z, accounts, entries: writes.len() })
}

/// Three example supervision orders: one answered and closed in time, one left past its
/// deadline (overdue), one just issued; each says it is an example.
async fn supervision_orders(store: &dyn ecociv_store::Store, plan: &Plan, accounts: &[Account], today: NaiveDate) -> Result<()> {
    use ecociv_core::supervision::{CheckedOrder, OrderState, SubjectKind, SupervisionOrder};
    let days = |n: i64| today - chrono::Duration::days(n);
    let task_force = account_of(accounts, Role::TaskForce);
    let unit_of = |role: Role| accounts.iter().find(|a| a.role == role).map(|a| (a.name.clone(), a.org_unit.clone()));
    let project_of = |org: &str| plan.projects.iter().find(|p| p.implementers.iter().any(|i| i == org)).map(|p| p.number.to_string());
    let mut orders = Vec::new();
    if let Some((who, org)) = unit_of(Role::Department) {
        let subject = project_of(&org).map(|n| (SubjectKind::Project, n));
        orders.push((who, org, subject.unwrap_or((SubjectKind::Task, "1".into())), 40, 20, Some((25, 22))));
    }
    if let Some((who, org)) = unit_of(Role::Region) {
        orders.push((who, org, (SubjectKind::Task, "3".into()), 20, 5, None));
    }
    if let Some((who, org)) = unit_of(Role::Unit) {
        let subject = project_of(&org).map(|n| (SubjectKind::Project, n));
        orders.push((who, org, subject.unwrap_or((SubjectKind::Task, "1".into())), 3, -10, None));
    }
    for (who, org, (kind, subject), issued, deadline, answered) in orders {
        let c = CheckedOrder {
            org_unit: org,
            subject_kind: kind,
            subject,
            matter: "（示例）月度调度显示进度滞后于计划".into(),
            required: "（示例）说明滞后原因，提出整改措施和完成时限，附佐证材料".into(),
            deadline: days(deadline),
        };
        let o = SupervisionOrder::issued(&plan.zone.code, c, &task_force, at(days(issued)));
        let o = store.issue_order(&o, &task_force).await?;
        if let Some((answered_on, closed_on)) = answered {
            let a = SupervisionOrder {
                state: OrderState::Answered,
                answer: "（示例）已召开推进会，整改措施见附件".into(),
                answered_by: who.clone(),
                answered_at: at(days(answered_on)),
                ..o.clone()
            };
            let a = store.update_order(&o, &a, "supervision_order.answered", &who, "").await?;
            let c = SupervisionOrder { state: OrderState::Closed, decided_by: task_force.clone(), decided_at: at(days(closed_on)), ..a.clone() };
            store.update_order(&a, &c, "supervision_order.closed", &task_force, "").await?;
        }
    }
    Ok(())
}

/// Three example rectification tasks (the real list is the task force's to enter): one
/// completed, one under way past its deadline, one long-term; each says it is an example.
async fn rectifications(store: &dyn ecociv_store::Store, plan: &Plan, accounts: &[Account], today: NaiveDate) -> Result<()> {
    use ecociv_core::rectification::{LONG_TERM, Rectification, Status};
    let owner = |role: Role| accounts.iter().find(|a| a.role == role).map(|a| a.org_unit.clone()).unwrap_or_default();
    let entered = at(NaiveDate::from_ymd_opt(plan.start_year, 3, 1).expect("a date"));
    let task = |number: u32, owner: String, deadline: String, status: Status| Rectification {
        id: 0,
        zone: plan.zone.code.clone(),
        number,
        source: "（示例）第二轮中央生态环境保护督察报告".into(),
        problem: format!("（示例）督察反馈问题 {number}"),
        owner,
        deadline,
        measures: "（示例）制定整改方案，按月调度推进".into(),
        status,
        entered_at: entered.clone(),
        updated_by: account_of(accounts, Role::TaskForce),
        updated_at: entered.clone(),
        version: 0,
    };
    let past = (today - chrono::Duration::days(30)).to_string();
    let writes = [
        task(1, owner(Role::Department), past.clone(), Status::Completed),
        task(2, owner(Role::Region), past, Status::UnderWay),
        task(3, owner(Role::Unit), LONG_TERM.into(), Status::UnderWay),
    ]
    .map(|after| ecociv_store::RectificationWrite { before: None, after });
    store.save_rectifications(&plan.zone.code, &writes, &account_of(accounts, Role::TaskForce)).await?;
    Ok(())
}

/// The task force's decision on an entry, taken `on` if that is by `today` (else it still
/// waits): the state, who decided, when, and the reason of a return.
fn decided(state: EntryState, on: NaiveDate, today: NaiveDate, task_force: &str, return_reason: &str) -> (EntryState, String, String, String) {
    if state == EntryState::Submitted || on > today {
        return (EntryState::Submitted, String::new(), String::new(), String::new());
    }
    let reason = if state == EntryState::Returned { return_reason.to_string() } else { String::new() };
    (state, task_force.to_string(), at(on), reason)
}

fn account_of(accounts: &[Account], role: Role) -> String {
    accounts.iter().find(|a| a.role == role).map(|a| a.name.clone()).unwrap_or_default()
}

/// The yearly values: every leaf from two years before the plan to the year before `today`,
/// the press figures where known. Values of years whose due date passed are approved (a few
/// returned and sent again), the last year's partly waiting for a decision, partly missing.
fn yearly_values(plan: &Plan, accounts: &[Account], today: NaiveDate) -> Vec<EntryWrite> {
    let task_force = account_of(accounts, Role::TaskForce);
    let department = accounts.iter().find(|a| a.role == Role::Department);
    let mut rng = Seeded(20_230_101);
    let last = today.year() - 1;
    let settings = ecociv_core::entry::ZoneSettings::default();
    let mut out = Vec::new();
    for leaf in plan.leaves() {
        let rule = leaf.target.parse_rule().ok();
        if matches!(rule.as_ref().map(Rule::value_kind), Some(ValueKind::Parts)) {
            continue;
        }
        let lead = plan.indicator_of(leaf.code).and_then(|i| i.lead_departments.first().cloned()).unwrap_or_default();
        // the department account reports for its own org unit; the others through the task force
        let submitter = department.filter(|d| d.org_unit == lead).map(|d| d.name.clone()).unwrap_or_else(|| task_force.clone());
        let press: Vec<(i32, &str)> = PRESS_FIGURES.iter().filter(|f| f.0 == leaf.code).map(|f| (f.1, f.2)).collect();
        let mut years: Vec<i32> = (plan.start_year - 1..=last).collect();
        years.extend(press.iter().map(|p| p.0).filter(|y| *y <= last));
        years.sort_unstable();
        years.dedup();
        for year in years {
            let due = settings.observation_due_in(plan, year);
            let (value, comment) = match press.iter().find(|p| p.0 == year) {
                Some((_, v)) => (v.to_string(), PRESS_COMMENT),
                None => (example_value(rule.as_ref(), year, plan.base_year, &mut rng), EXAMPLE_COMMENT),
            };
            let latest = year == last;
            // the latest year: one in four still missing, one in three waiting for a decision
            if latest && rng.one_in(4) {
                continue;
            }
            let state = if latest && rng.one_in(3) {
                EntryState::Submitted
            } else if latest && rng.one_in(8) {
                EntryState::Returned
            } else {
                EntryState::Approved
            };
            // nothing is late against a due date before the plan was issued
            let late = year >= plan.start_year && rng.one_in(7);
            let sent = if late { due + chrono::Days::new(12) } else { due - chrono::Days::new(10) }.max(plan.issued_on);
            let (state, decided_by, decided_at, reason) = decided(state, sent + chrono::Days::new(5), today, &task_force, "示例：请补充监测报告作为佐证");
            out.push(EntryWrite::NewObservation(ObservationRecord {
                id: 0,
                zone: plan.zone.code.clone(),
                indicator: leaf.code.to_string(),
                year: i64::from(year),
                region: String::new(),
                value,
                comment: comment.into(),
                explanation: if late { "示例：监测报告出具较晚".into() } else { String::new() },
                state,
                late,
                submitted_by: submitter.clone(),
                submitted_at: at(sent.min(today)),
                decided_by,
                decided_at,
                reason,
                version: 0,
            }));
        }
    }
    out
}

/// The monthly reports of every project from the plan's first month asked to the month before
/// `today`: investment growing towards the budget, progress with the time elapsed. Most are
/// approved; of the last two months some wait, some are returned, and one project in eight has
/// not reported the last month.
fn monthly_reports(plan: &Plan, accounts: &[Account], today: NaiveDate) -> Vec<EntryWrite> {
    let task_force = account_of(accounts, Role::TaskForce);
    let mut rng = Seeded(20_230_201);
    // from the first month the plan asks for
    let start = ecociv_core::dispatch::months_asked(plan).0.first_day();
    let end = today.with_day(1).expect("a date") - chrono::Months::new(1);
    let months: Vec<NaiveDate> = std::iter::successors(Some(start), |m| Some(*m + chrono::Months::new(1))).take_while(|m| *m <= end).collect();
    let due_day = u64::from(ecociv_core::entry::ZoneSettings::default().dispatch_due_day);
    let mut out = Vec::new();
    for p in &plan.projects {
        let Some(reporter) = p.implementers.first().cloned() else { continue };
        // reported by the try-out's account of that org unit, else by the task force
        let user = accounts
            .iter()
            .find(|a| a.org_unit == reporter && a.role != Role::Viewer && a.role != Role::Admin)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| task_force.clone());
        let budget_wan = p.budget.as_ref().map(|b| b.yi * Decimal::from(10_000)).unwrap_or(Decimal::from(500));
        // the months of the project's own period; its whole length sets the pace
        let own: Vec<NaiveDate> = months.iter().copied().filter(|m| p.period.overlaps(m.year(), m.year())).collect();
        let last_year = p.period.end.filter(|_| !p.period.ongoing).unwrap_or(plan.end_year).max(plan.start_year);
        let first_year = p.period.start.unwrap_or(plan.start_year).max(plan.start_year).min(last_year);
        let span = Decimal::from(i64::from(last_year - first_year + 1) * 12);
        // most keep pace, one in five lags behind
        let pace = if rng.one_in(5) { Decimal::new(70, 2) } else { Decimal::new(97, 2) };
        let silent_last = rng.one_in(8);
        let mut cumulative = Decimal::ZERO;
        let mut progress = Decimal::ZERO;
        // most projects split the month by source (mostly fiscal), one in four does not
        let fiscal_share = if rng.one_in(4) { None } else { Some(Decimal::new(50 + 10 * i64::from(p.number % 4), 2)) };
        let split = |monthly: Decimal| match fiscal_share {
            Some(share) => {
                let fiscal = (monthly * share).round_dp(1);
                let financial = ((monthly - fiscal) / Decimal::TWO).round_dp(1);
                ecociv_core::entry::Funding { funding_fiscal: fiscal, funding_financial: financial, funding_social: monthly - fiscal - financial }.encode()
            }
            None => String::new(),
        };
        for m in &own {
            let from_end = months.len() - months.iter().position(|x| x == m).unwrap_or(0);
            if from_end == 1 && silent_last {
                continue;
            }
            let monthly = rng.around(budget_wan / span, 500, 1500, 1);
            cumulative += monthly;
            let elapsed = Decimal::from(i64::from(m.year() - first_year) * 12 + i64::from(m.month())).min(span);
            progress = (Decimal::ONE_HUNDRED * elapsed / span * pace).round_dp(0).min(Decimal::ONE_HUNDRED).max(progress);
            let due = *m + chrono::Months::new(1) + chrono::Days::new(due_day - 1);
            let late = rng.one_in(9);
            let sent = if late { due + chrono::Days::new(4) } else { due - chrono::Days::new(2) };
            let state = match from_end {
                1 | 2 if rng.one_in(3) => EntryState::Submitted,
                1 | 2 if rng.one_in(4) => EntryState::Returned,
                3 | 4 if rng.one_in(12) => EntryState::Returned,
                _ => EntryState::Approved,
            };
            let (state, decided_by, decided_at, reason) =
                decided(state, sent + chrono::Days::new(3), today, &task_force, "示例：本月投资与累计投资不符，请核实");
            out.push(EntryWrite::NewDispatch(DispatchRecord {
                id: 0,
                zone: plan.zone.code.clone(),
                kind: "project".into(),
                subject: i64::from(p.number),
                org_unit: reporter.clone(),
                period: m.format("%Y-%m").to_string(),
                status: if progress >= Decimal::ONE_HUNDRED { "completed" } else { "under_way" }.into(),
                progress_percent: progress.to_string(),
                investment_month_wan: monthly.to_string(),
                investment_cumulative_wan: cumulative.to_string(),
                funding: split(monthly),
                progress: "示例：按计划推进".into(),
                quantities: "[]".into(),
                benefits: EXAMPLE_COMMENT.into(),
                problems: if rng.one_in(10) { "示例：资金拨付滞后".into() } else { String::new() },
                explanation: if late { "示例：数据汇总延迟".into() } else { String::new() },
                state,
                late,
                submitted_by: user.clone(),
                submitted_at: at(sent.min(today)),
                decided_by,
                decided_at,
                reason,

                version: 0,
            }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecociv_report::official::Block;
    use ecociv_store::on_both;
    use ecociv_store::testdb::TestDb;

    on_both!(the_try_out_is_marked_made_once_and_never_goes_into_a_real_zone);

    async fn the_try_out_is_marked_made_once_and_never_goes_into_a_real_zone(db: &TestDb) {
        let plan = crate::zones::embedded_plan().unwrap();
        let today = default_today(&plan);
        let app = App::new(db.store.clone(), Some(today), &plan.zone.code);
        let made = prepare(&app, today).await.unwrap();
        let z = &made.zone;
        // one account per role, each signs in with the shown password
        let roles: Vec<Role> = made.accounts.iter().map(|a| a.role).collect();
        assert_eq!(roles, Role::ALL.to_vec());
        for a in &made.accounts {
            assert!(matches!(crate::accounts::login(&app, &a.name, PASSWORD).await.unwrap(), crate::accounts::Login::Ok(_)), "{}", a.name);
        }
        assert_eq!(shown_accounts(&app).await.unwrap(), made.accounts);
        // the zone is marked, and so is every document of it
        let stored = app.plan(None).await.unwrap();
        assert!(stored.zone.example_data);
        let doc =
            crate::documents::document(&app, &stored, crate::documents::Document::Bulletin("2025-05".parse().unwrap()), ecociv_core::Locale::Zh).await.unwrap();
        assert_eq!(doc.blocks[0], Block::Placeholder(ecociv_core::locale::t(ecociv_core::Locale::Zh, "tryout.document_notice").into()));
        // the data: press figures where known, made-up values marked, nothing dated after today
        let obs = db.store.observations(z).await.unwrap();
        let air2022 = obs.iter().find(|o| o.indicator == "7.1" && o.year == 2022).unwrap();
        assert_eq!((air2022.value.as_str(), air2022.comment.as_str()), ("90.1", PRESS_COMMENT));
        assert!(obs.iter().all(|o| o.comment == PRESS_COMMENT || o.comment == EXAMPLE_COMMENT));
        let reports = db.store.dispatch_reports(z).await.unwrap();
        let states = |s: EntryState| reports.iter().filter(|r| r.state == s).count();
        let mix = (states(EntryState::Approved), states(EntryState::Submitted), states(EntryState::Returned));
        assert!(mix.0 > 1000 && mix.1 > 0 && mix.2 > 0, "a mix of decisions: {mix:?}");
        assert!(reports.iter().any(|r| r.late) && reports.iter().any(|r| !r.late));
        // supervision orders: one closed, one overdue, one just issued, each marked an example
        let orders = db.store.orders(z).await.unwrap();
        let standings: Vec<_> = orders.iter().filter_map(|o| o.standing_on(today)).collect();
        use ecociv_core::supervision::Standing;
        assert_eq!(standings, vec![Standing::Open, Standing::Overdue, Standing::Closed], "the newest first");
        assert!(orders.iter().all(|o| o.matter.starts_with("（示例）")));
        let rects = db.store.rectifications(z).await.unwrap();
        use ecociv_core::rectification::Standing as R;
        assert_eq!(rects.iter().map(|r| r.standing(today)).collect::<Vec<_>>(), [R::Completed, R::Overdue, R::LongTerm]);
        let cutoff = at(today);
        assert!(obs.iter().all(|o| o.submitted_at <= cutoff && o.decided_at <= cutoff), "nothing dated after the try-out's today");
        assert!(reports.iter().all(|r| r.submitted_at <= cutoff && r.decided_at <= cutoff && r.period.as_str() < "2025-06"));
        // most reports split the month by source, exactly
        let split: Vec<_> = reports.iter().filter(|r| !r.funding.is_empty()).collect();
        assert!(split.len() * 2 > reports.len() && split.len() < reports.len(), "{} of {}", split.len(), reports.len());
        for r in split {
            let f = ecociv_core::entry::Funding::parse(&r.funding).unwrap();
            assert_eq!(f.total(), r.investment_month_wan.parse::<rust_decimal::Decimal>().unwrap(), "{:?}", r.funding);
            assert!(
                f.funding_fiscal >= rust_decimal::Decimal::ZERO
                    && f.funding_financial >= rust_decimal::Decimal::ZERO
                    && f.funding_social >= rust_decimal::Decimal::ZERO
            );
        }
        // the months of a project are those of its period
        for r in &reports {
            let p = plan.projects.iter().find(|p| i64::from(p.number) == r.subject).unwrap();
            let year: i32 = r.period[..4].parse().unwrap();
            assert!(p.period.overlaps(year, year), "project {} reported {}", p.number, r.period);
        }
        assert!(db.store.verify(z).await.unwrap().ok());
        // a second run writes nothing; loading the plan again (a newer build) keeps the mark
        let head = db.store.head_of(z).await.unwrap();
        assert_eq!(prepare(&app, today).await.unwrap().entries, 0);
        assert_eq!(db.store.head_of(z).await.unwrap(), head);
        let mut newer = plan.clone();
        newer.content_hash = format!("newer-{}", plan.content_hash);
        assert_eq!(crate::zones::load_plan(db.store.as_ref(), &newer, "system").await.unwrap(), crate::zones::LoadOutcome::Updated);
        assert!(db.store.plan(z).await.unwrap().unwrap().zone.example_data, "once examples, always marked");
        assert!(db.store.verify(z).await.unwrap().ok());
    }

    #[tokio::test]
    async fn a_zone_with_real_data_is_refused() {
        let db = TestDb::sqlite().await;
        let plan = crate::zones::embedded_plan().unwrap();
        crate::zones::load_plan(db.store.as_ref(), &plan, "system").await.unwrap();
        let app = App::new(db.store.clone(), None, &plan.zone.code);
        let e = prepare(&app, default_today(&plan)).await.unwrap_err();
        assert_eq!(e.code, "not_a_try_out");
        assert!(db.store.users(&plan.zone.code).await.unwrap().is_empty() && shown_accounts(&app).await.unwrap().is_empty());
        assert!(!app.plan(None).await.unwrap().zone.example_data);
        db.cleanup().await;
    }
}
