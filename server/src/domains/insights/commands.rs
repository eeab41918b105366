//! The insights actor's commands, run one at a time per tenant: take a
//! snapshot, set a viewer's dashboard filter, change the settings (sharing
//! with partners, the time zone), and the experiment commands (in
//! [`super::experiments`]). Each answers after Postgres committed.

use super::experiments::ExperimentView;
use super::experiments::{self, NewExperimentInput};
use super::kpis::{self, Filter};
use super::rules::Move;
use super::{clock, sees_program, Insights};
use crate::bus::Projection;
use crate::domains::{answer, Changed};
use crate::error::store_error;
use crate::registry::Actor;
use crate::store::{AssignmentRow, ExperimentRow, SnapshotRow};
use arena_protocol::{ErrorBody, ErrorCode};
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::oneshot;

/// Reply channel of a command.
pub type Reply<T> = oneshot::Sender<Result<T, ErrorBody>>;

/// The tenant's insights settings.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SettingsView {
    /// Do partners see program-level figures (default false)?
    pub share_with_partners: bool,
    /// The IANA time zone whose midnight ends a snapshot day.
    pub timezone: String,
}

/// What the insights actor is asked to do.
#[derive(Debug)]
pub enum Command {
    /// Compute and store the snapshot of a tenant-local `day` (default:
    /// today so far). `by: None` is the scheduler, which passes its clock's
    /// `now`; otherwise staff (`forbidden` for anyone else).
    Snapshot {
        by: Option<Actor>,
        day: Option<time::Date>,
        now: Option<OffsetDateTime>,
        reply: Reply<SnapshotRow>,
    },
    /// Set the viewer's dashboard filter (only their projection changes).
    SetFilter {
        by: Actor,
        filter: Filter,
        reply: Reply<Filter>,
    },
    /// Change the settings (staff); each part only when given.
    Settings {
        by: Actor,
        share_with_partners: Option<bool>,
        timezone: Option<String>,
        reply: Reply<SettingsView>,
    },
    /// Create a draft experiment (staff).
    Create {
        by: Actor,
        experiment: NewExperimentInput,
        reply: Reply<ExperimentView>,
    },
    /// Start, stop or conclude (with a winner) an experiment (staff).
    Move {
        by: Actor,
        id: i64,
        action: Move,
        winner: Option<String>,
        reply: Reply<ExperimentView>,
    },
    /// A partner joins a running experiment (opt-in) or learns their
    /// variant (automatic): the assignment, stored on first exposure.
    Join {
        by: Actor,
        id: i64,
        reply: Reply<AssignmentRow>,
    },
}

fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

/// Is `by` staff (or a scoped bot)? `forbidden` otherwise.
pub(super) fn staff_only(by: &Actor, what: &str) -> Result<(), ErrorBody> {
    if sees_program(by) {
        Ok(())
    } else {
        Err(err(ErrorCode::Forbidden, format!("only staff {what}")))
    }
}

/// Runs one command and says which projections changed.
pub(super) async fn run(s: &mut Insights, command: Command) -> Changed {
    match command {
        Command::Snapshot {
            by,
            day,
            now,
            reply,
        } => {
            let r = snapshot(s, by.as_ref(), day, now).await;
            answer(reply, r, Changed::All)
        }
        Command::SetFilter { by, filter, reply } => {
            let p = Projection::Partner(by.user_id);
            let same = s.filters.get(&by.user_id) == Some(&filter);
            s.remember_filter(by.user_id, filter.clone());
            let changed = if same {
                Changed::Nothing
            } else {
                Changed::Only(vec![p])
            };
            answer(reply, Ok(filter), changed)
        }
        Command::Settings {
            by,
            share_with_partners,
            timezone,
            reply,
        } => {
            let reading = share_with_partners.is_none() && timezone.is_none();
            let r = settings(s, &by, share_with_partners, timezone).await;
            answer(
                reply,
                r,
                if reading {
                    Changed::Nothing
                } else {
                    Changed::All
                },
            )
        }
        Command::Create {
            by,
            experiment,
            reply,
        } => {
            let r = experiments::create(s, &by, experiment).await;
            let r = with_view(s, r).await;
            answer(reply, r, Changed::All)
        }
        Command::Move {
            by,
            id,
            action,
            winner,
            reply,
        } => {
            let r = experiments::move_experiment(s, &by, id, action, winner).await;
            let r = with_view(s, r).await;
            answer(reply, r, Changed::All)
        }
        Command::Join { by, id, reply } => {
            let r = experiments::join(s, &by, id).await;
            let changed = match &r {
                Ok((_, true)) => {
                    Changed::Only(vec![Projection::Partner(by.user_id), Projection::Program])
                }
                _ => Changed::Nothing,
            };
            let _ = reply.send(r.map(|(a, _)| a));
            changed
        }
    }
}

async fn with_view(
    s: &Insights,
    r: Result<ExperimentRow, ErrorBody>,
) -> Result<ExperimentView, ErrorBody> {
    let row = r?;
    experiments::view(&s.store, s.tenant_id, &row)
        .await
        .map_err(store_error)
}

/// The tenant's time zone (UTC if unreadable).
pub(super) async fn zone(s: &Insights) -> Result<(String, jiff::tz::TimeZone), ErrorBody> {
    let name = s
        .store
        .fetch_timezone(s.tenant_id)
        .await
        .map_err(store_error)?;
    let tz = clock::zone_or_utc(&name);
    Ok((name, tz))
}

async fn snapshot(
    s: &Insights,
    by: Option<&Actor>,
    day: Option<time::Date>,
    now: Option<OffsetDateTime>,
) -> Result<SnapshotRow, ErrorBody> {
    if let Some(by) = by {
        staff_only(by, "take snapshots")?;
    }
    let now = now.unwrap_or_else(OffsetDateTime::now_utc);
    let (_, tz) = zone(s).await?;
    let today = clock::local_day(now, &tz);
    let day = day.unwrap_or(today);
    if day > today {
        return Err(err(
            ErrorCode::BadRequest,
            format!("{day} has not begun yet (today is {today})"),
        ));
    }
    let (from, to) = clock::day_bounds(day, &tz);
    let (program, shared) = kpis::snapshot_pair(&s.store, &s.ctx.registry, s.tenant_id, from, to)
        .await
        .map_err(store_error)?;
    s.store
        .upsert_snapshot(
            s.tenant_id,
            day,
            &program,
            &shared,
            now,
            by.map(|b| b.user_id),
        )
        .await
        .map_err(store_error)
}

async fn settings(
    s: &Insights,
    by: &Actor,
    share: Option<bool>,
    timezone: Option<String>,
) -> Result<SettingsView, ErrorBody> {
    staff_only(by, "change insights settings")?;
    if let Some(name) = &timezone {
        clock::zone(name).map_err(|m| err(ErrorCode::BadRequest, m))?;
        s.store
            .update_timezone(s.tenant_id, name.trim())
            .await
            .map_err(store_error)?;
    }
    if let Some(share) = share {
        s.store
            .update_share_with_partners(s.tenant_id, share, by.user_id)
            .await
            .map_err(store_error)?;
    }
    read_settings(s).await
}

/// The current settings.
pub(super) async fn read_settings(s: &Insights) -> Result<SettingsView, ErrorBody> {
    let share = s
        .store
        .fetch_share_with_partners(s.tenant_id)
        .await
        .map_err(store_error)?;
    let (timezone, _) = zone(s).await?;
    Ok(SettingsView {
        share_with_partners: share,
        timezone,
    })
}
