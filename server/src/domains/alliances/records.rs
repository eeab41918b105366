//! Alliances themselves: the directory read, create, edit, the status move
//! (with its notice when an alliance goes active) and the bulk status
//! change, each checked against [`super::access`] and [`super::status`].

use super::access::{
    check_edit, editable, entry, err, is_partner, member_only, staff_only, visible,
};
use super::input::{self, AllianceInput, MAX_MEMBERS};
use super::status::Status;
use super::views::BulkRow;
use super::Alliances;
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{AllianceFields, AllianceFilter, AllianceRow, StoreError};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use serde_json::json;

/// Most alliances a directory read returns.
pub const DIRECTORY_LIMIT: i64 = 500;
/// Most rows of one bulk status change.
pub const MAX_BULK: usize = 200;

/// The alliances `by` sees matching `f` (a partner: only their own).
pub(super) async fn list(
    al: &Alliances,
    by: &Actor,
    mut f: AllianceFilter,
) -> Result<Vec<AllianceRow>, ErrorBody> {
    member_only(by)?;
    if let Some(s) = &f.status {
        if Status::parse(s).is_none() {
            return Err(input::bad(
                "status must be prospect, negotiation, active, paused or closed",
            ));
        }
    }
    if is_partner(by) {
        f.member = Some(by.user_id);
    }
    al.store()
        .fetch_alliances(al.tenant_id, &f, DIRECTORY_LIMIT)
        .await
        .map_err(store_error)
}

/// A member who must be staff (an owner) or a partner (a member).
async fn member_of_role(
    al: &Alliances,
    field: &str,
    id: UserId,
    partner: bool,
) -> Result<(), ErrorBody> {
    match al.store().fetch_user(al.tenant_id, id).await {
        Ok(u) if partner && u.role == Role::Partner.as_str() => Ok(()),
        Ok(u) if !partner && (u.role == Role::Staff.as_str() || u.role == Role::Admin.as_str()) => {
            Ok(())
        }
        Ok(_) | Err(StoreError::NotFound) => Err(input::bad(if partner {
            format!("{field} must name partners of this workspace")
        } else {
            format!("{field} must be a staff member or admin of this workspace")
        })),
        Err(e) => Err(store_error(e)),
    }
}

/// The validated member list of `i`, if given.
async fn members(al: &Alliances, i: &AllianceInput) -> Result<Option<Vec<UserId>>, ErrorBody> {
    let Some(ids) = &i.member_ids else {
        return Ok(None);
    };
    if ids.len() > MAX_MEMBERS {
        return Err(input::bad(format!(
            "member_ids may hold at most {MAX_MEMBERS}"
        )));
    }
    let mut out: Vec<UserId> = Vec::with_capacity(ids.len());
    for s in ids {
        let id = UserId(input::id("member_ids", s)?);
        member_of_role(al, "member_ids", id, true).await?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(Some(out))
}

/// `base` with the fields `i` gives, validated.
pub(super) async fn fields(
    al: &Alliances,
    base: AllianceFields,
    i: &AllianceInput,
) -> Result<AllianceFields, ErrorBody> {
    let owner_id = match &i.owner_id {
        Some(o) => {
            let id = UserId(input::id("owner_id", o)?);
            if id != base.owner_id {
                member_of_role(al, "owner_id", id, false).await?;
            }
            id
        }
        None => base.owner_id,
    };
    let pick = |v: &Option<String>, old: String| v.clone().unwrap_or(old);
    Ok(AllianceFields {
        name: input::name(&pick(&i.name, base.name))?,
        owner_id,
        tier: input::short("tier", &pick(&i.tier, base.tier), input::MAX_SHORT)?,
        region: input::short("region", &pick(&i.region, base.region), input::MAX_SHORT)?,
        industry: input::short(
            "industry",
            &pick(&i.industry, base.industry),
            input::MAX_SHORT,
        )?,
        website: input::url("website", &pick(&i.website, base.website), true)?,
        notes: input::notes("notes", &pick(&i.notes, base.notes))?,
    })
}

/// Maps a unique violation of an alliance write to its `conflict`.
pub(super) fn conflict(e: StoreError, name: &str) -> ErrorBody {
    match e {
        StoreError::Conflict(c) if c.contains("user_id") => err(
            ErrorCode::Conflict,
            "a partner in member_ids already belongs to another alliance",
        ),
        StoreError::Conflict(c) if c.contains("external") => {
            err(ErrorCode::Conflict, "another alliance has that external id")
        }
        StoreError::Conflict(_) => err(
            ErrorCode::Conflict,
            format!("another alliance is named {name:?}"),
        ),
        other => store_error(other),
    }
}

/// Creates an alliance in prospect (staff; the owner defaults to `by`).
pub(super) async fn create(
    al: &Alliances,
    by: &Actor,
    i: AllianceInput,
) -> Result<AllianceRow, ErrorBody> {
    staff_only(by)?;
    if i.name.is_none() {
        return Err(input::bad("name is required"));
    }
    let base = AllianceFields {
        name: String::new(),
        owner_id: by.user_id,
        tier: String::new(),
        region: String::new(),
        industry: String::new(),
        website: String::new(),
        notes: String::new(),
    };
    let f = fields(al, base, &i).await?;
    let members = members(al, &i).await?.unwrap_or_default();
    let id = al.next_id();
    let e = entry(
        al,
        id,
        by,
        "alliance.created",
        format!("Created {}", f.name),
        json!({"status": "prospect"}),
    );
    al.store()
        .insert_alliance(
            al.tenant_id,
            id,
            &f,
            Status::Prospect.as_str(),
            None,
            &members,
            by.user_id,
            &e,
        )
        .await
        .map_err(|e| conflict(e, &f.name))
}

/// Changes the given fields (admins, or the owning staff member).
pub(super) async fn update(
    al: &Alliances,
    by: &Actor,
    id: i64,
    i: AllianceInput,
) -> Result<(AllianceRow, AllianceRow), ErrorBody> {
    let before = editable(al, by, id).await?;
    let base = AllianceFields {
        name: before.name.clone(),
        owner_id: before.owner_id,
        tier: before.tier.clone(),
        region: before.region.clone(),
        industry: before.industry.clone(),
        website: before.website.clone(),
        notes: before.notes.clone(),
    };
    let f = fields(al, base.clone(), &i).await?;
    let members = members(al, &i).await?;
    let mut changed: Vec<&str> = Vec::new();
    for (name, a, b) in [
        ("name", &base.name, &f.name),
        ("tier", &base.tier, &f.tier),
        ("region", &base.region, &f.region),
        ("industry", &base.industry, &f.industry),
        ("website", &base.website, &f.website),
        ("notes", &base.notes, &f.notes),
    ] {
        if a != b {
            changed.push(name);
        }
    }
    if base.owner_id != f.owner_id {
        changed.push("owner");
    }
    if members.as_ref().is_some_and(|m| {
        let mut m: Vec<i64> = m.iter().map(|u| u.0).collect();
        m.sort_unstable();
        m != before.members
    }) {
        changed.push("members");
    }
    let summary = if changed.is_empty() {
        format!("Saved {} (no change)", f.name)
    } else {
        format!("Edited {}: {}", f.name, changed.join(", "))
    };
    let e = entry(
        al,
        id,
        by,
        "alliance.updated",
        summary,
        json!({"fields": changed}),
    );
    let after = al
        .store()
        .update_alliance(al.tenant_id, id, &f, members.as_deref(), &e)
        .await
        .map_err(|e| conflict(e, &f.name))?;
    Ok((before, after))
}

/// Moves alliance `id` to `to` with `reason`; `conflict` naming the current
/// status when the rules refuse it. Going active posts the notice.
pub(super) async fn set_status(
    al: &Alliances,
    by: &Actor,
    id: i64,
    to: &str,
    reason: &str,
) -> Result<AllianceRow, ErrorBody> {
    let to = Status::parse(to).ok_or_else(|| {
        input::bad("status must be prospect, negotiation, active, paused or closed")
    })?;
    let reason = input::notes("reason", reason)?;
    let a = visible(al, by, id).await?;
    check_edit(by, &a)?;
    let from = Status::parse(&a.status)
        .ok_or_else(|| err(ErrorCode::Internal, "unknown stored status"))?;
    from.move_to(to)
        .map_err(|e| err(ErrorCode::Conflict, e.to_string()))?;
    let mut summary = format!("{}: {} → {}", a.name, from.as_str(), to.as_str());
    if !reason.is_empty() {
        summary = format!("{summary} ({reason})");
    }
    let e = entry(
        al,
        id,
        by,
        "alliance.status_changed",
        summary,
        json!({"from": from.as_str(), "to": to.as_str(), "reason": reason}),
    );
    let moved = match al
        .store()
        .update_alliance_status(al.tenant_id, id, from.as_str(), to.as_str(), &reason, &e)
        .await
    {
        Ok(m) => m,
        Err(StoreError::Conflict(_)) => {
            let now = al
                .store()
                .fetch_alliance(al.tenant_id, id)
                .await
                .map_err(store_error)?;
            let status = now.map_or_else(|| "gone".to_owned(), |n| n.status);
            return Err(err(
                ErrorCode::Conflict,
                format!("the alliance is {status} now; it moved meanwhile"),
            ));
        }
        Err(e) => return Err(store_error(e)),
    };
    if to == Status::Active {
        super::notice::went_active(al, by, &moved).await;
    }
    Ok(moved)
}

/// Applies `to` to each of `ids` on its own (each checked like
/// [`set_status`]): one row's refusal leaves the others applied.
pub(super) async fn bulk_status(
    al: &Alliances,
    by: &Actor,
    ids: &[String],
    to: &str,
    reason: &str,
) -> Result<(Vec<BulkRow>, Vec<AllianceRow>), ErrorBody> {
    staff_only(by)?;
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(input::bad(format!(
            "ids must hold 1..{MAX_BULK} alliance ids"
        )));
    }
    if Status::parse(to).is_none() {
        return Err(input::bad(
            "status must be prospect, negotiation, active, paused or closed",
        ));
    }
    let mut rows = Vec::with_capacity(ids.len());
    let mut moved = Vec::new();
    for raw in ids {
        let r = match input::id("ids", raw) {
            Ok(id) => set_status(al, by, id, to, reason).await,
            Err(e) => Err(e),
        };
        rows.push(match r {
            Ok(a) => {
                let row = BulkRow {
                    id: raw.clone(),
                    ok: true,
                    alliance: Some((&a).into()),
                    error: None,
                };
                moved.push(a);
                row
            }
            Err(e) => BulkRow {
                id: raw.clone(),
                ok: false,
                alliance: None,
                error: Some(e),
            },
        });
    }
    Ok((rows, moved))
}
