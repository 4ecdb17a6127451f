//! Accounts managed in the browser by an administrator or the task force: the zone's users
//! listed, a user added (in an org unit of the plan, with a temporary password that must be
//! changed at the first sign-in), a role changed, an account disabled and enabled again, a
//! password reset (a new temporary one), a lock-out lifted. Every change is one write of the
//! user as it stands then (`AccountStore::change_user`), on the audit trail with who made it.
//!
//! Who manages whom: an administrator every user of its zone; the task force every user of its
//! zone but the administrators (it may not make one either). Nobody disables, or changes the
//! role of, their own account.

use ecociv_core::access::{Actor, Role};
use ecociv_core::record::UserRecord;

use crate::App;
use crate::accounts::{NewUser, add_user, new_user_in, random_token};
use crate::error::AppError;

/// Whether `actor` manages the accounts of its zone at all.
pub fn manages_accounts(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::TaskForce)
}

/// Whether `actor` may change `user` (or make a user with `role`).
fn may_manage(actor: &Actor, zone: &str, role: Role) -> bool {
    actor.zone == zone
        && match actor.role {
            Role::Admin => true,
            Role::TaskForce => role != Role::Admin,
            _ => false,
        }
}

/// The users of the actor's zone, by name.
pub async fn list(st: &App, actor: &Actor) -> Result<Vec<UserRecord>, AppError> {
    if !manages_accounts(actor) {
        return Err(AppError::forbidden());
    }
    Ok(st.store.users(&actor.zone).await?)
}

/// A temporary password: strong, random, shown once to whoever set it.
fn temporary_password() -> String {
    // 16 hex digits in four groups, with a capital and a symbol for the character rules
    let r = random_token();
    format!("Tmp-{}-{}-{}-{}", &r[0..4], &r[4..8], &r[8..12], &r[12..16])
}

/// Adds a user to the actor's zone in an org unit of the plan; returns the user and the
/// temporary password, which must be changed at the first sign-in.
pub async fn add(st: &App, actor: &Actor, name: &str, org: &str, role: Role) -> Result<(UserRecord, String), AppError> {
    if !may_manage(actor, &actor.zone, role) {
        return Err(AppError::forbidden());
    }
    let checked = new_user_in(st, Some(&actor.zone), name.trim(), org, role).await?;
    let checked = NewUser { must_change_password: true, ..checked };
    let password = temporary_password();
    let user = add_user(st, &checked, password.clone(), &actor.name).await?;
    Ok((user, password))
}

/// The first task-force account of a zone an administrator just created under its own (see
/// `crate::zones::create_child`), with a temporary password to change at the first sign-in.
pub(crate) async fn add_first(st: &App, actor: &Actor, zone: &str, name: &str, org: &str) -> Result<(UserRecord, String), AppError> {
    let checked = NewUser { must_change_password: true, ..new_user_in(st, Some(zone), name.trim(), org, Role::TaskForce).await? };
    let password = temporary_password();
    let user = add_user(st, &checked, password.clone(), &actor.name).await?;
    Ok((user, password))
}

/// What a manager does to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Another role (the org unit stays; it must be of the kind the role needs).
    Role(Role),
    Disable,
    Enable,
    /// A new temporary password; the lock-out and the failures counted end.
    ResetPassword,
    Unlock,
}

/// Changes an account; returns the user after and, for a reset, the temporary password. A
/// disabled account or a reset password ends the user's sessions and API tokens.
pub async fn apply(st: &App, actor: &Actor, name: &str, what: &Change) -> Result<(UserRecord, Option<String>), AppError> {
    let user = st.store.user(name).await?.filter(|u| u.zone == actor.zone).ok_or_else(|| AppError::not_found("unknown_user").field("name", name))?;
    if !may_manage(actor, &user.zone, user.role) {
        return Err(AppError::forbidden());
    }
    let own = user.name == actor.name;
    let mut temporary = None;
    let after = match what {
        Change::Role(role) => {
            if own {
                return Err(AppError::bad_request("own_account").field("name", name));
            }
            if !may_manage(actor, &user.zone, *role) {
                return Err(AppError::forbidden());
            }
            // the org unit must be of the kind the new role needs
            crate::accounts::org_unit_for(&*st.plan(Some(&user.zone)).await?, &user.org_unit, *role)?;
            let role = *role;
            change(st, actor, name, "user.role_changed", move |u| UserRecord { role, ..u.clone() }).await?
        }
        Change::Disable => {
            if own {
                return Err(AppError::bad_request("own_account").field("name", name));
            }
            change(st, actor, name, "user.disabled", |u| UserRecord { disabled: true, ..u.clone() }).await?
        }
        Change::Enable => change(st, actor, name, "user.enabled", |u| UserRecord { disabled: false, ..u.clone() }).await?,
        Change::Unlock => change(st, actor, name, "user.unlocked", |u| UserRecord { failed_logins: 0, locked_until: String::new(), ..u.clone() }).await?,
        Change::ResetPassword => {
            let password = temporary_password();
            let hash = crate::accounts::hash_password(password.clone()).await?;
            temporary = Some(password);
            change(st, actor, name, "user.password_reset", move |u| UserRecord {
                password_hash: hash.clone(),
                must_change_password: true,
                failed_logins: 0,
                locked_until: String::new(),
                ..u.clone()
            })
            .await?
        }
    };
    if matches!(what, Change::Disable | Change::ResetPassword) {
        st.store.delete_sessions_of(name).await?;
        st.store.revoke_tokens(&after, None, &actor.name).await?;
    }
    Ok((after, temporary))
}

/// One write of the user as it stands: `f` gives the user after from the user before.
async fn change(
    st: &App,
    actor: &Actor,
    name: &str,
    action: &'static str,
    f: impl Fn(&UserRecord) -> UserRecord + Send + Sync + 'static,
) -> Result<UserRecord, AppError> {
    let step = move |u: &UserRecord| -> (UserRecord, &'static str) { (f(u), action) };
    let (_, after) = st.store.change_user(name, &actor.name, &step).await?.ok_or_else(|| AppError::not_found("unknown_user").field("name", name))?;
    Ok(after)
}
