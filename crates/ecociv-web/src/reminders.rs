//! Reminders: `/reminders`, what each unit is reminded of today — a few days before a due date,
//! the day after it, and escalated to its head after the zone's days — with what it still owes
//! and where to do it; when the zone reminds (the task force sets it); each user's own contact
//! (mail address, mobile, channel); the units' group robots and heads (the task force sets them
//! on `/reminders/units/{unit}`); and what was sent, with how it went. A unit reads its own; the
//! task force, admins and viewers all. Under `/api/v1/reminders`, `/api/v1/reminder-settings`,
//! `/api/v1/me/contact` and `/api/v1/unit-contacts` the same for scripts. What may be done is
//! `ecociv_app::reminders`'s.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use ecociv_app::reminders::{my_contact, set_my_contact, set_settings, set_unit_contact, settings, unit_contacts};
use ecociv_core::Locale;
use ecociv_core::contact::{Channel, UnitContactInput, UnitContactShown, UserContact, UserContactInput};
use ecociv_core::reminder::{Reminder, ReminderSettings, ReminderSettingsRecord};
use ecociv_store::ReminderLogRecord;
use serde::Deserialize;

use crate::auth::Authed;
use crate::error::{InLocale, WebError};
use crate::extract::{F, J, P};
use crate::i18n::{Lang, t, tf};
use crate::layout::{Layout, error_page_for, layout, refused_form, render};
use crate::state::AppState;

/// How many of the latest messages sent the page lists.
const SENT_SHOWN: usize = 200;

struct Row {
    unit: String,
    stage: &'static str,
    label: String,
    due: String,
    items: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "reminders.html")]
struct Page {
    l: Layout,
    rows: Vec<Row>,
    /// The latest of what was sent ([`SENT_SHOWN`] at most; the API has all).
    sent: Vec<ReminderLogRecord>,
    sent_count: usize,
    /// When the zone reminds, in words.
    note: String,
    settings: ReminderSettings,
    can_set: bool,
    /// The caller's contact, as kept or as typed.
    contact: UserContact,
    /// Each unit's robot and head, with the address of its form.
    units: Vec<(UnitContactShown, String)>,
    /// The messages of a refused form.
    errors: Vec<(String, String)>,
}

/// The days of the week, `0` (none) to `7`, with their labels.
fn weekdays(l: Locale) -> Vec<(u32, String)> {
    (0..=7).map(|d| (d, t(l, &format!("reminder.weekday.{d}")).to_string())).collect()
}

async fn page_of(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, typed: Option<UserContact>) -> Result<Page, WebError> {
    let plan = ecociv_app::entries::plan_of(st, &a.actor).await?;
    let rows = ecociv_app::reminders::today(st, &plan, &a.actor)
        .await?
        .into_iter()
        .map(|r| Row {
            stage: r.stage.code(),
            label: t(l, &format!("reminder.stage.{}", r.stage.code())).to_string(),
            due: r.due.to_string(),
            items: r.owed.iter().map(|o| (ecociv_core::reminder::describe(o, &plan, l), o.link.clone())).collect(),
            unit: r.unit,
        })
        .collect();
    let mut sent = ecociv_app::reminders::sent(st, &plan, &a.actor).await?;
    let sent_count = sent.len();
    sent.truncate(SENT_SHOWN);
    let s = settings(st, &plan.zone.code).await?;
    let weekday = weekdays(l).into_iter().find(|(d, _)| *d == s.digest_weekday).map(|(_, w)| w).unwrap_or_default();
    let note = tf(l, "reminder.note", &[("before", s.days_before.to_string()), ("after", s.escalate_after.to_string()), ("weekday", weekday)]);
    let contact = match typed {
        Some(c) => c,
        None => my_contact(st, &a.actor).await?,
    };
    let units = unit_contacts(st, &plan, &a.actor).await?.iter().map(|c| (c.shown(), format!("/reminders/units/{}", path_segment(&c.org_unit)))).collect();
    Ok(Page {
        l: layout(st, l, uri, Some(&plan), Some(a)).await,
        rows,
        sent,
        sent_count,
        note,
        settings: s,
        can_set: a.actor.can_approve(&plan),
        contact,
        units,
        errors: vec![],
    })
}

/// A unit's name as one segment of an address: every byte but letters and digits
/// percent-encoded.
fn path_segment(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

async fn page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    match page_of(&st, l, &uri, &a, None).await {
        Ok(p) => render(&p),
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

/// The settings form.
#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    days_before: String,
    #[serde(default)]
    escalate_after: String,
    #[serde(default)]
    digest_weekday: String,
}

async fn settings_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, F(f): F<SettingsForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page_for(&st, l, &uri, Some(&a), e);
    }
    // a field that is not a whole number is refused as typed, before the ranges are checked
    let mut unread = Vec::new();
    let mut n = |field: &str, typed: &str| {
        typed.trim().parse::<u32>().unwrap_or_else(|_| {
            unread.push(ecociv_core::entry::FieldError::keyed(field, "not_a_number", "field.reminder.not_a_number").arg("found", &typed.trim()));
            0
        })
    };
    let s = ReminderSettings {
        days_before: n("days_before", &f.days_before),
        escalate_after: n("escalate_after", &f.escalate_after),
        digest_weekday: n("digest_weekday", &f.digest_weekday),
    };
    let set = if unread.is_empty() { set_settings(&st, &a.actor, &s).await } else { Err(ecociv_app::AppError::invalid(unread)) };
    match set {
        Ok(_) => Redirect::to("/reminders#settings").into_response(),
        Err(e) if e.kind == ecociv_app::Kind::Invalid => refused_form(&st, l, &uri, &a, e, page_of(&st, l, &uri, &a, None), |p| &mut p.errors).await,
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

/// The own-contact form.
#[derive(Deserialize)]
struct ContactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    channel: String,
}

async fn contact_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, F(f): F<ContactForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page_for(&st, l, &uri, Some(&a), e);
    }
    let input = UserContactInput { email: f.email.clone(), mobile: f.mobile.clone(), channel: f.channel.clone() };
    match set_my_contact(&st, &a.actor, &input).await {
        Ok(_) => Redirect::to("/reminders#contact").into_response(),
        Err(e) if e.kind == ecociv_app::Kind::Invalid => {
            let typed = UserContact {
                zone: a.actor.zone.clone(),
                user: a.actor.name.clone(),
                email: f.email,
                mobile: f.mobile,
                channel: Channel::parse(&f.channel).unwrap_or_default(),
                updated_at: String::new(),
            };
            refused_form(&st, l, &uri, &a, e, page_of(&st, l, &uri, &a, Some(typed)), |p| &mut p.errors).await
        }
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

#[derive(Template)]
#[template(path = "reminder_unit.html")]
struct UnitPage {
    l: Layout,
    unit: UnitContactShown,
    /// The zone's active users, who may be named head.
    users: Vec<String>,
    errors: Vec<(String, String)>,
}

async fn unit_page_of(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, unit: &str) -> Result<UnitPage, WebError> {
    let plan = ecociv_app::entries::plan_of(st, &a.actor).await?;
    if !a.actor.can_approve(&plan) {
        return Err(WebError::forbidden());
    }
    let name = plan.org_unit(unit).map(|u| u.name.clone()).ok_or_else(|| WebError::not_found("not_found").field("org_unit", unit))?;
    let shown = unit_contacts(st, &plan, &a.actor)
        .await?
        .into_iter()
        .find(|c| c.org_unit == name)
        .map(|c| c.shown())
        .ok_or_else(|| WebError::not_found("not_found"))?;
    let users = st.store.users(&plan.zone.code).await?.into_iter().filter(|u| !u.disabled).map(|u| u.name).collect();
    Ok(UnitPage { l: layout(st, l, uri, Some(&plan), Some(a)).await, unit: shown, users, errors: vec![] })
}

async fn unit_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(unit): P<String>) -> Response {
    match unit_page_of(&st, l, &uri, &a, &unit).await {
        Ok(p) => render(&p),
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

/// A unit's robot form: an address or secret left blank keeps the one kept.
#[derive(Deserialize)]
struct UnitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    robot: String,
    #[serde(default)]
    webhook: String,
    #[serde(default)]
    secret: String,
    /// Ticked: the signing secret is removed.
    #[serde(default)]
    no_secret: Option<String>,
    #[serde(default)]
    head: String,
}

async fn unit_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(unit): P<String>, F(f): F<UnitForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page_for(&st, l, &uri, Some(&a), e);
    }
    let kept = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    let secret = if f.no_secret.is_some() { Some(String::new()) } else { kept(&f.secret) };
    let input = UnitContactInput { robot: f.robot, webhook: kept(&f.webhook), secret, head: f.head };
    match set_unit_contact(&st, &a.actor, &unit, &input).await {
        Ok(_) => Redirect::to("/reminders#units").into_response(),
        Err(e) if e.kind == ecociv_app::Kind::Invalid => refused_form(&st, l, &uri, &a, e, unit_page_of(&st, l, &uri, &a, &unit), |p| &mut p.errors).await,
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

/// Today's reminders the caller may read: each unit's, by stage and due date, with what it owes.
#[utoipa::path(get, path = "/api/v1/reminders", responses((status = 200, body = [Reminder]), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_today(State(st): State<AppState>, a: Authed) -> Result<Json<Vec<Reminder>>, WebError> {
    let plan = ecociv_app::entries::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    Ok(Json(ecociv_app::reminders::today(&st, &plan, &a.actor).await.map_err(|e| e.in_locale(a.locale))?))
}

/// What was sent to the units the caller may read of, the newest first, with how it went.
#[utoipa::path(get, path = "/api/v1/reminders/sent", responses((status = 200, body = [ReminderLogRecord]), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_sent(State(st): State<AppState>, a: Authed) -> Result<Json<Vec<ReminderLogRecord>>, WebError> {
    let plan = ecociv_app::entries::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    Ok(Json(ecociv_app::reminders::sent(&st, &plan, &a.actor).await.map_err(|e| e.in_locale(a.locale))?))
}

/// When the zone reminds (the defaults until the task force sets its own).
#[utoipa::path(get, path = "/api/v1/reminder-settings", responses((status = 200, body = ReminderSettings), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_settings(State(st): State<AppState>, a: Authed) -> Result<Json<ReminderSettings>, WebError> {
    Ok(Json(settings(&st, &a.actor.zone).await.map_err(|e| e.in_locale(a.locale))?))
}

/// The task force sets when the zone reminds.
#[utoipa::path(put, path = "/api/v1/reminder-settings", request_body = ReminderSettings,
    responses((status = 200, body = ReminderSettingsRecord), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_set_settings(State(st): State<AppState>, a: Authed, J(input): J<ReminderSettings>) -> Result<Json<ReminderSettingsRecord>, WebError> {
    a.check_csrf(None)?;
    Ok(Json(set_settings(&st, &a.actor, &input).await.map_err(|e| e.in_locale(a.locale))?))
}

/// The caller's own contact.
#[utoipa::path(get, path = "/api/v1/me/contact", responses((status = 200, body = UserContact), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_contact(State(st): State<AppState>, a: Authed) -> Result<Json<UserContact>, WebError> {
    Ok(Json(my_contact(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?))
}

/// The caller sets their own contact: a mail address, a mobile, and how to be reminded.
#[utoipa::path(put, path = "/api/v1/me/contact", request_body = UserContactInput,
    responses((status = 200, body = UserContact), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_set_contact(State(st): State<AppState>, a: Authed, J(input): J<UserContactInput>) -> Result<Json<UserContact>, WebError> {
    a.check_csrf(None)?;
    Ok(Json(set_my_contact(&st, &a.actor, &input).await.map_err(|e| e.in_locale(a.locale))?))
}

/// The units' group robots (addresses masked) and heads the caller may read.
#[utoipa::path(get, path = "/api/v1/unit-contacts", responses((status = 200, body = [UnitContactShown]), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_units(State(st): State<AppState>, a: Authed) -> Result<Json<Vec<UnitContactShown>>, WebError> {
    let plan = ecociv_app::entries::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    Ok(Json(unit_contacts(&st, &plan, &a.actor).await.map_err(|e| e.in_locale(a.locale))?.iter().map(|c| c.shown()).collect()))
}

/// The task force sets a unit's group robot and head. A webhook or secret left out keeps the
/// one kept; `robot` empty removes the robot.
#[utoipa::path(put, path = "/api/v1/unit-contacts/{unit}", params(("unit" = String, Path)), request_body = UnitContactInput,
    responses((status = 200, body = UnitContactShown), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_set_unit(State(st): State<AppState>, a: Authed, P(unit): P<String>, J(input): J<UnitContactInput>) -> Result<Json<UnitContactShown>, WebError> {
    a.check_csrf(None)?;
    Ok(Json(set_unit_contact(&st, &a.actor, &unit, &input).await.map_err(|e| e.in_locale(a.locale))?.shown()))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reminders", get(page))
        .route("/reminders/settings", axum::routing::post(settings_post))
        .route("/reminders/contact", axum::routing::post(contact_post))
        .route("/reminders/units/{unit}", get(unit_page).post(unit_post))
        .route("/api/v1/reminders", get(api_today))
        .route("/api/v1/reminders/sent", get(api_sent))
        .route("/api/v1/reminder-settings", get(api_settings).put(api_set_settings))
        .route("/api/v1/me/contact", get(api_contact).put(api_set_contact))
        .route("/api/v1/unit-contacts", get(api_units))
        .route("/api/v1/unit-contacts/{unit}", axum::routing::put(api_set_unit))
}

/// The documented routes of reminders.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_today, api_sent, api_settings, api_set_settings, api_contact, api_set_contact, api_units, api_set_unit),
    components(schemas(
        Reminder,
        ecociv_core::reminder::Owed,
        ecociv_core::reminder::Stage,
        ecociv_core::reminder::Robot,
        ReminderLogRecord,
        ReminderSettings,
        ReminderSettingsRecord,
        UserContact,
        UserContactInput,
        Channel,
        UnitContactShown,
        UnitContactInput
    ))
)]
pub struct Doc;
