//! The shapes the client-exchange domain answers with (REST bodies and
//! `panel.action` answers): clients, notes and recommendations.

use crate::ids::UserId;
use crate::store::{ClientNoteRow, ClientRow, RecommendationRow};
use serde::Serialize;

/// A client as the API shows it; `notes` are the caller's own (detail reads only).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClientView {
    pub id: String,
    /// The partner (decimal id), null while unassigned.
    pub partner_id: Option<String>,
    pub name: String,
    pub industry: String,
    /// `active`, `paused` or `churned`.
    pub status: String,
    /// `lead`, `onboarding`, `live` or `renewal`.
    pub stage: String,
    /// Minor units of `currency`.
    pub value_minor: i64,
    pub currency: String,
    pub next_step: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<NoteView>>,
}

impl From<&ClientRow> for ClientView {
    fn from(c: &ClientRow) -> Self {
        ClientView {
            id: c.id.to_string(),
            partner_id: c.owner_id.map(|o| o.to_string()),
            name: c.name.clone(),
            industry: c.industry.clone(),
            status: c.status.clone(),
            stage: c.stage.clone(),
            value_minor: c.value_minor,
            currency: c.currency.clone(),
            next_step: c.next_step.clone(),
            created_at: crate::store::rfc3339(c.created_at),
            updated_at: crate::store::rfc3339(c.updated_at),
            notes: None,
        }
    }
}

/// A note (only ever shown to its author).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoteView {
    pub id: String,
    pub client_id: String,
    pub body: String,
    pub created_at: String,
}

impl From<&ClientNoteRow> for NoteView {
    fn from(n: &ClientNoteRow) -> Self {
        NoteView {
            id: n.id.to_string(),
            client_id: n.client_id.to_string(),
            body: n.body.clone(),
            created_at: crate::store::rfc3339(n.created_at),
        }
    }
}

/// An industry recommendation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecommendationView {
    pub id: String,
    pub industry: String,
    pub note: String,
    pub created_at: String,
}

impl From<&RecommendationRow> for RecommendationView {
    fn from(r: &RecommendationRow) -> Self {
        RecommendationView {
            id: r.id.to_string(),
            industry: r.industry.clone(),
            note: r.note.clone(),
            created_at: crate::store::rfc3339(r.created_at),
        }
    }
}

impl From<ClientRow> for ClientView {
    fn from(c: ClientRow) -> Self {
        ClientView::from(&c)
    }
}

impl From<(ClientRow, Option<UserId>)> for ClientView {
    fn from(x: (ClientRow, Option<UserId>)) -> Self {
        ClientView::from(&x.0)
    }
}
