//! The alliance actor's commands (from REST and `panel.action`), each
//! answered through its reply after Postgres committed, and which
//! projections each change touches (staff's and the alliance's members').

use super::access::touched;
use super::opportunities::{self, OpportunityInput, OPPORTUNITY_LIMIT};
use super::views::{
    ActivityView, AllianceView, BulkRow, ContactView, DocumentView, ImportReport, OpportunityView,
    TaskView,
};
use super::work::{self, ContactInput, DocumentInput, LogInput, TaskInput, TaskPatch, LIST_LIMIT};
use super::{access, import, input::AllianceInput, records, Alliances};
use crate::bus::Projection;
use crate::domains::Changed;
use crate::error::store_error;
use crate::registry::Actor;
use crate::store::AllianceFilter;
use arena_protocol::ErrorBody;
use tokio::sync::oneshot;

/// Reply channel of a command.
pub type Reply<T> = oneshot::Sender<Result<T, ErrorBody>>;

/// One alliance with what its page shows.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AllianceDetail {
    pub alliance: AllianceView,
    pub contacts: Vec<ContactView>,
    pub opportunities: Vec<OpportunityView>,
    pub tasks: Vec<TaskView>,
    pub documents: Vec<DocumentView>,
}

/// What the alliance actor is asked to do.
#[derive(Debug)]
pub enum Command {
    List {
        by: Actor,
        filter: AllianceFilter,
        reply: Reply<Vec<AllianceView>>,
    },
    Get {
        by: Actor,
        id: i64,
        reply: Reply<AllianceDetail>,
    },
    Create {
        by: Actor,
        input: AllianceInput,
        reply: Reply<AllianceView>,
    },
    Update {
        by: Actor,
        id: i64,
        input: AllianceInput,
        reply: Reply<AllianceView>,
    },
    SetStatus {
        by: Actor,
        id: i64,
        status: String,
        reason: String,
        reply: Reply<AllianceView>,
    },
    BulkStatus {
        by: Actor,
        ids: Vec<String>,
        status: String,
        reason: String,
        reply: Reply<Vec<BulkRow>>,
    },
    AddContact {
        by: Actor,
        id: i64,
        input: ContactInput,
        reply: Reply<ContactView>,
    },
    CreateOpportunity {
        by: Actor,
        id: i64,
        input: OpportunityInput,
        reply: Reply<OpportunityView>,
    },
    MoveOpportunity {
        by: Actor,
        id: i64,
        to: String,
        reply: Reply<OpportunityView>,
    },
    Activities {
        by: Actor,
        id: i64,
        before: Option<i64>,
        limit: Option<i64>,
        reply: Reply<Vec<ActivityView>>,
    },
    Log {
        by: Actor,
        id: i64,
        input: LogInput,
        reply: Reply<ActivityView>,
    },
    AddTask {
        by: Actor,
        id: i64,
        input: TaskInput,
        reply: Reply<TaskView>,
    },
    UpdateTask {
        by: Actor,
        id: i64,
        patch: TaskPatch,
        reply: Reply<TaskView>,
    },
    AddDocument {
        by: Actor,
        id: i64,
        input: DocumentInput,
        reply: Reply<DocumentView>,
    },
    /// Opens, pages or closes the alliance page in `by`'s own directory
    /// ([`super::page`]); answers `{open, before}`.
    Select {
        by: Actor,
        op: super::page::PageOp,
        reply: Reply<serde_json::Value>,
    },
    /// Imports a CSV file (its bytes); its report is kept in Postgres and
    /// shown to staff in the directory.
    Import {
        by: Actor,
        csv: Vec<u8>,
        reply: Reply<ImportReport>,
    },
}

/// One alliance with its records, as `by` may see them.
async fn detail(al: &Alliances, by: &Actor, id: i64) -> Result<AllianceDetail, ErrorBody> {
    let a = access::visible(al, by, id).await?;
    let s = al.store();
    let t = al.tenant_id;
    let contacts = s
        .fetch_alliance_contacts(t, Some(id), LIST_LIMIT)
        .await
        .map_err(store_error)?;
    let opps = s
        .fetch_alliance_opportunities(t, Some(id), OPPORTUNITY_LIMIT)
        .await
        .map_err(store_error)?;
    let tasks = s
        .fetch_alliance_tasks(t, Some(id), LIST_LIMIT)
        .await
        .map_err(store_error)?;
    let docs = s
        .fetch_alliance_documents(t, Some(id), LIST_LIMIT)
        .await
        .map_err(store_error)?;
    Ok(AllianceDetail {
        alliance: (&a).into(),
        contacts: contacts.iter().map(ContactView::from).collect(),
        opportunities: opps.iter().map(OpportunityView::from).collect(),
        tasks: tasks.iter().map(TaskView::from).collect(),
        documents: docs.iter().map(DocumentView::from).collect(),
    })
}

/// Answers `r` (its view) and says which projections its alliance touches.
fn reply_with<T, V>(
    r: Result<(crate::store::AllianceRow, T), ErrorBody>,
    reply: Reply<V>,
    view: fn(&T) -> V,
) -> Changed {
    match r {
        Ok((a, t)) => {
            let changed = touched([&a]);
            let _ = reply.send(Ok(view(&t)));
            changed
        }
        Err(e) => {
            let _ = reply.send(Err(e));
            Changed::Nothing
        }
    }
}

/// Runs one command and says which projections changed.
pub(super) async fn run(al: &mut Alliances, command: Command) -> Changed {
    match command {
        Command::List { by, filter, reply } => {
            let r = records::list(al, &by, filter)
                .await
                .map(|v| v.iter().map(AllianceView::from).collect());
            let _ = reply.send(r);
            Changed::Nothing
        }
        Command::Get { by, id, reply } => {
            let _ = reply.send(detail(al, &by, id).await);
            Changed::Nothing
        }
        Command::Create { by, input, reply } => {
            let r = records::create(al, &by, input)
                .await
                .map(|a| (a.clone(), a));
            reply_with(r, reply, |t| AllianceView::from(t))
        }
        Command::Update {
            by,
            id,
            input,
            reply,
        } => match records::update(al, &by, id, input).await {
            Ok((before, after)) => {
                let changed = touched([&before, &after]);
                let _ = reply.send(Ok((&after).into()));
                changed
            }
            Err(e) => {
                let _ = reply.send(Err(e));
                Changed::Nothing
            }
        },
        Command::SetStatus {
            by,
            id,
            status,
            reason,
            reply,
        } => {
            let r = records::set_status(al, &by, id, &status, &reason)
                .await
                .map(|a| (a.clone(), a));
            reply_with(r, reply, |t| AllianceView::from(t))
        }
        Command::BulkStatus {
            by,
            ids,
            status,
            reason,
            reply,
        } => {
            let r = records::bulk_status(al, &by, &ids, &status, &reason).await;
            match r {
                Ok((rows, moved)) => {
                    let changed = if moved.is_empty() {
                        Changed::Nothing
                    } else {
                        touched(moved.iter())
                    };
                    let _ = reply.send(Ok(rows));
                    changed
                }
                Err(e) => {
                    let _ = reply.send(Err(e));
                    Changed::Nothing
                }
            }
        }
        Command::AddContact {
            by,
            id,
            input,
            reply,
        } => {
            let r = work::add_contact(al, &by, id, input).await;
            reply_with(r, reply, |t| ContactView::from(t))
        }
        Command::CreateOpportunity {
            by,
            id,
            input,
            reply,
        } => {
            let r = opportunities::create(al, &by, id, input).await;
            reply_with(r, reply, |t| OpportunityView::from(t))
        }
        Command::MoveOpportunity { by, id, to, reply } => {
            let r = opportunities::move_to(al, &by, id, &to).await;
            reply_with(r, reply, |t| OpportunityView::from(t))
        }
        Command::Activities {
            by,
            id,
            before,
            limit,
            reply,
        } => {
            let r = work::activities(al, &by, id, before, limit)
                .await
                .map(|v| v.iter().map(ActivityView::from).collect());
            let _ = reply.send(r);
            Changed::Nothing
        }
        Command::Log {
            by,
            id,
            input,
            reply,
        } => {
            let r = work::log(al, &by, id, input).await;
            reply_with(r, reply, |t| ActivityView::from(t))
        }
        Command::AddTask {
            by,
            id,
            input,
            reply,
        } => {
            let r = work::add_task(al, &by, id, input).await;
            reply_with(r, reply, |t| TaskView::from(t))
        }
        Command::UpdateTask {
            by,
            id,
            patch,
            reply,
        } => {
            let r = work::update_task(al, &by, id, patch).await;
            reply_with(r, reply, |t| TaskView::from(t))
        }
        Command::AddDocument {
            by,
            id,
            input,
            reply,
        } => {
            let r = work::add_document(al, &by, id, input).await;
            reply_with(r, reply, |t| DocumentView::from(t))
        }
        Command::Select { by, op, reply } => {
            let r = super::page::select(al, &by, op).await;
            let changed = if r.is_ok() {
                Changed::Only(vec![Projection::Partner(by.user_id)])
            } else {
                Changed::Nothing
            };
            let _ = reply.send(r);
            changed
        }
        Command::Import { by, csv, reply } => {
            let r = import::run(al, &by, &csv).await;
            let changed = match &r {
                Ok(report) => {
                    save_report(al, &by, report).await;
                    if report.applied {
                        imported(al).await
                    } else {
                        Changed::Only(vec![Projection::Program])
                    }
                }
                Err(_) => Changed::Nothing,
            };
            let _ = reply.send(r);
            changed
        }
    }
}

/// What an applied import changed: the program's view and every partner's
/// own (any alliance may have been updated), named one by one so that every
/// node's viewers follow, not only the panels built on this node (the
/// staff directories are added by `Alliances::command`). Imports are rare
/// staff actions; if the member list is unreadable, every panel built here.
async fn imported(al: &Alliances) -> Changed {
    match al.store().fetch_members(al.tenant_id).await {
        Ok(members) => {
            let mut ps = vec![Projection::Program];
            ps.extend(
                members
                    .into_iter()
                    .filter(|u| u.role == "partner")
                    .map(|u| Projection::Partner(u.id)),
            );
            Changed::Only(ps)
        }
        Err(e) => {
            tracing::warn!(error = %e, "member list unreadable after an import; rebuilding the panels built here");
            Changed::All
        }
    }
}

/// Keeps `report` as the tenant's last import (`alliance_imports`). The
/// import itself is committed (or refused) already, so a failure here is
/// logged and the directory keeps showing the previous report.
async fn save_report(al: &Alliances, by: &Actor, report: &ImportReport) {
    let saved = match serde_json::to_value(report) {
        Ok(v) => al
            .store()
            .save_alliance_import(al.tenant_id, by.user_id, &v)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = saved {
        tracing::error!(error = %e, tenant = %al.tenant_id, "alliance import report not saved");
    }
}
