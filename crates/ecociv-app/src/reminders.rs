//! Reminders (提醒 / 催报) of a zone on the app's today: what each unit owes and at which
//! stage (`ecociv_core::reminder`), from the zone's reports, orders and rectification tasks as
//! they stand; where they go (the contacts) and when (the zone's settings); what was sent (the
//! store's sent log); and the scheduler's round ([`deliver`]), which sends each reminder once to
//! each recipient, and the task force's weekly digest.

use std::collections::{HashMap, HashSet};

use ecociv_core::access::{Actor, Role};
use ecociv_core::contact::{self, Target, UnitContact, UnitContactInput, UserContact, UserContactInput};
use ecociv_core::model::Plan;
use ecociv_core::reminder::{Reminder, ReminderSettings, ReminderSettingsRecord, Stage, digest, digest_key, message, owed, reminders};
use ecociv_core::{Locale, record::UserRecord};
use ecociv_store::ReminderLogRecord;

use crate::App;
use crate::delivery::Couriers;
use crate::error::AppError;

/// The lease of the reminders' scheduler: one instance sends at a time.
pub const LEASE: &str = "reminders";
/// How long a round's lease lasts, unless renewed by the next round.
const LEASE_SECONDS: i64 = 300;

/// The zone's reminder settings: its own, or the defaults until it sets them.
pub async fn settings(st: &App, zone: &str) -> Result<ReminderSettings, AppError> {
    Ok(st.store.reminder_settings(zone).await?.map(|r| r.settings()).unwrap_or_default())
}

/// The task force sets when the zone reminds.
pub async fn set_settings(st: &App, actor: &Actor, s: &ReminderSettings) -> Result<ReminderSettingsRecord, AppError> {
    let plan = crate::entries::plan_of(st, actor).await?;
    if !actor.can_approve(&plan) {
        return Err(AppError::forbidden());
    }
    s.check().map_err(AppError::invalid)?;
    let rec = ReminderSettingsRecord {
        zone: plan.zone.code.clone(),
        days_before: s.days_before,
        escalate_after: s.escalate_after,
        digest_weekday: s.digest_weekday,
        updated_by: actor.name.clone(),
        updated_at: st.stamp(),
    };
    st.store.set_reminder_settings(&rec, &actor.name).await?;
    Ok(rec)
}

/// The reminders of the zone today (unsent ones included), and those an actor may read: the
/// task force, admins and viewers all; a unit its own.
pub async fn today(st: &App, plan: &Plan, actor: &Actor) -> Result<Vec<Reminder>, AppError> {
    Ok(of_zone(st, plan).await?.into_iter().filter(|r| reads_all(actor) || r.unit == actor.org_unit).collect())
}

/// Every reminder of the zone today, with its settings.
async fn of_zone(st: &App, plan: &Plan) -> Result<Vec<Reminder>, AppError> {
    let z = &plan.zone.code;
    let (reports, orders, rects) =
        (ecociv_core::lineage::reports_for(plan, st.store.dispatch_reports(z).await?), st.store.orders(z).await?, st.store.rectifications(z).await?);
    let due_day = crate::entries::settings_of(st, z).await?.dispatch_due_day;
    Ok(reminders(&owed(plan, &reports, &orders, &rects, st.today(), due_day), st.today(), &settings(st, z).await?))
}

/// What was sent, to the units the actor may read of (the digest: to the task force). A viewer
/// reads every unit's log, but not the people's mail addresses (`mail:z…@example.gov.cn`).
pub async fn sent(st: &App, plan: &Plan, actor: &Actor) -> Result<Vec<ReminderLogRecord>, AppError> {
    let log = st.store.reminder_log(&plan.zone.code).await?.into_iter().filter(|r| reads_all(actor) || r.org_unit == actor.org_unit);
    Ok(log.map(|r| if actor.role == Role::Viewer { ReminderLogRecord { recipient: masked_recipient(&r.recipient), ..r } } else { r }).collect())
}

/// A mail recipient with its address's name hidden but its first letter: `mail:z…@hhht.gov.cn`.
fn masked_recipient(recipient: &str) -> String {
    match recipient.strip_prefix("mail:").and_then(|a| a.split_once('@')) {
        Some((name, domain)) => format!("mail:{}…@{domain}", name.chars().next().map(String::from).unwrap_or_default()),
        None => recipient.to_string(),
    }
}

fn reads_all(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::TaskForce | Role::Viewer)
}

/// The actor's own contact (an empty one, by mail, before they give any).
pub async fn my_contact(st: &App, actor: &Actor) -> Result<UserContact, AppError> {
    let found = st.store.user_contacts(&actor.zone).await?.into_iter().find(|c| c.user == actor.name);
    Ok(found.unwrap_or_else(|| UserContact {
        zone: actor.zone.clone(),
        user: actor.name.clone(),
        email: String::new(),
        mobile: String::new(),
        channel: contact::Channel::Off,
        updated_at: String::new(),
    }))
}

/// A user sets their own contact.
pub async fn set_my_contact(st: &App, actor: &Actor, input: &UserContactInput) -> Result<UserContact, AppError> {
    // a user's contact is kept in its own zone, never set from the zone above acting below
    if actor.parent.is_some() {
        return Err(AppError::forbidden());
    }
    let (email, mobile, channel) = contact::check_user_contact(input).map_err(AppError::invalid)?;
    let c = UserContact { zone: actor.zone.clone(), user: actor.name.clone(), email, mobile, channel, updated_at: st.stamp() };
    st.store.set_user_contact(&c, &actor.name).await?;
    Ok(c)
}

/// The robots and heads of the units the actor may read: the task force, admins and viewers
/// every unit of the plan, a unit's users their own. Units without one are listed empty.
pub async fn unit_contacts(st: &App, plan: &Plan, actor: &Actor) -> Result<Vec<UnitContact>, AppError> {
    let kept = st.store.unit_contacts(&plan.zone.code).await?;
    Ok(plan
        .org_units
        .iter()
        .filter(|u| reads_all(actor) || actor.org_unit == u.name)
        .map(|u| {
            kept.iter().find(|c| c.org_unit == u.name).cloned().unwrap_or_else(|| UnitContact {
                zone: plan.zone.code.clone(),
                org_unit: u.name.clone(),
                robot: None,
                webhook: String::new(),
                secret: String::new(),
                head: String::new(),
                updated_by: String::new(),
                updated_at: String::new(),
            })
        })
        .collect())
}

/// The task force sets a unit's robot and head. Units do not: the server posts to whatever
/// address is set, so who may set one is kept to the task force and admins.
pub async fn set_unit_contact(st: &App, actor: &Actor, org_unit: &str, input: &UnitContactInput) -> Result<UnitContact, AppError> {
    let plan = crate::entries::plan_of(st, actor).await?;
    if !actor.can_approve(&plan) {
        return Err(AppError::forbidden());
    }
    let Some(name) = plan.org_unit(org_unit).map(|u| u.name.clone()) else {
        return Err(AppError::not_found("not_found").field("org_unit", org_unit));
    };
    let z = &plan.zone.code;
    let (users, kept) = (st.store.users(z).await?, st.store.unit_contacts(z).await?);
    let mut c = contact::check_unit_contact(&plan, &name, input, &users, kept.iter().find(|c| c.org_unit == name)).map_err(AppError::invalid)?;
    c.updated_by = actor.name.clone();
    c.updated_at = st.stamp();
    st.store.set_unit_contact(&c, &actor.name).await?;
    Ok(c)
}

/// What one round of the scheduler did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    /// Another instance holds the lease: this one sent nothing.
    pub elsewhere: bool,
    pub sent: usize,
    pub failed: usize,
}

/// One round of the scheduler, as the app's instance: when it holds the lease, each zone's reminders of today go to their recipients, and on the digest's day the
/// week's digest to the task force. Each message is claimed in the sent log before it goes:
/// whatever was claimed before — by this instance, an earlier run or another instance — is not
/// sent again. One refused or never handed over (`failed`) is tried again, up to the store's
/// attempts; one that may have arrived all the same (no answer once handed over: `unknown`), or
/// whose claim outlived a crash, is not: at most once, never twice.
pub async fn deliver(st: &App, couriers: &Couriers) -> Result<Round, AppError> {
    if !st.lease(LEASE, LEASE_SECONDS).await? {
        return Ok(Round { elsewhere: true, ..Round::default() });
    }
    let mut round = Round::default();
    for zone in st.zones().await?.iter() {
        let z = &zone.code;
        let (contacts, units) = (st.store.user_contacts(z).await?, st.store.unit_contacts(z).await?);
        // a zone where nobody gave a way to be reached: nothing to send, nothing more to read
        // (not even its plan: a round over a thousand such zones reads two small rows each)
        if contacts.iter().all(|c| c.channel == contact::Channel::Off) && units.iter().all(|u| u.robot.is_none()) {
            continue;
        }
        let plan = st.plan(Some(z)).await?;
        deliver_zone(st, couriers, &plan, (&contacts, &units), &mut round).await?;
    }
    Ok(round)
}

/// The zone's reminders and digest of today, each message once, to its users' and units'
/// `contacts`.
async fn deliver_zone(
    st: &App,
    couriers: &Couriers,
    plan: &Plan,
    (contacts, units): (&[UserContact], &[UnitContact]),
    round: &mut Round,
) -> Result<(), AppError> {
    let z = &plan.zone.code;
    let (all, users, log) = (of_zone(st, plan).await?, st.store.users(z).await?, st.store.reminder_log(z).await?);
    let told = Told::of(&log);
    // messages in the zone's language: Chinese
    let l = Locale::Zh;
    let today = st.today();
    for r in &all {
        let (subject, text) = message(r, plan, &couriers.base_url, today, l);
        let robot = units.iter().find(|u| u.org_unit == r.unit);
        let mut items: Vec<&str> = r.owed.iter().map(|o| o.what.as_str()).collect();
        items.sort();
        // one message per set of items: a set with an item not yet named is a new message
        let key = format!("{}|{}", r.key, &ecociv_core::record::content_hash(items.join("\n").as_bytes())[..12]);
        for d in contact::deliveries(&r.unit, r.stage == Stage::Escalated, &users, contacts, robot) {
            if items.iter().all(|i| told.has(&r.key, &d.recipient, i)) {
                continue;
            }
            send_once(st, couriers, z, (&key, &r.unit, r.stage.code(), &items.join("\n")), &d, &subject, &text, round).await?;
        }
    }
    if let Some(key) = digest_key(today, &settings(st, z).await?) {
        let week = key.trim_start_matches("digest|");
        let (subject, text) = digest(&all, week, &couriers.base_url, l);
        let task_force: Vec<&UserRecord> = users.iter().filter(|u| u.role == Role::TaskForce && !u.disabled).collect();
        let robots: Vec<&UnitContact> = units.iter().filter(|u| task_force.iter().any(|p| p.org_unit == u.org_unit)).collect();
        for d in contact::reaching(&task_force, contacts, &robots) {
            let unit = match &d.target {
                Target::Robot { .. } => d.recipient.split_once(':').map(|(_, u)| u).unwrap_or_default(),
                Target::Mail { .. } => "",
            };
            send_once(st, couriers, z, (&key, unit, "digest", ""), &d, &subject, &text, round).await?;
        }
    }
    Ok(())
}

/// What each recipient was told at each stage and due date (`unit|stage|due`), from the sent
/// log read once a round: by a message sent, being sent or perhaps arrived — not one that
/// failed, which is tried again under its own key. `None`: a message logged before items were
/// kept, which named them all.
struct Told<'a>(HashMap<(&'a str, &'a str), Option<HashSet<&'a str>>>);

impl<'a> Told<'a> {
    fn of(log: &'a [ReminderLogRecord]) -> Told<'a> {
        let mut told: HashMap<(&str, &str), Option<HashSet<&str>>> = HashMap::new();
        for x in log.iter().filter(|x| x.status != "failed") {
            // `unit|stage|due`, before the digest of the items a key carries
            let reminder = x.key.match_indices('|').nth(2).map(|(at, _)| &x.key[..at]).unwrap_or(&x.key);
            let entry = told.entry((reminder, x.recipient.as_str())).or_insert_with(|| Some(HashSet::new()));
            match (entry.as_mut(), x.items.is_empty()) {
                (_, true) => *entry = None,
                (Some(items), false) => items.extend(x.items.lines()),
                (None, false) => {}
            }
        }
        Told(told)
    }

    /// Whether `recipient` was already told of `item` at the stage and due date of `reminder`.
    fn has(&self, reminder: &str, recipient: &str, item: &str) -> bool {
        self.0.get(&(reminder, recipient)).is_some_and(|items| items.as_ref().is_none_or(|i| i.contains(item)))
    }
}

/// Claims a message in the sent log, sends it when the claim is this call's, and logs how it
/// went. Mail is neither claimed nor sent while no mail server is set.
#[allow(clippy::too_many_arguments)]
async fn send_once(
    st: &App,
    couriers: &Couriers,
    zone: &str,
    (key, unit, stage, items): (&str, &str, &str, &str),
    d: &contact::Delivery,
    subject: &str,
    text: &str,
    round: &mut Round,
) -> Result<(), AppError> {
    if matches!(d.target, Target::Mail { .. }) && !couriers.mails() {
        return Ok(());
    }
    let rec = ReminderLogRecord {
        zone: zone.to_string(),
        key: key.to_string(),
        recipient: d.recipient.clone(),
        org_unit: unit.to_string(),
        channel: d.channel.to_string(),
        stage: stage.to_string(),
        items: items.to_string(),
        body: text.to_string(),
        status: "claimed".into(),
        attempts: 1,
        detail: String::new(),
        claimed_at: st.stamp(),
        finished_at: String::new(),
    };
    if !st.store.claim_reminder(&rec).await? {
        return Ok(());
    }
    // a signed robot call carries the real time (DingTalk refuses one an hour off), not the
    // day `--today` sets
    let went = couriers.send(&d.target, subject, text, chrono::Utc::now().timestamp_millis()).await;
    // a failure that may have arrived all the same is not tried again: never twice
    let (status, detail) = match &went {
        Ok(()) => ("sent", String::new()),
        Err(f) if f.retry => ("failed", f.why.clone()),
        Err(f) => ("unknown", f.why.clone()),
    };
    if went.is_ok() {
        round.sent += 1;
    } else {
        tracing::warn!(zone, key, recipient = d.recipient, "a reminder was not sent: {detail}");
        round.failed += 1;
    }
    st.store.finish_reminder(zone, key, &d.recipient, status, &detail, &st.stamp()).await?;
    Ok(())
}

/// Runs [`deliver`] every `period` until the process ends.
pub async fn every(st: App, couriers: Couriers, period: std::time::Duration) {
    let mut tick = tokio::time::interval(period);
    loop {
        tick.tick().await;
        match deliver(&st, &couriers).await {
            Ok(r) if r.sent + r.failed > 0 => tracing::info!(sent = r.sent, failed = r.failed, "reminders sent"),
            Ok(_) => {}
            Err(e) => tracing::warn!("the reminders' round failed: {e}"),
        }
    }
}
