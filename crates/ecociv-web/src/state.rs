//! What every handler shares: [`AppState`], the application and what only HTTP needs; and
//! [`ZoneQuery`], the `?zone=CODE` every page and API route accepts.

use std::sync::Arc;

use chrono::NaiveDate;
use ecociv_app::App;
use ecociv_store::Store;
use serde::Deserialize;

/// What every handler shares: the application, and what only HTTP needs.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Mark cookies Secure even without a proxy saying so (served over TLS).
    pub secure_cookies: bool,
    /// The first run's setup address (closed unless the server opened it at start).
    pub setup: Arc<ecociv_app::accounts::Setup>,
}

impl AppState {
    /// A state with the default settings.
    pub fn new(store: Arc<dyn Store>, today: Option<NaiveDate>, default_zone: &str) -> AppState {
        AppState::of(App::new(store, today, default_zone))
    }

    /// The state of an application.
    pub fn of(app: App) -> AppState {
        AppState { app, secure_cookies: false, setup: Default::default() }
    }
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut App {
        &mut self.app
    }
}

/// `?zone=CODE`, accepted by every page and API route.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ZoneQuery {
    /// The zone's code (e.g. 150100); the default zone when absent.
    pub zone: Option<String>,
}
