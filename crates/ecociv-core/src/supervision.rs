//! Supervision orders (督查督办, plan 六(一)): the task force orders a lagging unit to act on an
//! indicator, a task or a project — the matter, what is required, a deadline — and the unit
//! answers with text and evidence; the task force closes the order or sends it back. An order
//! not closed by its deadline is overdue: it escalates (it is marked on every list, and its unit
//! loses the points of [`crate::scoring::ComponentKind::SupervisionOrders`] in the quarter of
//! its deadline). Here are the order as kept, the checks of what is sent, the moves between
//! states and how an order stands on a day. Pure: the store keeps it, the application decides
//! who may do what.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::Actor;
use crate::clock::beijing_day;
use crate::entry::{FieldError, check_text};
use crate::locale::t;
use crate::model::Plan;

/// The longest text of a matter, a requirement, an answer or a reason, in characters.
pub const MAX_TEXT: usize = 4000;

/// Where an order stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Issued, waiting for the unit's answer.
    Issued,
    /// Answered, waiting for the task force.
    Answered,
    /// Sent back with a reason: the unit answers again.
    Returned,
    /// Closed by the task force: done.
    Closed,
    /// Withdrawn by the task force (issued by mistake): it counts nowhere.
    Withdrawn,
}

impl OrderState {
    pub fn code(self) -> &'static str {
        match self {
            OrderState::Issued => "issued",
            OrderState::Answered => "answered",
            OrderState::Returned => "returned",
            OrderState::Closed => "closed",
            OrderState::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<OrderState> {
        [OrderState::Issued, OrderState::Answered, OrderState::Returned, OrderState::Closed, OrderState::Withdrawn].into_iter().find(|x| x.code() == s)
    }
    pub fn label(self, l: crate::Locale) -> &'static str {
        match self {
            OrderState::Issued => t(l, "order.state.issued"),
            OrderState::Answered => t(l, "order.state.answered"),
            OrderState::Returned => t(l, "order.state.returned"),
            OrderState::Closed => t(l, "order.state.closed"),
            OrderState::Withdrawn => t(l, "order.state.withdrawn"),
        }
    }
    /// Whether the unit has to answer.
    pub fn awaits_answer(self) -> bool {
        matches!(self, OrderState::Issued | OrderState::Returned)
    }
}

/// What an order is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Indicator,
    Task,
    Project,
}

impl SubjectKind {
    pub fn parse(s: &str) -> Option<SubjectKind> {
        match s.trim() {
            "indicator" => Some(SubjectKind::Indicator),
            "task" => Some(SubjectKind::Task),
            "project" => Some(SubjectKind::Project),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            SubjectKind::Indicator => "indicator",
            SubjectKind::Task => "task",
            SubjectKind::Project => "project",
        }
    }
}

/// 督查督办: an order of the task force to a unit, as kept. Its canonical JSON is what the audit
/// trail records of every version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SupervisionOrder {
    pub id: i64,
    pub zone: String,
    /// The unit ordered to act (an org unit of the plan).
    pub org_unit: String,
    pub subject_kind: SubjectKind,
    /// The indicator's code (`7.2`), or the task's or project's number.
    pub subject: String,
    /// The matter: what lags.
    pub matter: String,
    /// What the unit must do.
    pub required: String,
    /// `YYYY-MM-DD`: closed by then, or overdue.
    pub deadline: String,
    pub state: OrderState,
    pub issued_by: String,
    pub issued_at: String,
    /// The unit's latest answer.
    pub answer: String,
    pub answered_by: String,
    pub answered_at: String,
    /// The task force's last decision: who, when, and its reason (why it went back, or a note).
    pub decided_by: String,
    pub decided_at: String,
    pub reason: String,
    /// 1 when issued, one more with every change.
    pub version: i64,
}

impl SupervisionOrder {
    /// A new order of zone `zone`, issued by `by` at `at` (RFC 3339): no answer or decision yet.
    pub fn issued(zone: &str, c: CheckedOrder, by: &str, at: String) -> SupervisionOrder {
        SupervisionOrder {
            id: 0,
            zone: zone.into(),
            org_unit: c.org_unit,
            subject_kind: c.subject_kind,
            subject: c.subject,
            matter: c.matter,
            required: c.required,
            deadline: c.deadline.to_string(),
            state: OrderState::Issued,
            issued_by: by.into(),
            issued_at: at,
            answer: String::new(),
            answered_by: String::new(),
            answered_at: String::new(),
            decided_by: String::new(),
            decided_at: String::new(),
            reason: String::new(),
            version: 1,
        }
    }

    /// The canonical JSON the audit trail records.
    pub fn state_json(&self) -> String {
        serde_json::to_string(self).expect("serializable")
    }

    pub fn deadline_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.deadline, "%Y-%m-%d").ok()
    }

    /// The Beijing day the order was closed on (None while it is not).
    pub fn closed_on(&self) -> Option<NaiveDate> {
        (self.state == OrderState::Closed).then(|| beijing_day(&self.decided_at)).flatten()
    }

    /// Answered by its deadline: what is left waits on the task force, not on the unit.
    fn answered_in_time(&self) -> bool {
        let answered = beijing_day(&self.answered_at);
        self.deadline_date().is_some_and(|d| answered.is_some_and(|a| a <= d))
    }

    /// Past its deadline on `day` with the unit still owing it (not closed by then, not
    /// withdrawn, and not answered in time and waiting on the task force): the order escalates.
    pub fn overdue(&self, day: NaiveDate) -> bool {
        // its last answer came in time and was not sent back: it waited on the task force since
        let waits_on_task_force = matches!(self.state, OrderState::Answered | OrderState::Closed) && self.answered_in_time();
        self.state != OrderState::Withdrawn && !waits_on_task_force && self.closed_on().is_none_or(|c| c > day) && self.deadline_date().is_some_and(|d| day > d)
    }

    /// How the order counts in an assessment judged on `day`: closed by then, on time when the
    /// answer that closed it was sent by the deadline, late when after; not closed by then,
    /// overdue when its deadline had passed and the unit still owed it ([`Self::overdue`]). An
    /// order answered in time and still waiting on the task force on `day` does not count (the
    /// unit is not held to the task force's pace), nor does a withdrawn one. Only the order's
    /// own dates are read, so a day judged once reads the same later.
    pub fn outcome(&self, day: NaiveDate) -> Option<OrderOutcome> {
        self.deadline_date()?;
        if self.state == OrderState::Withdrawn {
            return None;
        }
        if self.closed_on().is_some_and(|c| c <= day) {
            return Some(if self.answered_in_time() { OrderOutcome::OnTime } else { OrderOutcome::Late });
        }
        self.overdue(day).then_some(OrderOutcome::Overdue)
    }

    /// The subject for people: `项目 12. …`, `任务 3. …`, `指标 7.2 …`.
    pub fn subject_label(&self, plan: &Plan, l: crate::Locale) -> String {
        let n: u32 = self.subject.parse().unwrap_or(0);
        match self.subject_kind {
            SubjectKind::Indicator => match plan.leaf(&self.subject) {
                Some(leaf) => format!("{} {} {}", t(l, "col.indicator"), leaf.code, plan.leaf_name(leaf.code, l)),
                None => format!("{} {}", t(l, "col.indicator"), self.subject),
            },
            SubjectKind::Task => format!("{} {}. {}", t(l, "col.task"), n, plan.task(n).map(|x| x.title.as_str()).unwrap_or("")),
            SubjectKind::Project => format!("{} {}. {}", t(l, "col.project"), n, plan.project(n).map(|x| x.name.as_str()).unwrap_or("")),
        }
    }
}

/// How an order stands on a day, as the bulletin tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OrderStanding)]
pub enum Standing {
    /// Issued, not closed, within its deadline.
    Open,
    /// Past its deadline and not closed: escalated.
    Overdue,
    /// Closed.
    Closed,
}

impl Standing {
    /// The locale key of its label.
    pub fn key(self) -> &'static str {
        match self {
            Standing::Open => "order.standing.open",
            Standing::Overdue => "order.overdue",
            Standing::Closed => "order.state.closed",
        }
    }
}

impl SupervisionOrder {
    /// How the order stood at the end of `day` from its own dates (an order closes once and for
    /// all, so a past day reads the same later); None when it was not issued yet.
    pub fn standing_on(&self, day: NaiveDate) -> Option<Standing> {
        if self.state == OrderState::Withdrawn || beijing_day(&self.issued_at).is_none_or(|d| d > day) {
            return None;
        }
        Some(if self.closed_on().is_some_and(|c| c <= day) {
            Standing::Closed
        } else if self.overdue(day) {
            Standing::Overdue
        } else {
            Standing::Open
        })
    }
}

/// How an order counted in the assessment of the quarter of its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderOutcome {
    /// Past its deadline and not closed.
    Overdue,
    /// Closed on an answer sent after the deadline.
    Late,
    /// Closed on an answer sent by the deadline.
    OnTime,
}

/// An order as the task force sends it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct OrderInput {
    pub org_unit: String,
    /// `indicator`, `task` or `project`.
    pub subject_kind: String,
    /// The indicator's code, or the task's or project's number.
    pub subject: String,
    pub matter: String,
    pub required: String,
    /// `YYYY-MM-DD`, today or later.
    pub deadline: String,
}

/// An order that passed its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedOrder {
    /// The unit's canonical name.
    pub org_unit: String,
    pub subject_kind: SubjectKind,
    /// The indicator's canonical code, or the number.
    pub subject: String,
    pub matter: String,
    pub required: String,
    pub deadline: NaiveDate,
}

/// Checks an order against the plan on `today`: a unit of the plan, a subject that exists, a
/// matter and a requirement in printable text, a deadline not before today. Every problem at once.
pub fn check_order(plan: &Plan, input: &OrderInput, today: NaiveDate) -> Result<CheckedOrder, Vec<FieldError>> {
    let mut errs = Vec::new();
    let unit = plan.org_unit(&input.org_unit);
    if unit.is_none() {
        errs.push(FieldError::keyed("org_unit", "unknown_org_unit", "field.order.unknown_org_unit").arg("found", &input.org_unit.trim()));
    }
    let kind = SubjectKind::parse(&input.subject_kind);
    let subject = match kind {
        None => {
            errs.push(FieldError::keyed("subject_kind", "bad_subject_kind", "field.order.bad_subject_kind").arg("found", &input.subject_kind.trim()));
            None
        }
        Some(k) => {
            let typed = input.subject.trim();
            let number = || typed.parse::<u32>().ok();
            let found = match k {
                SubjectKind::Indicator => plan.leaf(typed).map(|l| l.code.to_string()),
                SubjectKind::Task => number().and_then(|n| plan.task(n)).map(|x| x.number.to_string()),
                SubjectKind::Project => number().and_then(|n| plan.project(n)).map(|x| x.number.to_string()),
            };
            if found.is_none() {
                let key = match k {
                    SubjectKind::Indicator => "field.order.unknown_indicator",
                    SubjectKind::Task => "field.order.unknown_task",
                    SubjectKind::Project => "field.order.unknown_project",
                };
                errs.push(FieldError::keyed("subject", "unknown_subject", key).arg("found", &typed));
            }
            found
        }
    };
    for (field, text) in [("matter", &input.matter), ("required", &input.required)] {
        check_required_text(&mut errs, field, text);
    }
    let deadline = match NaiveDate::parse_from_str(input.deadline.trim(), "%Y-%m-%d") {
        Err(_) => {
            errs.push(FieldError::keyed("deadline", "bad_date", "field.order.bad_deadline").arg("found", &input.deadline.trim()));
            None
        }
        Ok(d) if d < today => {
            errs.push(FieldError::keyed("deadline", "deadline_past", "field.order.deadline_past").arg("today", &today));
            None
        }
        Ok(d) => Some(d),
    };
    match (unit, kind, subject, deadline, errs.is_empty()) {
        (Some(u), Some(k), Some(s), Some(d), true) => Ok(CheckedOrder {
            org_unit: u.name.clone(),
            subject_kind: k,
            subject: s,
            matter: input.matter.trim().into(),
            required: input.required.trim().into(),
            deadline: d,
        }),
        _ => Err(errs),
    }
}

/// A free text that must be there: not empty, printable, at most [`MAX_TEXT`] characters.
pub fn check_required_text(errs: &mut Vec<FieldError>, field: &str, text: &str) {
    if text.trim().is_empty() {
        errs.push(FieldError::keyed(field, "required", "field.order.required"));
        return;
    }
    check_text(errs, field, text);
    if text.chars().count() > MAX_TEXT {
        errs.push(FieldError::keyed(field, "too_long", "field.report.text_too_long"));
    }
}

/// The orders waiting on `actor` on `today`: for the task force the answered ones to decide and
/// every overdue one (they escalate to it); for a unit's reporting users its own that await
/// its answer; for the others none. The overdue first, then by deadline.
pub fn waiting_on<'a>(actor: &Actor, plan: &Plan, orders: &'a [SupervisionOrder], today: NaiveDate) -> Vec<&'a SupervisionOrder> {
    let mut out: Vec<&SupervisionOrder> = orders
        .iter()
        .filter(|o| {
            if actor.can_approve(plan) {
                o.state == OrderState::Answered || o.overdue(today)
            } else {
                actor.can_act_for(plan, &o.org_unit) && o.state.awaits_answer()
            }
        })
        .collect();
    out.sort_by(|a, b| b.overdue(today).cmp(&a.overdue(today)).then_with(|| a.deadline.cmp(&b.deadline)).then(a.id.cmp(&b.id)));
    out
}

/// A move of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The unit answers (first time or again after a return).
    Answer,
    /// The task force closes it.
    Close,
    /// The task force sends it back (a reason is required).
    Return,
    /// The task force withdraws an order issued by mistake (a reason is required).
    Withdraw,
}

impl Move {
    /// `answer`, `close` or `return`.
    pub fn parse(s: &str) -> Option<Move> {
        match s {
            "answer" => Some(Move::Answer),
            "close" => Some(Move::Close),
            "return" => Some(Move::Return),
            "withdraw" => Some(Move::Withdraw),
            _ => None,
        }
    }
    /// The trail's action.
    pub fn action(self) -> &'static str {
        match self {
            Move::Answer => "supervision_order.answered",
            Move::Close => "supervision_order.closed",
            Move::Return => "supervision_order.returned",
            Move::Withdraw => "supervision_order.withdrawn",
        }
    }
    /// The state the move leaves, or None when it does not fit the state the order is in.
    pub fn from(self, state: OrderState) -> Option<OrderState> {
        match (self, state) {
            (Move::Answer, OrderState::Issued | OrderState::Returned) => Some(OrderState::Answered),
            (Move::Close, OrderState::Answered) => Some(OrderState::Closed),
            (Move::Return, OrderState::Answered) => Some(OrderState::Returned),
            (Move::Withdraw, OrderState::Issued | OrderState::Answered | OrderState::Returned) => Some(OrderState::Withdrawn),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn order(state: OrderState, answered_at: &str, decided_at: &str) -> SupervisionOrder {
        SupervisionOrder {
            id: 1,
            zone: "z".into(),
            org_unit: "u".into(),
            subject_kind: SubjectKind::Project,
            subject: "12".into(),
            matter: "m".into(),
            required: "r".into(),
            deadline: "2024-05-20".into(),
            state,
            issued_by: "tf".into(),
            issued_at: "2024-05-01T02:00:00Z".into(),
            answer: String::new(),
            answered_by: String::new(),
            answered_at: answered_at.into(),
            decided_by: String::new(),
            decided_at: decided_at.into(),
            reason: String::new(),
            version: 1,
        }
    }

    #[test]
    fn an_order_counts_on_time_late_or_overdue_by_its_deadline_in_beijing_time() {
        // answered on the 20th in Beijing (19th 17:00 UTC), closed on the 25th
        let on_time = order(OrderState::Closed, "2024-05-19T17:00:00Z", "2024-05-25T02:00:00Z");
        assert_eq!(on_time.outcome(d("2024-06-10")), Some(OrderOutcome::OnTime));
        // judged before the task force closed it, answered in time: it waited on the task force,
        // not on the unit: not overdue, and it does not count
        assert_eq!(on_time.outcome(d("2024-05-24")), None);
        assert!(!on_time.overdue(d("2024-05-24")));
        // answered in time and not yet decided: it waits on the task force, not overdue, not counted
        let waiting = order(OrderState::Answered, "2024-05-19T17:00:00Z", "");
        assert_eq!((waiting.outcome(d("2024-06-10")), waiting.overdue(d("2024-06-10"))), (None, false));
        // sent back after the deadline: the unit owes it again, overdue
        let returned = order(OrderState::Returned, "2024-05-19T17:00:00Z", "2024-05-22T02:00:00Z");
        assert_eq!(returned.outcome(d("2024-06-10")), Some(OrderOutcome::Overdue));
        let withdrawn = order(OrderState::Withdrawn, "", "2024-05-22T02:00:00Z");
        assert_eq!((withdrawn.outcome(d("2024-06-10")), withdrawn.overdue(d("2024-06-10")), withdrawn.standing_on(d("2024-06-10"))), (None, false, None));
        // not due yet and not closed: it does not count
        assert_eq!(order(OrderState::Issued, "", "").outcome(d("2024-05-20")), None);
        // answered late and closed after the day judged: overdue on that day, whatever came after
        let late_closed_later = order(OrderState::Closed, "2024-05-21T02:00:00Z", "2024-06-20T02:00:00Z");
        assert_eq!(late_closed_later.outcome(d("2024-06-10")), Some(OrderOutcome::Overdue));
        let late = order(OrderState::Closed, "2024-05-21T02:00:00Z", "2024-05-22T02:00:00Z");
        assert_eq!(late.outcome(d("2024-06-10")), Some(OrderOutcome::Late));
        let open = order(OrderState::Issued, "", "");
        assert_eq!(open.outcome(d("2024-05-21")), Some(OrderOutcome::Overdue));
        assert!(open.overdue(d("2024-05-21")) && !open.overdue(d("2024-05-20")));
    }

    #[test]
    fn moves_fit_their_states() {
        assert_eq!(Move::Answer.from(OrderState::Issued), Some(OrderState::Answered));
        assert_eq!(Move::Answer.from(OrderState::Returned), Some(OrderState::Answered));
        assert_eq!(Move::Answer.from(OrderState::Answered), None);
        assert_eq!(Move::Close.from(OrderState::Issued), None);
        assert_eq!(Move::Return.from(OrderState::Closed), None);
        assert_eq!(Move::Close.from(OrderState::Answered), Some(OrderState::Closed));
        assert_eq!(Move::Withdraw.from(OrderState::Returned), Some(OrderState::Withdrawn));
        assert_eq!(Move::Withdraw.from(OrderState::Closed), None);
        assert_eq!(Move::Answer.from(OrderState::Withdrawn), None);
    }
}
