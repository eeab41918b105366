//! Reads of the activation domain: one partner's whole onboarding and the
//! program's progress, shared by the panels and the REST routes.

use super::checklist::{items, progress, Everyone, Facts};
use super::views::{AgreementView, ApplicationView, DocumentView, OnboardingView, ProgramView};
use super::Activation;
use crate::ids::UserId;
use crate::store::{rfc3339, StoreError, TickRow};
use time::OffsetDateTime;

/// Documents listed per partner.
pub const DOCUMENTS_SHOWN: i64 = 50;

/// `partner`'s onboarding; `NotFound` when they are not a partner of the tenant.
pub async fn partner(a: &Activation, partner: UserId) -> Result<OnboardingView, StoreError> {
    let (s, t) = (&a.store, a.tenant_id);
    let row = s.fetch_partner(t, partner).await?;
    let cfg = a.cfg();
    let ticks = s.fetch_ticks(t, Some(partner)).await?;
    let ticks: Vec<&TickRow> = ticks.iter().collect();
    let application = s.fetch_application(t, partner).await?;
    let agreement = s
        .fetch_agreements(t, Some(partner), &cfg.agreement_version)
        .await?
        .into_iter()
        .next();
    let facts = Facts {
        ticks: &ticks,
        application: application.as_ref(),
        agreement: agreement.as_ref(),
    };
    let list = items(cfg, facts);
    let documents = s.fetch_documents(t, Some(partner), DOCUMENTS_SHOWN).await?;
    Ok(OnboardingView {
        progress: progress(cfg, &row, &list, facts, OffsetDateTime::now_utc()),
        items: list,
        application: application.as_ref().map(ApplicationView::from),
        agreement: AgreementView {
            current_version: cfg.agreement_version.clone(),
            title: cfg.agreement_title.clone(),
            accepted: agreement.is_some(),
            accepted_at: agreement.map(|x| rfc3339(x.accepted_at)),
        },
        documents: documents.iter().map(DocumentView::from).collect(),
    })
}

/// Every partner's progress, stuck ones first.
pub async fn program(a: &Activation) -> Result<ProgramView, StoreError> {
    let everyone = Everyone::read(a).await?;
    Ok(ProgramView {
        stuck_after_days: a.cfg().stuck_after_days,
        partners: everyone.progress(a.cfg(), OffsetDateTime::now_utc()),
    })
}
