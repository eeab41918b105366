//! The CSV import of alliances and contacts (issue 15) as one transaction:
//! every row is applied or none is. Rows are keyed by external id: a row
//! whose id is new creates the alliance, a known one updates its fields (a
//! row equal to the stored alliance changes nothing). A row's contact is
//! added, or updated by name.

use super::{AllianceContactRow, AllianceFields, NewAllianceActivity, Store, StoreError};
use crate::ids::{TenantId, UserId};

/// One validated row.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub external_id: String,
    pub fields: AllianceFields,
    /// The status of a created alliance (an update keeps the stored one).
    pub status: String,
    /// `(name, role, email, phone)` of the row's contact, if any.
    pub contact: Option<(String, String, String, String)>,
}

/// What one row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    Created { alliance_id: i64 },
    Updated { alliance_id: i64 },
    Unchanged { alliance_id: i64 },
}

impl Store {
    /// Applies `rows` in one transaction, by `by`; `ids` makes the new
    /// records' and entries' snowflakes. `Err((index, error))`
    /// names the first row the database refused (e.g. `Conflict` on
    /// `alliances_name`: another alliance has that name); nothing is applied then.
    /// With `owner_only`, a row updating an alliance owned by anyone else is
    /// refused as `Conflict("alliance_owner")`.
    pub async fn import_alliances(
        &self,
        tenant_id: TenantId,
        by: UserId,
        rows: &[ImportRow],
        owner_only: Option<UserId>,
        ids: &mut (dyn FnMut() -> i64 + Send),
    ) -> Result<Vec<ImportOutcome>, (usize, StoreError)> {
        let mut tx = self.tenant_tx(tenant_id).await.map_err(|e| (0, e))?;
        let mut out = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let at = |e: StoreError| (i, e);
            let found = Self::fetch_alliance_by_external_tx(&mut tx, tenant_id, &r.external_id)
                .await
                .map_err(at)?;
            let (alliance_id, mut outcome, verb, summary) = match found {
                None => {
                    let id = ids();
                    Self::insert_alliance_tx(
                        &mut tx,
                        tenant_id,
                        id,
                        &r.fields,
                        &r.status,
                        Some(&r.external_id),
                        by,
                    )
                    .await
                    .map_err(at)?;
                    (
                        id,
                        ImportOutcome::Created { alliance_id: id },
                        "alliance.imported",
                        format!("Imported {} ({})", r.fields.name, r.external_id),
                    )
                }
                Some(a) if owner_only.is_some_and(|o| o != a.owner_id) => {
                    return Err((i, StoreError::Conflict("alliance_owner".into())));
                }
                Some(a) => {
                    let same = a.name == r.fields.name
                        && a.owner_id == r.fields.owner_id
                        && a.tier == r.fields.tier
                        && a.region == r.fields.region
                        && a.industry == r.fields.industry
                        && a.website == r.fields.website
                        && a.notes == r.fields.notes;
                    if !same {
                        Self::update_alliance_tx(&mut tx, tenant_id, a.id, &r.fields)
                            .await
                            .map_err(at)?;
                    }
                    let outcome = if same {
                        ImportOutcome::Unchanged { alliance_id: a.id }
                    } else {
                        ImportOutcome::Updated { alliance_id: a.id }
                    };
                    (
                        a.id,
                        outcome,
                        "alliance.import_updated",
                        format!(
                            "Updated {} from an import ({})",
                            r.fields.name, r.external_id
                        ),
                    )
                }
            };
            if let Some((name, role, email, phone)) = &r.contact {
                let before = Self::fetch_contact_by_name_tx(&mut tx, tenant_id, alliance_id, name)
                    .await
                    .map_err(at)?;
                let unchanged = before
                    .as_ref()
                    .is_some_and(|c| &c.role == role && &c.email == email && &c.phone == phone);
                if !unchanged {
                    let c = AllianceContactRow {
                        id: ids(),
                        alliance_id,
                        name: name.clone(),
                        role: role.clone(),
                        email: email.clone(),
                        phone: phone.clone(),
                        created_at: time::OffsetDateTime::now_utc(),
                        updated_at: time::OffsetDateTime::now_utc(),
                    };
                    Self::upsert_alliance_contact_tx(&mut tx, tenant_id, &c)
                        .await
                        .map_err(at)?;
                    if let ImportOutcome::Unchanged { alliance_id } = outcome {
                        outcome = ImportOutcome::Updated { alliance_id };
                    }
                }
            }
            if !matches!(outcome, ImportOutcome::Unchanged { .. }) {
                let entry = NewAllianceActivity {
                    id: ids(),
                    alliance_id,
                    actor: Some(by),
                    kind: "system",
                    verb,
                    summary,
                    data: serde_json::json!({"external_id": r.external_id}),
                };
                Self::insert_alliance_activity_tx(&mut tx, tenant_id, &entry)
                    .await
                    .map_err(at)?;
            }
            out.push(outcome);
        }
        tx.commit().await.map_err(|e| (rows.len(), e.into()))?;
        Ok(out)
    }

    async fn fetch_contact_by_name_tx(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        tenant_id: TenantId,
        alliance_id: i64,
        name: &str,
    ) -> Result<Option<AllianceContactRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, alliance_id, name, role, email, phone, created_at, updated_at
             FROM alliance_contacts WHERE tenant_id = $1 AND alliance_id = $2 AND lower(name) = lower($3)",
        )
        .bind(tenant_id)
        .bind(alliance_id)
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?)
    }
}
