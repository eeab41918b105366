//! Postgres access. All SQL lives under this module; every method takes the
//! tenant and is named `insert_`, `fetch_`, `update_` or `delete_`.
//!
//! [`Store`] is a cheap-clone handle over the sqlx pool.
//!
//! Row-level security (migration 0019): the server connects as `arena_app`,
//! and Postgres shows it only the rows of the tenant its transaction names.
//! Every tenant-scoped method runs in [`Store::tenant_tx`]; the few that
//! span tenants (schedulers, token lookups) run in [`Store::system_tx`] as
//! `arena_system` (listed in docs/security.md, "Row-level security").

mod activation;
mod activation_welcomes;
mod activity;
mod alliance_import;
mod alliance_records;
mod alliance_views;
mod alliances;
mod audit;
mod bots;
mod channels;
mod clients;
mod dms;
mod enablement;
mod enablement_boards;
mod enablement_records;
mod events;
mod files;
mod growth;
mod growth_campaigns;
mod growth_pages;
mod identify;
mod insights;
mod insights_experiments;
mod insights_kpis;
mod invites;
mod members;
mod messages;
mod mfa;
mod opportunities;
mod outbox;
mod password_resets;
mod payouts;
mod plans;
mod profile;
mod read_states;
mod revenue;
mod revenue_goals;
mod rows;
mod search;
mod support;
mod tenants;
mod tiers;
mod tokens;
mod users;
mod webhooks;

pub use activation::{
    AgreementRow, ApplicationRow, DocumentRow, NewApplication, PartnerRow, TickRow,
};
pub use activation_welcomes::WelcomeRow;
pub use activity::{ActivityRow, NewActivity};
pub use alliance_import::{ImportOutcome, ImportRow};
pub use alliance_records::{
    AllianceActivityRow, AllianceContactRow, AllianceDocumentRow, AllianceOpportunityRow,
    AllianceTaskRow,
};
pub use alliances::{AllianceFields, AllianceFilter, AllianceRow, NewAllianceActivity};
pub use audit::AuditRow;
pub use bots::{BotTokenInfo, BotTokenRow, NewBotToken};
pub use channels::{CategoryRow, ChannelRow, ChannelState};
pub use clients::{ClientFields, ClientNoteRow, ClientRow, RecommendationRow};
pub use enablement::{
    Completion, CoursePatch, CourseRecordRow, CourseRow, ModuleDone, ModuleRow, NewCourse,
    NewModule,
};
pub use enablement_boards::{BadgeAwardRow, SopClientRow, SopTickRow};
pub use events::{LogRow, LogSpan};
pub use files::FileRow;
pub use growth::{CodeRow, LeadMove, LeadRow, NewLead, NewReward, PartnerFiguresRow, RewardRow};
pub use growth_campaigns::{CampaignRow, DueRunRow, EmitRun, EnrollmentRow, RunRow, StepRow};
pub use growth_pages::{PageContent, PageRow};
pub use identify::{HeadsRequest, MemberRead};
pub use insights::SnapshotRow;
pub use insights_experiments::{AssignmentRow, ExperimentRow, NewExperiment, VariantCountRow};
pub use insights_kpis::{KpiCounts, KpiScope, MoneyRow, SeriesRow, StageRow};
pub use invites::{InviteLookup, InviteRow, NewInvite};
pub use members::{MemberFilter, MemberRow};
pub use messages::NewMessage;
pub use mfa::{Challenge, ChallengePurpose, TotpRow, CHALLENGE_ATTEMPTS};
pub use opportunities::{NewOpportunity, OpportunityRow};
pub use outbox::{DeliveryRow, DueWebhook, SubscriptionRow};
pub use payouts::{IntegrationEffect, NewIntegrationEvent, PayoutAccountRow};
pub use plans::{
    NarrativeOutcome, NewPlan, NewPlanTemplate, PlanMove, PlanRow, PlanSection, PlanTemplateRow,
};
pub use profile::{AccountSettings, ProfilePatch, ProfileRow};
pub use read_states::ReadyHead;
pub use revenue::{DealRow, LedgerRow, NewDeal, NewLedgerEntry, WonRow, GENESIS};
pub use rows::{rfc3339, TenantRow, UserRow};
pub use search::SearchQuery;
pub use support::{CaseCountRow, CaseEntryRow, CaseRow, EvidenceRow, NewCase, NewCaseEntry};
pub use tiers::TierChange;
pub use tokens::{RefreshUse, PURGE_BATCH, TOKEN_EPOCHS_SQL};
pub use webhooks::{NewWebhook, WebhookRow};

use crate::ids::TenantId;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use std::time::Duration;

/// A failed store call, mapped by the caller to an error code.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Postgres is unreachable or timed out: answer `unavailable`, retry later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The row does not exist for this tenant.
    #[error("not found")]
    NotFound,
    /// A unique constraint, named, was violated.
    #[error("conflict on {0}")]
    Conflict(String),
    /// Any other database error (logged; answered as `internal`).
    #[error("database error: {0}")]
    Other(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => StoreError::Unavailable(e.to_string()),
            sqlx::Error::Database(db) => {
                if db.is_unique_violation() {
                    StoreError::Conflict(db.constraint().unwrap_or("unique").to_owned())
                } else if db.code().as_deref() == Some("P0002") {
                    // no_data_found, raised by the store's own functions
                    // (e.g. arena_insert_messages, migration 0029).
                    StoreError::NotFound
                } else if db
                    .code()
                    .is_some_and(|c| c.starts_with("08") || c.starts_with("57P"))
                {
                    // Class 08 connection exceptions, 57P operator intervention (shutdown).
                    StoreError::Unavailable(e.to_string())
                } else {
                    StoreError::Other(e.to_string())
                }
            }
            _ => StoreError::Other(e.to_string()),
        }
    }
}

/// Cheap-clone handle to the Postgres pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: PgPool,
}

/// Embedded migrations from `migrations/`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

impl Store {
    /// Connects lazily-verified: fails if the first connection cannot be made.
    /// A pool acquire waits at most 3 s, so a down database answers `unavailable` quickly.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(3))
            .connect(url)
            .await?;
        Ok(Store { pool })
    }

    /// A connection taken out of the pool for a task that owns it (a group
    /// commit shard): its statements skip the pool's acquire and release
    /// pings (sqlx pings on both, a round trip each, and under load each
    /// round trip also waits for the runtime to poll the socket). The owner
    /// drops it after an error and takes another. Errors: `Unavailable`
    /// when Postgres does not answer within the pool's acquire timeout (3 s).
    pub async fn dedicated(&self) -> Result<sqlx::PgConnection, StoreError> {
        Ok(self.pool.acquire().await?.detach())
    }

    /// Wraps an existing pool (tests).
    pub fn from_pool(pool: PgPool) -> Store {
        Store { pool }
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Other(e.to_string()))
    }

    /// Begins a transaction scoped to `tenant`: `BEGIN` and
    /// `set_config('app.tenant_id', tenant, true)` in one round trip. The
    /// setting is transaction-local, so it ends with the transaction and never
    /// reaches the next user of the pooled connection; the RLS policy
    /// `tenant_isolation` (migration 0019) then shows and accepts only this
    /// tenant's rows. Commit it to keep writes; dropping it rolls back.
    pub(crate) async fn tenant_tx(
        &self,
        tenant: TenantId,
    ) -> Result<Transaction<'static, Postgres>, StoreError> {
        // An i64 formatted into the statement: nothing of the caller's text reaches SQL.
        Ok(self
            .pool
            .begin_with(format!(
                "BEGIN; SELECT set_config('app.tenant_id', '{}', true)",
                tenant.0
            ))
            .await?)
    }

    /// Begins a cross-tenant transaction as the role `arena_system` (`SET
    /// LOCAL ROLE`), which sees every tenant's rows of the few tables it is
    /// granted (migration 0019) and nothing else. Only for the paths
    /// docs/security.md lists; switch to one tenant with [`Store::scope_tx`]
    /// before writing that tenant's rows.
    pub(crate) async fn system_tx(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self
            .pool
            .begin_with("BEGIN; SET LOCAL ROLE arena_system")
            .await?)
    }

    /// Scopes an open transaction to `tenant` from here on: back to the
    /// connecting role (from [`Store::system_tx`]'s `arena_system`) and
    /// `app.tenant_id` set to `tenant`, transaction-local.
    pub(crate) async fn scope_tx(
        tx: &mut Transaction<'_, Postgres>,
        tenant: TenantId,
    ) -> Result<(), StoreError> {
        // set_config('role', 'none', true) is SET LOCAL ROLE NONE.
        sqlx::query(
            "SELECT set_config('role', 'none', true), set_config('app.tenant_id', $1, true)",
        )
        .bind(tenant.0.to_string())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Whether the connecting role bypasses row-level security (a superuser
    /// or BYPASSRLS): the server warns at start, since then a query that
    /// forgets its tenant filter is not caught.
    pub async fn bypasses_rls(&self) -> Result<bool, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Applies pending migrations over a short-lived connection to `url`
    /// (the tables' owner: `Config::migrate_url`), closed after. When every
    /// migration is already applied it changes nothing, so a node whose URL
    /// is `arena_app` (no DDL rights) starts on a schema the owner migrated.
    pub async fn migrate_url(url: &str) -> Result<(), StoreError> {
        let owner = Store::connect(url, 1).await?;
        let r = if owner.migrations_pending().await {
            owner.migrate().await
        } else {
            Ok(())
        };
        owner.pool.close().await;
        r
    }

    /// Whether a migration of [`MIGRATOR`] is not recorded as applied (or
    /// the record cannot be read: then `migrate` runs and reports why).
    async fn migrations_pending(&self) -> bool {
        let applied: Vec<i64> =
            match sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await
            {
                Ok(v) => v,
                Err(_) => return true,
            };
        MIGRATOR.iter().any(|m| !applied.contains(&m.version))
    }

    /// `SELECT 1`: for /readyz.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
