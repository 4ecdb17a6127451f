//! The monthly dispatch bulletin (月调度通报), ready to print: who reported the month and who is
//! late or missing, which projects are behind what their period expects, and the best and
//! worst reporting units.

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use ecociv_core::bulletin::{Bulletin, UnitReporting, best_and_worst};
use ecociv_core::entry::YearMonth;
use serde::Deserialize;

use crate::auth::{Authed, MaybeAuthed};
use crate::error::WebError;
use crate::extract::Q;
use crate::i18n::Lang;
use crate::layout::{Layout, error_page_for, render};
use crate::state::AppState;
use ecociv_app::entries;

pub fn routes() -> Router<AppState> {
    Router::new().route("/bulletin", get(page))
}

#[derive(Template)]
#[template(path = "bulletin.html")]
struct BulletinPage<'a> {
    l: Layout,
    b: &'a Bulletin,
    top: Vec<&'a UnitReporting>,
    bottom: Vec<&'a UnitReporting>,
    /// The month's supervision orders, as they stood on the day it is judged on.
    orders: Vec<crate::supervision::OrderRow>,
}

#[derive(Deserialize, Default)]
struct MonthQuery {
    month: Option<String>,
}

async fn page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, Q(q): Q<MonthQuery>) -> Response {
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let month = match q.month.as_deref().map(|m| m.parse::<YearMonth>()) {
        None => ecociv_core::dispatch::latest_month(&plan, st.today()),
        Some(Ok(m)) if m <= YearMonth::of(st.today()) => m,
        Some(_) => return error_page_for(&st, l, &uri, Some(&a), WebError::bad_request("bad_month").field("month", q.month.as_deref().unwrap_or_default())),
    };
    let b = match ecociv_app::bulletin::bulletin(&st, &plan, month).await {
        Ok(b) => b,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let (top, bottom) = best_and_worst(&b);
    let lay = Layout::new(&st, l, &uri, Some(&plan), &crate::state::ZoneQuery::default()).with(MaybeAuthed(Some(a)));
    let orders = b
        .orders
        .iter()
        .map(|(o, standing)| crate::supervision::OrderRow {
            state: crate::i18n::t(l, standing.key()).to_string(),
            class: if *standing == ecociv_core::supervision::Standing::Overdue { "overdue" } else { "" },
            ..crate::supervision::order_row(&plan, o, st.today(), l)
        })
        .collect();
    render(&BulletinPage { l: lay, b: &b, top, bottom, orders })
}
