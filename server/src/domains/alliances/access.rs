//! Who sees and changes what (issue 15 "Who sees what"): staff and admins
//! see every alliance; admins change all of them and a staff member the
//! alliances they own (another owner's answers `forbidden`); a partner sees
//! only the alliance they belong to (any other answers `not_found`, as if
//! absent) and changes nothing of it but their own tasks; bots have no
//! access. Another tenant's records never load (every query is scoped to
//! the caller's tenant, and row-level security backs it).

use super::Alliances;
use crate::bus::Projection;
use crate::domains::Changed;
use crate::error::store_error;
use crate::registry::Actor;
use crate::store::{AllianceRow, NewAllianceActivity};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};

pub(super) fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

/// Staff or an admin acting as themselves (not a bot token).
pub fn is_staff(by: &Actor) -> bool {
    by.role.is_staff() && by.bot.is_none()
}

/// A partner acting as themselves.
pub fn is_partner(by: &Actor) -> bool {
    by.role == Role::Partner && by.bot.is_none()
}

/// Partners and staff use the domain; bots and guests do not.
pub(super) fn member_only(by: &Actor) -> Result<(), ErrorBody> {
    if is_staff(by) || is_partner(by) {
        Ok(())
    } else {
        Err(err(ErrorCode::Forbidden, "partners and staff only"))
    }
}

pub(super) fn staff_only(by: &Actor) -> Result<(), ErrorBody> {
    if is_staff(by) {
        Ok(())
    } else {
        Err(err(ErrorCode::Forbidden, "staff only"))
    }
}

/// Does `by` see alliance `a`? Staff all; a partner the one they belong to.
pub fn sees(by: &Actor, a: &AllianceRow) -> bool {
    is_staff(by) || (is_partner(by) && a.members.contains(&by.user_id.0))
}

/// May `by` change alliance `a` (fields, status, contacts, opportunities,
/// documents, any task)? Admins all; staff their own.
pub fn edits(by: &Actor, a: &AllianceRow) -> bool {
    is_staff(by) && (by.role == Role::Admin || a.owner_id == by.user_id)
}

/// The alliance `id` if `by` sees it; `not_found` otherwise.
pub(super) async fn visible(al: &Alliances, by: &Actor, id: i64) -> Result<AllianceRow, ErrorBody> {
    member_only(by)?;
    match al
        .store()
        .fetch_alliance(al.tenant_id, id)
        .await
        .map_err(store_error)?
    {
        Some(a) if sees(by, &a) => Ok(a),
        _ => Err(err(ErrorCode::NotFound, format!("no alliance {id}"))),
    }
}

/// The alliance `id` if `by` may change it: `not_found` when they do not
/// see it, `forbidden` when they see but may not change it.
pub(super) async fn editable(
    al: &Alliances,
    by: &Actor,
    id: i64,
) -> Result<AllianceRow, ErrorBody> {
    let a = visible(al, by, id).await?;
    check_edit(by, &a)?;
    Ok(a)
}

/// `forbidden` unless `by` may change `a`.
pub(super) fn check_edit(by: &Actor, a: &AllianceRow) -> Result<(), ErrorBody> {
    if edits(by, a) {
        Ok(())
    } else if is_staff(by) {
        Err(err(
            ErrorCode::Forbidden,
            format!(
                "{} is owned by another staff member; only they or an admin change it",
                a.name
            ),
        ))
    } else {
        Err(err(
            ErrorCode::Forbidden,
            "partners change only their own tasks",
        ))
    }
}

/// The projections a change of alliances touches: staff's, and each
/// member's (before and after the change).
pub(super) fn touched<'a>(alliances: impl IntoIterator<Item = &'a AllianceRow>) -> Changed {
    let mut ps = vec![Projection::Program];
    for a in alliances {
        for m in &a.members {
            let p = Projection::Partner(crate::ids::UserId(*m));
            if !ps.contains(&p) {
                ps.push(p);
            }
        }
    }
    Changed::Only(ps)
}

/// A `system` timeline entry of alliance `alliance_id` by `by`.
pub(super) fn entry(
    al: &Alliances,
    alliance_id: i64,
    by: &Actor,
    verb: &'static str,
    summary: String,
    data: serde_json::Value,
) -> NewAllianceActivity {
    NewAllianceActivity {
        id: al.next_id(),
        alliance_id,
        actor: Some(by.user_id),
        kind: "system",
        verb,
        summary,
        data,
    }
}
