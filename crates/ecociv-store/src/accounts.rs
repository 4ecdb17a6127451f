//! Users, sessions and API tokens. Every change of a user (creation, login failures, lock-out,
//! password), every session started or ended and every token made or revoked is recorded in the
//! audit trail in the same transaction (a session's last-seen time is not).

use async_trait::async_trait;

use crate::db::{PgStore, Result, SqliteStore, StoreError};
use crate::trail::{append_event, begin_any, begin_write, event};
use ecociv_core::record::{SessionRecord, TokenRecord, UserRecord};

/// A change of a user from its state as stored: the new state and the action recorded.
pub type UserChange = dyn Fn(&UserRecord) -> (UserRecord, &'static str) + Send + Sync;

/// Accounts of the people and machine clients that use ecociv.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates a user; `Conflict` when the name is taken.
    async fn create_user(&self, user: &UserRecord, actor: &str) -> Result<()>;
    async fn user(&self, name: &str) -> Result<Option<UserRecord>>;
    async fn users(&self, zone: &str) -> Result<Vec<UserRecord>>;
    /// Whether any user exists, in any zone (none: the first run, the setup page is open).
    async fn any_user(&self) -> Result<bool>;
    /// Writes the changed fields of a user (failed logins, lock, password), recording
    /// `action` in the trail even when nothing changed (a successful login).
    async fn update_user(&self, before: &UserRecord, after: &UserRecord, action: &str, actor: &str, reason: &str) -> Result<()>;
    /// Changes a user as `change` says from the user as stored at that moment — read, written
    /// and recorded in one write transaction, so that attempts at the same moment (sign-ins
    /// failing in parallel) each see the one before: `change` gives the new state and the action
    /// recorded. Returns the states before and after, or `None` for an unknown name.
    async fn change_user(&self, name: &str, actor: &str, change: &UserChange) -> Result<Option<(UserRecord, UserRecord)>>;
    async fn create_session(&self, s: &SessionRecord) -> Result<()>;
    async fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>>;
    /// A session with its user, in one query (what every signed-in request reads).
    async fn session_user(&self, id_hash: &str) -> Result<Option<(UserRecord, SessionRecord)>>;
    async fn touch_session(&self, id_hash: &str, last_seen: &str) -> Result<()>;
    async fn delete_session(&self, id_hash: &str) -> Result<()>;
    /// Ends every session of a user (after a password change).
    async fn delete_sessions_of(&self, user: &str) -> Result<()>;
    /// The sessions of the zone's users.
    async fn zone_sessions(&self, zone: &str) -> Result<Vec<SessionRecord>>;
    /// Stores a token's hash; returns its id.
    async fn create_token(&self, user: &UserRecord, token_hash: &str, actor: &str) -> Result<i64>;
    /// A live (not revoked) token by its hash.
    async fn token(&self, token_hash: &str) -> Result<Option<TokenRecord>>;
    /// The user of a live token, in one query (what every API call by token reads).
    async fn token_user(&self, token_hash: &str) -> Result<Option<UserRecord>>;
    async fn tokens_of(&self, user: &str) -> Result<Vec<TokenRecord>>;
    /// Revokes a token of the user (or all of them when `id` is None); returns how many.
    async fn revoke_tokens(&self, user: &UserRecord, id: Option<i64>, actor: &str) -> Result<u64>;
    /// Every token (live or revoked) of the zone's users.
    async fn zone_tokens(&self, zone: &str) -> Result<Vec<TokenRecord>>;
}

/// Ends the sessions that `$filter` (on `sessions s`, with `$1` bound to `$arg`) picks, each
/// recorded on its user's zone's trail as `session.ended`.
macro_rules! end_sessions {
    ($store:expr, $filter:literal, $arg:expr) => {{
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(concat!(
            "SELECT s.id_hash, s.user_name, s.created_at, u.zone_code FROM sessions s JOIN users u ON u.name = s.user_name WHERE ",
            $filter
        ))
        .bind($arg)
        .fetch_all(&$store.pool)
        .await?;
        for (id_hash, user, created_at, zone) in rows {
            let mut tx = begin_write!($store, &zone);
            let gone = sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(&id_hash).execute(&mut *tx).await?;
            if gone.rows_affected() == 1 {
                let s = SessionRecord { id_hash: id_hash.clone(), user: user.clone(), csrf: String::new(), created_at, last_seen: String::new() };
                append_event!(tx, event(&zone, &user, "session.ended", "session", &id_hash, &s.state_json(), "", ""));
            }
            tx.commit().await?;
        }
        Ok(())
    }};
}

macro_rules! user_from_row {
    ($r:expr) => {{
        use sqlx::Row;
        let role: String = $r.try_get("role")?;
        UserRecord {
            name: $r.try_get("name")?,
            zone: $r.try_get("zone_code")?,
            org_unit: $r.try_get("org_unit")?,
            role: ecociv_core::access::Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
            password_hash: $r.try_get("password_hash")?,
            failed_logins: $r.try_get("failed_logins")?,
            locked_until: $r.try_get::<Option<String>, _>("locked_until")?.unwrap_or_default(),
            created_at: $r.try_get("created_at")?,
            disabled: $r.try_get("disabled")?,
            must_change_password: $r.try_get("must_change_password")?,
        }
    }};
}

const USER_COLS: &str = "name, zone_code, org_unit, role, password_hash, failed_logins, locked_until, created_at, disabled, must_change_password";
/// [`USER_COLS`] of the users table named `u`.
const U_COLS: &str =
    "u.name, u.zone_code, u.org_unit, u.role, u.password_hash, u.failed_logins, u.locked_until, u.created_at, u.disabled, u.must_change_password";

macro_rules! accounts_impl {
    ($store:ident) => {
        #[async_trait]
        impl AccountStore for $store {
            async fn create_user(&self, u: &UserRecord, actor: &str) -> Result<()> {
                let mut tx = begin_write!(self, &u.zone);
                let exists: Option<(String,)> = sqlx::query_as("SELECT name FROM users WHERE name = $1").bind(&u.name).fetch_optional(&mut *tx).await?;
                if exists.is_some() {
                    return Err(StoreError::Conflict(format!("the user {:?} exists", u.name)));
                }
                sqlx::query(
                    "INSERT INTO users (name, zone_code, org_unit, role, password_hash, failed_logins, locked_until, created_at, disabled, must_change_password)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&u.name)
                .bind(&u.zone)
                .bind(&u.org_unit)
                .bind(u.role.code())
                .bind(&u.password_hash)
                .bind(u.failed_logins)
                .bind(Some(&u.locked_until).filter(|s| !s.is_empty()))
                .bind(&u.created_at)
                .bind(u.disabled)
                .bind(u.must_change_password)
                .execute(&mut *tx)
                .await?;
                append_event!(tx, event(&u.zone, actor, "user.created", "user", &u.name, "", &u.state_json(), ""));
                tx.commit().await?;
                Ok(())
            }

            async fn user(&self, name: &str) -> Result<Option<UserRecord>> {
                let row =
                    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLS} FROM users WHERE name = $1"))).bind(name).fetch_optional(&self.pool).await?;
                Ok(match row {
                    Some(r) => Some(user_from_row!(r)),
                    None => None,
                })
            }

            async fn any_user(&self) -> Result<bool> {
                Ok(sqlx::query("SELECT 1 FROM users LIMIT 1").fetch_optional(&self.pool).await?.is_some())
            }

            async fn users(&self, zone: &str) -> Result<Vec<UserRecord>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLS} FROM users WHERE zone_code = $1 ORDER BY name")))
                    .bind(zone)
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::new();
                for r in rows {
                    out.push(user_from_row!(r));
                }
                Ok(out)
            }

            async fn update_user(&self, before: &UserRecord, after: &UserRecord, action: &str, actor: &str, reason: &str) -> Result<()> {
                let mut tx = begin_write!(self, &after.zone);
                let done = sqlx::query(
                    "UPDATE users SET org_unit = $2, role = $3, password_hash = $4, failed_logins = $5, locked_until = $6,
                     disabled = $9, must_change_password = $10
                     WHERE name = $1 AND password_hash = $7 AND failed_logins = $8",
                )
                .bind(&after.name)
                .bind(&after.org_unit)
                .bind(after.role.code())
                .bind(&after.password_hash)
                .bind(after.failed_logins)
                .bind(Some(&after.locked_until).filter(|s| !s.is_empty()))
                .bind(&before.password_hash)
                .bind(before.failed_logins)
                .bind(after.disabled)
                .bind(after.must_change_password)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict(format!("the user {:?} changed meanwhile", after.name)));
                }
                append_event!(tx, event(&after.zone, actor, action, "user", &after.name, &before.state_json(), &after.state_json(), reason));
                tx.commit().await?;
                Ok(())
            }

            async fn change_user(&self, name: &str, actor: &str, change: &UserChange) -> Result<Option<(UserRecord, UserRecord)>> {
                let Some(known) = self.user(name).await? else { return Ok(None) };
                let mut tx = begin_write!(self, &known.zone);
                // read again inside the write: whoever changed the user meanwhile came first
                let row =
                    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLS} FROM users WHERE name = $1"))).bind(name).fetch_optional(&mut *tx).await?;
                let Some(r) = row else { return Ok(None) };
                let before = user_from_row!(r);
                let (after, action) = change(&before);
                sqlx::query(
                    "UPDATE users SET org_unit = $2, role = $3, password_hash = $4, failed_logins = $5, locked_until = $6,
                     disabled = $7, must_change_password = $8 WHERE name = $1",
                )
                    .bind(&before.name)
                    .bind(&after.org_unit)
                    .bind(after.role.code())
                    .bind(&after.password_hash)
                    .bind(after.failed_logins)
                    .bind(Some(&after.locked_until).filter(|s| !s.is_empty()))
                    .bind(after.disabled)
                    .bind(after.must_change_password)
                    .execute(&mut *tx)
                    .await?;
                append_event!(tx, event(&before.zone, actor, action, "user", &before.name, &before.state_json(), &after.state_json(), ""));
                tx.commit().await?;
                Ok(Some((before, after)))
            }

            async fn create_session(&self, s: &SessionRecord) -> Result<()> {
                let zone: Option<(String,)> = sqlx::query_as("SELECT zone_code FROM users WHERE name = $1").bind(&s.user).fetch_optional(&self.pool).await?;
                let Some((zone,)) = zone else { return Err(StoreError::Conflict(format!("no user {:?}", s.user))) };
                let mut tx = begin_write!(self, &zone);
                sqlx::query("INSERT INTO sessions (id_hash, user_name, csrf, created_at, last_seen) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&s.id_hash)
                    .bind(&s.user)
                    .bind(&s.csrf)
                    .bind(&s.created_at)
                    .bind(&s.last_seen)
                    .execute(&mut *tx)
                    .await?;
                append_event!(tx, event(&zone, &s.user, "session.started", "session", &s.id_hash, "", &s.state_json(), ""));
                tx.commit().await?;
                Ok(())
            }

            async fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>> {
                let row: Option<(String, String, String, String, String)> =
                    sqlx::query_as("SELECT id_hash, user_name, csrf, created_at, last_seen FROM sessions WHERE id_hash = $1")
                        .bind(id_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(id_hash, user, csrf, created_at, last_seen)| SessionRecord { id_hash, user, csrf, created_at, last_seen }))
            }

            async fn session_user(&self, id_hash: &str) -> Result<Option<(UserRecord, SessionRecord)>> {
                use sqlx::Row;
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {U_COLS}, s.id_hash, s.csrf, s.created_at AS s_created_at, s.last_seen
                     FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.id_hash = $1"
                )))
                .bind(id_hash)
                .fetch_optional(&self.pool)
                .await?;
                let Some(r) = row else { return Ok(None) };
                let u = user_from_row!(r);
                let s = SessionRecord {
                    id_hash: r.try_get("id_hash")?,
                    user: u.name.clone(),
                    csrf: r.try_get("csrf")?,
                    created_at: r.try_get("s_created_at")?,
                    last_seen: r.try_get("last_seen")?,
                };
                Ok(Some((u, s)))
            }

            async fn touch_session(&self, id_hash: &str, last_seen: &str) -> Result<()> {
                let mut tx = begin_any!(self);
                sqlx::query("UPDATE sessions SET last_seen = $2 WHERE id_hash = $1").bind(id_hash).bind(last_seen).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_session(&self, id_hash: &str) -> Result<()> {
                end_sessions!(self, "s.id_hash = $1", id_hash)
            }

            async fn delete_sessions_of(&self, user: &str) -> Result<()> {
                end_sessions!(self, "s.user_name = $1", user)
            }

            async fn zone_sessions(&self, zone: &str) -> Result<Vec<SessionRecord>> {
                let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
                    "SELECT s.id_hash, s.user_name, s.csrf, s.created_at, s.last_seen FROM sessions s JOIN users u ON u.name = s.user_name
                     WHERE u.zone_code = $1 ORDER BY s.id_hash",
                )
                .bind(zone)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(id_hash, user, csrf, created_at, last_seen)| SessionRecord { id_hash, user, csrf, created_at, last_seen }).collect())
            }

            async fn create_token(&self, user: &UserRecord, token_hash: &str, actor: &str) -> Result<i64> {
                let mut tx = begin_write!(self, &user.zone);
                let created_at = crate::trail::now();
                let (id,): (i64,) = sqlx::query_as("INSERT INTO api_tokens (user_name, token_hash, created_at) VALUES ($1, $2, $3) RETURNING id")
                    .bind(&user.name)
                    .bind(token_hash)
                    .bind(&created_at)
                    .fetch_one(&mut *tx)
                    .await?;
                let rec = TokenRecord { id, user: user.name.clone(), token_hash: token_hash.into(), created_at, revoked_at: String::new() };
                append_event!(tx, event(&user.zone, actor, "token.created", "api_token", &id.to_string(), "", &rec.state_json(), ""));
                tx.commit().await?;
                Ok(id)
            }

            async fn zone_tokens(&self, zone: &str) -> Result<Vec<TokenRecord>> {
                let rows: Vec<(i64, String, String, String, Option<String>)> = sqlx::query_as(
                    "SELECT t.id, t.user_name, t.token_hash, t.created_at, t.revoked_at FROM api_tokens t JOIN users u ON u.name = t.user_name
                     WHERE u.zone_code = $1 ORDER BY t.id",
                )
                .bind(zone)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, user, token_hash, created_at, revoked_at)| TokenRecord {
                        id,
                        user,
                        token_hash,
                        created_at,
                        revoked_at: revoked_at.unwrap_or_default(),
                    })
                    .collect())
            }

            async fn token(&self, token_hash: &str) -> Result<Option<TokenRecord>> {
                let row: Option<(i64, String, String, String)> =
                    sqlx::query_as("SELECT id, user_name, token_hash, created_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(id, user, token_hash, created_at)| TokenRecord { id, user, token_hash, created_at, revoked_at: String::new() }))
            }

            async fn token_user(&self, token_hash: &str) -> Result<Option<UserRecord>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {U_COLS} FROM api_tokens t JOIN users u ON u.name = t.user_name WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
                )))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(match row {
                    Some(r) => Some(user_from_row!(r)),
                    None => None,
                })
            }

            async fn tokens_of(&self, user: &str) -> Result<Vec<TokenRecord>> {
                let rows: Vec<(i64, String, String, String, Option<String>)> =
                    sqlx::query_as("SELECT id, user_name, token_hash, created_at, revoked_at FROM api_tokens WHERE user_name = $1 ORDER BY id")
                        .bind(user)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, user, token_hash, created_at, revoked_at)| TokenRecord {
                        id,
                        user,
                        token_hash,
                        created_at,
                        revoked_at: revoked_at.unwrap_or_default(),
                    })
                    .collect())
            }

            async fn revoke_tokens(&self, user: &UserRecord, id: Option<i64>, actor: &str) -> Result<u64> {
                let mut tx = begin_write!(self, &user.zone);
                let ids: Vec<(i64, String, String)> =
                    sqlx::query_as("SELECT id, token_hash, created_at FROM api_tokens WHERE user_name = $1 AND revoked_at IS NULL AND ($2 < 0 OR id = $2)")
                        .bind(&user.name)
                        .bind(id.unwrap_or(-1))
                        .fetch_all(&mut *tx)
                        .await?;
                for (tid, token_hash, created_at) in &ids {
                    let before = TokenRecord {
                        id: *tid,
                        user: user.name.clone(),
                        token_hash: token_hash.clone(),
                        created_at: created_at.clone(),
                        revoked_at: String::new(),
                    };
                    let after = TokenRecord { revoked_at: crate::trail::now(), ..before.clone() };
                    sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1").bind(tid).bind(&after.revoked_at).execute(&mut *tx).await?;
                    append_event!(tx, event(&user.zone, actor, "token.revoked", "api_token", &tid.to_string(), &before.state_json(), &after.state_json(), ""));
                }
                tx.commit().await?;
                Ok(ids.len() as u64)
            }
        }
    };
}

accounts_impl!(SqliteStore);
accounts_impl!(PgStore);
