//! The revenue domain's tables: deals (one per source-system `deal_id`) and
//! the append-only, hash-chained commission ledger. Appends to a tenant's
//! ledger are serialised by a transaction-scoped advisory lock keyed by the
//! tenant id, so `seq` has no gaps and each entry chains to the one before.

use super::{Store, StoreError};
use crate::ids::{MessageId, TenantId, UserId};
use sha2::{Digest, Sha256};
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

/// The hash the first entry of a ledger chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A recorded deal.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DealRow {
    pub deal_id: String,
    pub partner_id: UserId,
    pub client: String,
    pub amount_minor: i64,
    pub currency: String,
    pub closed_at: OffsetDateTime,
    pub body_hash: String,
    pub message_id: Option<MessageId>,
}

/// One ledger entry.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LedgerRow {
    pub seq: i64,
    pub deal_id: String,
    pub partner_id: UserId,
    /// `pending`, `approved`, `paid` or `reversed`.
    pub status: String,
    /// Commission, minor units of `currency`.
    pub amount_minor: i64,
    pub currency: String,
    pub rate_bp: i32,
    /// Payout reference or reversal reason.
    pub reference: String,
    pub actor_id: UserId,
    pub created_at: OffsetDateTime,
    pub prev_hash: String,
    pub hash: String,
}

impl LedgerRow {
    /// The canonical body the hash covers: every field but the hashes, in a
    /// fixed order, times in Unix microseconds (Postgres' precision).
    pub fn canonical(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            self.seq,
            self.deal_id,
            self.partner_id,
            self.status,
            self.amount_minor,
            self.currency,
            self.rate_bp,
            self.reference,
            self.actor_id,
            self.created_at.unix_timestamp_nanos() / 1000,
        )
    }

    /// SHA-256 (hex) of the previous hash and this entry's canonical body.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(b"\n");
        h.update(self.canonical().as_bytes());
        hex::encode(h.finalize())
    }
}

/// An entry to append; `seq`, time and hashes are filled in by the store.
#[derive(Debug, Clone)]
pub struct NewLedgerEntry {
    pub deal_id: String,
    pub partner_id: UserId,
    /// The deal's status this entry may follow (checked under the ledger
    /// lock, so two appends cannot both move the same deal); empty for a
    /// deal's first entry.
    pub from: &'static [&'static str],
    pub status: &'static str,
    pub amount_minor: i64,
    pub currency: String,
    pub rate_bp: i32,
    pub reference: String,
    pub actor_id: UserId,
}

/// A deal to record with its first (pending) ledger entry.
#[derive(Debug, Clone)]
pub struct NewDeal {
    pub deal_id: String,
    pub partner_id: UserId,
    pub client: String,
    pub amount_minor: i64,
    pub currency: String,
    pub closed_at: OffsetDateTime,
    pub body_hash: String,
    pub recorded_by: UserId,
}

/// Won revenue of one partner in one currency over a window.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WonRow {
    pub partner_id: UserId,
    pub display_name: String,
    pub currency: String,
    pub deals: i64,
    pub amount_minor: i64,
}

const LEDGER_COLS: &str = "seq, deal_id, partner_id, status, amount_minor, currency, rate_bp, reference, actor_id, created_at, prev_hash, hash";

/// A ledger entry as outgoing webhooks carry it.
fn ledger_json(e: &LedgerRow) -> serde_json::Value {
    serde_json::json!({
        "seq": e.seq, "deal_id": e.deal_id, "partner_id": e.partner_id.to_string(), "status": e.status,
        "amount_minor": e.amount_minor, "currency": e.currency, "rate_bp": e.rate_bp,
        "reference": e.reference, "created_at": super::rfc3339(e.created_at),
    })
}

/// Microsecond precision, as Postgres stores it, so a recomputed hash matches.
fn now_micros() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1000 * 1000)
        .unwrap_or(now)
}

impl Store {
    /// The deal with this source id, if recorded.
    pub async fn fetch_deal(
        &self,
        tenant_id: TenantId,
        deal_id: &str,
    ) -> Result<Option<DealRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT deal_id, partner_id, client, amount_minor, currency, closed_at, body_hash, message_id
             FROM deals WHERE tenant_id = $1 AND deal_id = $2",
        )
        .bind(tenant_id)
        .bind(deal_id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Records a deal and its pending commission in one transaction, with an
    /// audit entry and the `deal_win.recorded` webhook event. A deal id already recorded is `Conflict("deals_pkey")`.
    pub async fn insert_deal_win(
        &self,
        tenant_id: TenantId,
        deal: &NewDeal,
        commission: NewLedgerEntry,
        audit_id: i64,
    ) -> Result<LedgerRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO deals (tenant_id, deal_id, partner_id, client, amount_minor, currency, closed_at, body_hash, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(tenant_id)
        .bind(&deal.deal_id)
        .bind(deal.partner_id)
        .bind(&deal.client)
        .bind(deal.amount_minor)
        .bind(&deal.currency)
        .bind(deal.closed_at)
        .bind(&deal.body_hash)
        .bind(deal.recorded_by)
        .execute(&mut *tx)
        .await?;
        let row = Self::append_ledger_tx(&mut tx, tenant_id, &commission).await?;
        let payload = serde_json::json!({
            "deal_id": deal.deal_id, "partner_id": deal.partner_id.to_string(), "client": deal.client,
            "amount_minor": deal.amount_minor, "currency": deal.currency,
            "closed_at": super::rfc3339(deal.closed_at), "commission": ledger_json(&row),
        });
        Self::insert_outbox_tx(
            &mut tx,
            tenant_id,
            "deal_win.recorded",
            &payload.to_string(),
        )
        .await?;
        Self::insert_audit_tx(
            &mut tx,
            tenant_id,
            audit_id,
            deal.recorded_by,
            "revenue.deal_win",
            &deal.deal_id,
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Appends entries (e.g. approvals of several deals) in one transaction,
    /// with one audit entry and a `commission.status_changed` webhook event each.
    pub async fn insert_ledger_entries(
        &self,
        tenant_id: TenantId,
        entries: &[NewLedgerEntry],
        audit: (i64, UserId, &str, &str),
    ) -> Result<Vec<LedgerRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            let row = Self::append_ledger_tx(&mut tx, tenant_id, e).await?;
            let payload = ledger_json(&row).to_string();
            Self::insert_outbox_tx(&mut tx, tenant_id, "commission.status_changed", &payload)
                .await?;
            out.push(row);
        }
        Self::insert_audit_tx(&mut tx, tenant_id, audit.0, audit.1, audit.2, audit.3).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn append_ledger_tx(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        e: &NewLedgerEntry,
    ) -> Result<LedgerRow, StoreError> {
        // One appender per tenant at a time (across nodes too), until commit.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(tenant_id)
            .execute(&mut **tx)
            .await?;
        let last: Option<(i64, String)> = sqlx::query_as(
            "SELECT seq, hash FROM commission_ledger WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(tenant_id)
        .fetch_optional(&mut **tx)
        .await?;
        let (seq, prev_hash) = last.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
        if !e.from.is_empty() {
            let now: Option<String> = sqlx::query_scalar(
                "SELECT status FROM commission_ledger WHERE tenant_id = $1 AND deal_id = $2 ORDER BY seq DESC LIMIT 1",
            )
            .bind(tenant_id)
            .bind(&e.deal_id)
            .fetch_optional(&mut **tx)
            .await?;
            match now {
                Some(st) if e.from.contains(&st.as_str()) => {}
                Some(st) => {
                    return Err(StoreError::Conflict(format!(
                        "deal {:?} is {st}",
                        e.deal_id
                    )))
                }
                None => return Err(StoreError::NotFound),
            }
        }
        let mut row = LedgerRow {
            seq,
            deal_id: e.deal_id.clone(),
            partner_id: e.partner_id,
            status: e.status.to_owned(),
            amount_minor: e.amount_minor,
            currency: e.currency.clone(),
            rate_bp: e.rate_bp,
            reference: e.reference.clone(),
            actor_id: e.actor_id,
            created_at: now_micros(),
            prev_hash,
            hash: String::new(),
        };
        row.hash = row.compute_hash();
        sqlx::query(
            "INSERT INTO commission_ledger (tenant_id, seq, deal_id, partner_id, status, amount_minor, currency, rate_bp, reference, actor_id, created_at, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(tenant_id)
        .bind(row.seq)
        .bind(&row.deal_id)
        .bind(row.partner_id)
        .bind(&row.status)
        .bind(row.amount_minor)
        .bind(&row.currency)
        .bind(row.rate_bp)
        .bind(&row.reference)
        .bind(row.actor_id)
        .bind(row.created_at)
        .bind(&row.prev_hash)
        .bind(&row.hash)
        .execute(&mut **tx)
        .await?;
        Ok(row)
    }

    /// Reserves the id of a deal's card: sets `candidate` unless an id is
    /// already there, and returns the one that stands (atomic, so two
    /// requests for one deal post one card).
    pub async fn update_deal_message_claim(
        &self,
        tenant_id: TenantId,
        deal_id: &str,
        candidate: MessageId,
    ) -> Result<MessageId, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_scalar(
            "UPDATE deals SET message_id = COALESCE(message_id, $3) WHERE tenant_id = $1 AND deal_id = $2 RETURNING message_id",
        )
        .bind(tenant_id)
        .bind(deal_id)
        .bind(candidate)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Links a deal to the card message that announced it.
    pub async fn update_deal_message(
        &self,
        tenant_id: TenantId,
        deal_id: &str,
        message_id: MessageId,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query("UPDATE deals SET message_id = $3 WHERE tenant_id = $1 AND deal_id = $2")
            .bind(tenant_id)
            .bind(deal_id)
            .bind(message_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Each deal's newest ledger entry (its current status), for one partner
    /// or the whole program, newest first.
    pub async fn fetch_deal_statuses(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
    ) -> Result<Vec<LedgerRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT * FROM (SELECT DISTINCT ON (deal_id) {LEDGER_COLS} FROM commission_ledger
               WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2)
               ORDER BY deal_id, seq DESC) x ORDER BY seq DESC"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(partner)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Every entry of one deal, oldest first (its last is its status).
    pub async fn fetch_ledger_for_deal(
        &self,
        tenant_id: TenantId,
        deal_id: &str,
    ) -> Result<Vec<LedgerRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("SELECT {LEDGER_COLS} FROM commission_ledger WHERE tenant_id = $1 AND deal_id = $2 ORDER BY seq");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(deal_id)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Ledger entries newest first (at most `limit`), for one partner or all.
    pub async fn fetch_ledger(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<LedgerRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {LEDGER_COLS} FROM commission_ledger
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2)
             ORDER BY seq DESC LIMIT $3"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(partner)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The whole ledger in `seq` order (verification), `limit` at a time after `after_seq`.
    pub async fn fetch_ledger_page(
        &self,
        tenant_id: TenantId,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<LedgerRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {LEDGER_COLS} FROM commission_ledger WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(after_seq)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Won revenue per partner and currency for deals closed since `since`
    /// and not reversed.
    pub async fn fetch_won_since(
        &self,
        tenant_id: TenantId,
        since: OffsetDateTime,
    ) -> Result<Vec<WonRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT d.partner_id, u.display_name, d.currency, count(*) AS deals, sum(d.amount_minor)::bigint AS amount_minor
             FROM deals d JOIN users u ON u.tenant_id = d.tenant_id AND u.id = d.partner_id
             WHERE d.tenant_id = $1 AND d.closed_at >= $2
               AND NOT EXISTS (SELECT 1 FROM commission_ledger l WHERE l.tenant_id = d.tenant_id
                               AND l.deal_id = d.deal_id AND l.status = 'reversed')
             GROUP BY d.partner_id, u.display_name, d.currency",
        )
        .bind(tenant_id)
        .bind(since)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
