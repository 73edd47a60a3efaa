//! `/api/admin/users`: accounts as an administrator sees them. Listing, disabling and
//! enabling need the `admin` role; changing roles needs `super_admin`. Nobody acts on their
//! own account here, and an admin acts only on accounts of a lower role.

use crate::{
    db::{sessions, users},
    error::{ApiError, ApiResult},
    extract::{ApiJson, AuthUser},
    state::AppState,
};
use axum::{
    Json,
    extract::{Path, State},
};
use console_api::{AdminUser, Data, Identifier, Role, RoleRequest, UserId};

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<Json<Data<Vec<AdminUser>>>> {
    auth.require(Role::Admin)?;
    let all = users::all(&state.db.pool).await?;
    Ok(Json(Data {
        data: all.iter().map(users::User::admin_view).collect(),
    }))
}

pub async fn disable(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(name): Path<String>,
) -> ApiResult<Json<Data<AdminUser>>> {
    switch(&state, &auth, &name, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(name): Path<String>,
) -> ApiResult<Json<Data<AdminUser>>> {
    switch(&state, &auth, &name, false).await
}

/// Disables an account — its sessions end at once, its keys stop — or enables it again.
async fn switch(
    state: &AppState,
    auth: &AuthUser,
    name: &str,
    disable: bool,
) -> ApiResult<Json<Data<AdminUser>>> {
    let target = target(state, auth, Role::Admin, name).await?;
    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    users::set_disabled(&mut *tx, &target.id, disable.then_some(now), now).await?;
    if disable {
        sessions::revoke_all(&mut *tx, &target.id, now).await?;
    }
    tx.commit().await?;
    state.sessions.forget_user(&target.id);
    tracing::info!(admin = %auth.user.id, user = %target.id, disabled = disable, "account switched");
    reloaded(state, &target.id).await
}

pub async fn set_role(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(name): Path<String>,
    ApiJson(req): ApiJson<RoleRequest>,
) -> ApiResult<Json<Data<AdminUser>>> {
    // Granting a role needs a signed-in person, never a script's key.
    auth.session()?;
    let target = target(&state, &auth, Role::SuperAdmin, &name).await?;
    users::set_role(&state.db.pool, &target.id, req.role, state.clock.now()).await?;
    state.sessions.forget_user(&target.id);
    tracing::info!(admin = %auth.user.id, user = %target.id, role = %req.role, "role changed");
    reloaded(&state, &target.id).await
}

/// The account named by username or email, if `auth` holds `needed` and may act on it.
async fn target(
    state: &AppState,
    auth: &AuthUser,
    needed: Role,
    name: &str,
) -> ApiResult<users::User> {
    auth.require(needed)?;
    let name = name.trim().to_lowercase();
    let found = users::by_login(&state.db.pool, &Identifier::parse(&name)).await?;
    let target = found.ok_or(ApiError::NotFound)?;
    if target.id == auth.user.id {
        return Err(ApiError::PermissionDenied(
            "You cannot change your own account here".into(),
        ));
    }
    let actor = auth.user.role;
    if actor != Role::SuperAdmin && target.role >= actor {
        return Err(ApiError::PermissionDenied(format!(
            "Only a super_admin can change an account with the {} role",
            target.role
        )));
    }
    Ok(target)
}

async fn reloaded(state: &AppState, id: &UserId) -> ApiResult<Json<Data<AdminUser>>> {
    let user = users::by_id(&state.db.pool, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(Data {
        data: user.admin_view(),
    }))
}
