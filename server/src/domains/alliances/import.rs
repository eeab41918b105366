//! CSV import of alliances and their contacts (issue 15), RFC 4180 with a
//! header row (crate `csv`). Columns, by header name (case-insensitive, any
//! order): `external_id` and `name` required; `status` (of a created
//! alliance; default prospect), `owner_email` (a staff member; default the
//! importer), `tier`, `region`, `industry`, `website`, `notes`,
//! `contact_name`, `contact_role`, `contact_email`, `contact_phone`
//! optional. An unknown column refuses the file.
//!
//! Every row is checked first; a row that fails (a bad field, an external id
//! twice in the file, an unknown owner) is reported as `rejected` with the
//! reason and nothing is applied. Otherwise all rows are applied in one
//! transaction, keyed by external id: importing the same file twice creates
//! once (the second run reports `unchanged`). A non-admin staff member may
//! update only the alliances they own.

use super::access::{is_staff, staff_only};
use super::input::{self, MAX_EXTERNAL_ID};
use super::status::Status;
use super::views::{ImportReport, ImportRowReport};
use super::work::{contact_fields, ContactInput};
use super::Alliances;
use crate::error::store_error;
use crate::registry::Actor;
use crate::store::{AllianceFields, ImportOutcome, ImportRow, StoreError};
use arena_protocol::model::Role;
use arena_protocol::ErrorBody;
use std::collections::{HashMap, HashSet};

/// Largest CSV file, bytes (docs/operations.md).
pub const MAX_IMPORT_BYTES: usize = 1024 * 1024;
/// Most data rows of one file.
pub const MAX_IMPORT_ROWS: usize = 1000;

const COLUMNS: [&str; 13] = [
    "external_id",
    "name",
    "status",
    "owner_email",
    "tier",
    "region",
    "industry",
    "website",
    "notes",
    "contact_name",
    "contact_role",
    "contact_email",
    "contact_phone",
];

/// One parsed row before it is applied: its line, external id, and either
/// the row or why it is rejected.
type Checked = (u64, String, Result<ImportRow, String>);

/// Parses and checks `bytes`; `bad_request` for a file that is not CSV at
/// all (no header, unknown or missing columns, too large).
pub(super) async fn parse(
    al: &Alliances,
    by: &Actor,
    bytes: &[u8],
) -> Result<Vec<Checked>, ErrorBody> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(input::bad(format!(
            "the file may be at most {MAX_IMPORT_BYTES} bytes"
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| input::bad(format!("the header row: {e}")))?
        .clone();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim_start_matches('\u{feff}').to_ascii_lowercase();
        let Some(known) = COLUMNS.iter().find(|c| **c == h) else {
            return Err(input::bad(format!(
                "unknown column {h:?}; columns are {}",
                COLUMNS.join(", ")
            )));
        };
        if at.insert(known, i).is_some() {
            return Err(input::bad(format!("column {h:?} appears twice")));
        }
    }
    for required in ["external_id", "name"] {
        if !at.contains_key(required) {
            return Err(input::bad(format!("the file needs a {required} column")));
        }
    }
    let members = al
        .store()
        .fetch_members(al.tenant_id)
        .await
        .map_err(store_error)?;
    let staff: HashMap<String, crate::ids::UserId> = members
        .iter()
        .filter(|u| u.role == Role::Staff.as_str() || u.role == Role::Admin.as_str())
        .map(|u| (u.email.to_ascii_lowercase(), u.id))
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (n, record) in reader.records().enumerate() {
        if n >= MAX_IMPORT_ROWS {
            return Err(input::bad(format!(
                "a file may hold at most {MAX_IMPORT_ROWS} rows"
            )));
        }
        let line = n as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.push((line, String::new(), Err(format!("not a CSV row: {e}"))));
                continue;
            }
        };
        let get = |c: &str| {
            at.get(c)
                .and_then(|i| record.get(*i))
                .unwrap_or("")
                .to_owned()
        };
        let external_id = get("external_id");
        let row = check_row(by, &get, &external_id, &staff, &mut seen);
        out.push((line, external_id, row));
    }
    if out.is_empty() {
        return Err(input::bad("the file has no rows"));
    }
    Ok(out)
}

fn check_row(
    by: &Actor,
    get: &dyn Fn(&str) -> String,
    external_id: &str,
    staff: &HashMap<String, crate::ids::UserId>,
    seen: &mut HashSet<String>,
) -> Result<ImportRow, String> {
    let m = |e: ErrorBody| e.message;
    let ext =
        crate::domains::clients::input::text("external_id", external_id, 1, MAX_EXTERNAL_ID, false)
            .map_err(m)?;
    if !seen.insert(ext.clone()) {
        return Err(format!(
            "external_id {ext:?} appears more than once in the file"
        ));
    }
    let status = match get("status").as_str() {
        "" => Status::Prospect,
        s => Status::parse(&s.to_ascii_lowercase()).ok_or_else(|| {
            "status must be prospect, negotiation, active, paused or closed".to_owned()
        })?,
    };
    let owner_id = match get("owner_email").to_ascii_lowercase().as_str() {
        "" => by.user_id,
        e => *staff
            .get(e)
            .ok_or_else(|| format!("owner_email {e:?} is not a staff member of this workspace"))?,
    };
    let fields = AllianceFields {
        name: input::name(&get("name")).map_err(m)?,
        owner_id,
        tier: input::short("tier", &get("tier"), input::MAX_SHORT).map_err(m)?,
        region: input::short("region", &get("region"), input::MAX_SHORT).map_err(m)?,
        industry: input::short("industry", &get("industry"), input::MAX_SHORT).map_err(m)?,
        website: input::url("website", &get("website"), true).map_err(m)?,
        notes: input::notes("notes", &get("notes")).map_err(m)?,
    };
    let contact = match get("contact_name").as_str() {
        "" => {
            if !(get("contact_role").is_empty()
                && get("contact_email").is_empty()
                && get("contact_phone").is_empty())
            {
                return Err("contact_name is required when a contact field is given".to_owned());
            }
            None
        }
        name => Some(
            contact_fields(&ContactInput {
                name: name.to_owned(),
                role: Some(get("contact_role")),
                email: Some(get("contact_email")),
                phone: Some(get("contact_phone")),
            })
            .map_err(|e| format!("contact: {}", e.message))?,
        ),
    };
    Ok(ImportRow {
        external_id: ext,
        fields,
        status: status.as_str().to_owned(),
        contact,
    })
}

/// Imports `bytes`: the report, and whether anything was applied.
pub(super) async fn run(
    al: &Alliances,
    by: &Actor,
    bytes: &[u8],
) -> Result<ImportReport, ErrorBody> {
    staff_only(by)?;
    let checked = parse(al, by, bytes).await?;
    let mut report = ImportReport {
        applied: false,
        created: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        rows: Vec::new(),
    };
    let rejected = checked.iter().any(|(_, _, r)| r.is_err());
    if rejected {
        for (line, ext, r) in checked {
            let (result, reason) = match r {
                Ok(_) => ("not_applied", None),
                Err(why) => {
                    report.rejected += 1;
                    ("rejected", Some(why))
                }
            };
            report.rows.push(ImportRowReport {
                line,
                external_id: ext,
                result: result.into(),
                alliance_id: None,
                reason,
            });
        }
        return Ok(report);
    }
    let rows: Vec<ImportRow> = checked
        .iter()
        .filter_map(|(_, _, r)| r.as_ref().ok().cloned())
        .collect();
    let owner_only = (is_staff(by) && by.role != Role::Admin).then_some(by.user_id);
    let ids = al.ctx.ids.clone();
    let mut next = move || ids.next_id().0 as i64;
    match al
        .store()
        .import_alliances(al.tenant_id, by.user_id, &rows, owner_only, &mut next)
        .await
    {
        Ok(outcomes) => {
            report.applied = true;
            for ((line, ext, _), o) in checked.into_iter().zip(outcomes) {
                let (result, id) = match o {
                    ImportOutcome::Created { alliance_id } => {
                        report.created += 1;
                        ("created", alliance_id)
                    }
                    ImportOutcome::Updated { alliance_id } => {
                        report.updated += 1;
                        ("updated", alliance_id)
                    }
                    ImportOutcome::Unchanged { alliance_id } => {
                        report.unchanged += 1;
                        ("unchanged", alliance_id)
                    }
                };
                report.rows.push(ImportRowReport {
                    line,
                    external_id: ext,
                    result: result.into(),
                    alliance_id: Some(id.to_string()),
                    reason: None,
                });
            }
            Ok(report)
        }
        Err((bad, e)) => {
            let why = match e {
                StoreError::Conflict(c) if c == "alliance_owner" => {
                    "the alliance is owned by another staff member".to_owned()
                }
                StoreError::Conflict(c) if c.contains("name") => {
                    "another alliance already has this name".to_owned()
                }
                StoreError::Conflict(c) => format!("conflicts with a stored record ({c})"),
                other => return Err(store_error(other)),
            };
            for (i, (line, ext, _)) in checked.into_iter().enumerate() {
                let (result, reason) = if i == bad {
                    report.rejected += 1;
                    ("rejected", Some(why.clone()))
                } else {
                    ("not_applied", None)
                };
                report.rows.push(ImportRowReport {
                    line,
                    external_id: ext,
                    result: result.into(),
                    alliance_id: None,
                    reason,
                });
            }
            Ok(report)
        }
    }
}
