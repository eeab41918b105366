//! The program KPIs (one shape for the daily snapshot and the dashboard)
//! and the dashboard's filter: a timeframe, an industry and a tier.
//!
//! Definitions: **active partners** are partners who posted a message or
//! made a change recorded in the activity log during the period (and over
//! the 30 days ending with it); **messages** are all members' posts (only
//! the covered partners' when filtered); **deal wins** and **revenue** are
//! deals closed in the period (revenue per currency, minor units);
//! **pipeline** is the open pipeline (opportunities not won or lost) when
//! computed; **course completions** are courses completed in the period;
//! **open cases** are support cases open or pending when computed.

use crate::ids::{TenantId, UserId};
use crate::store::{KpiScope, MoneyRow, Store, StoreError};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// An amount in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Amount {
    /// ISO 4217 code.
    pub currency: String,
    /// Minor units.
    pub amount_minor: i64,
}

/// The KPIs of a period (stored as a snapshot's `kpis`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Kpis {
    /// Partners covered.
    pub partners: i64,
    pub active_partners: i64,
    pub active_partners_30d: i64,
    pub messages: i64,
    pub deal_wins: i64,
    pub revenue: Vec<Amount>,
    pub pipeline: Vec<Amount>,
    pub course_completions: i64,
    pub open_cases: i64,
}

fn amounts(rows: Vec<MoneyRow>) -> Vec<Amount> {
    rows.into_iter()
        .map(|r| Amount {
            currency: r.currency,
            amount_minor: r.amount_minor,
        })
        .collect()
}

/// A daily snapshot's two sets of figures over `[from, to)`: the program's
/// (every channel, for staff) and the shared ones (messages and activity in
/// the channels every partner reads, those of a partner without a tier), which
/// partners see when staff share figures; as JSON for the store.
pub async fn snapshot_pair(
    store: &Store,
    registry: &crate::registry::Registry,
    tenant_id: TenantId,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<(serde_json::Value, serde_json::Value), StoreError> {
    let everyone = crate::registry::Actor::member(
        tenant_id,
        UserId(0),
        arena_protocol::model::Role::Partner,
        None,
    );
    let open = super::readable_channels(registry, &everyone);
    let program = compute(store, tenant_id, from, to, KpiScope::default()).await?;
    let shared = compute(
        store,
        tenant_id,
        from,
        to,
        KpiScope {
            channels: open.as_deref(),
            ..KpiScope::default()
        },
    )
    .await?;
    let json = |k: &Kpis| serde_json::to_value(k).map_err(|e| StoreError::Other(e.to_string()));
    Ok((json(&program)?, json(&shared)?))
}

/// Computes the KPIs of `[from, to)` for `scope`.
pub async fn compute(
    store: &Store,
    tenant_id: TenantId,
    from: OffsetDateTime,
    to: OffsetDateTime,
    scope: KpiScope<'_>,
) -> Result<Kpis, StoreError> {
    let c = store.fetch_kpi_counts(tenant_id, from, to, scope).await?;
    let revenue = store.fetch_kpi_revenue(tenant_id, from, to, scope).await?;
    let pipeline = store.fetch_kpi_pipeline(tenant_id, scope).await?;
    Ok(Kpis {
        partners: c.partners,
        active_partners: c.active_partners,
        active_partners_30d: c.active_partners_30d,
        messages: c.messages,
        deal_wins: c.deal_wins,
        revenue: amounts(revenue),
        pipeline: amounts(pipeline),
        course_completions: c.course_completions,
        open_cases: c.open_cases,
    })
}

/// Longest industry name accepted in a filter.
pub const MAX_INDUSTRY: usize = 80;
/// Longest custom timeframe, days.
pub const MAX_DAYS: i64 = 366;

/// Partner tiers a filter may name.
pub const TIERS: [&str; 4] = ["bronze", "silver", "gold", "platinum"];

/// The dashboard's period: the last 7, 30 or 90 days (today included) or
/// a range of tenant-local days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeframe {
    Last(i64),
    Range(time::Date, time::Date),
}

/// A viewer's dashboard filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub timeframe: Timeframe,
    pub industry: Option<String>,
    pub tier: Option<String>,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            timeframe: Timeframe::Last(30),
            industry: None,
            tier: None,
        }
    }
}

/// The filter as the wire gives it: `{timeframe: "7d"|"30d"|"90d"|"custom",
/// from?, to?: "YYYY-MM-DD", industry?, tier?}` ("" = any).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FilterParams {
    #[serde(default)]
    pub timeframe: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
}

fn date(s: &str, what: &str) -> Result<time::Date, String> {
    time::Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| format!("{what} must be a date YYYY-MM-DD"))
}

fn given(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl FilterParams {
    /// Checks and converts: `Err` is a sentence for `bad_request`.
    pub fn parse(self) -> Result<Filter, String> {
        let timeframe = match given(self.timeframe).as_deref().unwrap_or("30d") {
            "7d" | "7" => Timeframe::Last(7),
            "30d" | "30" => Timeframe::Last(30),
            "90d" | "90" => Timeframe::Last(90),
            "custom" | "range" => {
                let from = date(
                    &given(self.from).ok_or("a custom timeframe needs from")?,
                    "from",
                )?;
                let to = date(&given(self.to).ok_or("a custom timeframe needs to")?, "to")?;
                let days = (to - from).whole_days() + 1;
                if !(1..=MAX_DAYS).contains(&days) {
                    return Err(format!(
                        "from must be on or before to, at most {MAX_DAYS} days"
                    ));
                }
                Timeframe::Range(from, to)
            }
            other => return Err(format!("timeframe {other:?}: use 7d, 30d, 90d or custom")),
        };
        let industry = given(self.industry);
        if let Some(i) = &industry {
            if i.chars().count() > MAX_INDUSTRY || i.chars().any(char::is_control) {
                return Err(format!(
                    "industry is at most {MAX_INDUSTRY} characters on one line"
                ));
            }
        }
        let tier = given(self.tier).map(|t| t.to_lowercase());
        if let Some(t) = &tier {
            if !TIERS.contains(&t.as_str()) {
                return Err("tier must be bronze, silver, gold or platinum".into());
            }
        }
        Ok(Filter {
            timeframe,
            industry,
            tier,
        })
    }
}

impl Filter {
    /// The scope of this filter, for one partner when `partner` is given,
    /// counting messages in `channels` only when given (the viewer's readable ones).
    pub fn scope<'a>(
        &'a self,
        partner: Option<UserId>,
        channels: Option<&'a [i64]>,
    ) -> KpiScope<'a> {
        KpiScope {
            tier: self.tier.as_deref(),
            industry: self.industry.as_deref(),
            partner,
            channels,
        }
    }

    /// The first and last local day of the timeframe, given today.
    pub fn days(&self, today: time::Date) -> (time::Date, time::Date) {
        match self.timeframe {
            Timeframe::Last(n) => (today - time::Duration::days(n - 1), today),
            Timeframe::Range(a, b) => (a, b),
        }
    }

    /// A short label: "Last 30 days · Retail · gold".
    pub fn label(&self) -> String {
        let mut parts = vec![match self.timeframe {
            Timeframe::Last(n) => format!("Last {n} days"),
            Timeframe::Range(a, b) => format!("{a} to {b}"),
        }];
        parts.extend(self.industry.clone());
        parts.extend(self.tier.clone());
        parts.join(" · ")
    }

    /// The wire form (the dashboard's filter form values).
    pub fn to_json(&self) -> serde_json::Value {
        let (tf, from, to) = match self.timeframe {
            Timeframe::Last(n) => (format!("{n}d"), None, None),
            Timeframe::Range(a, b) => (
                "custom".to_owned(),
                Some(a.to_string()),
                Some(b.to_string()),
            ),
        };
        serde_json::json!({ "timeframe": tf, "from": from, "to": to, "industry": self.industry, "tier": self.tier })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn p(tf: &str) -> FilterParams {
        FilterParams {
            timeframe: Some(tf.into()),
            ..Default::default()
        }
    }

    #[test]
    fn filters_are_checked() {
        assert_eq!(p("7d").parse().unwrap().timeframe, Timeframe::Last(7));
        assert!(p("8d").parse().is_err());
        let f = FilterParams {
            timeframe: Some("custom".into()),
            from: Some("2026-11-01".into()),
            to: Some("2026-11-10".into()),
            industry: Some(" Retail ".into()),
            tier: Some("Gold".into()),
        }
        .parse()
        .unwrap();
        assert_eq!(f.industry.as_deref(), Some("Retail"));
        assert_eq!(f.tier.as_deref(), Some("gold"));
        let today = time::macros::date!(2026 - 11 - 25);
        assert_eq!(f.days(today).0, time::macros::date!(2026 - 11 - 01));
        assert_eq!(
            p("7d").parse().unwrap().days(today).0,
            time::macros::date!(2026 - 11 - 19)
        );
        let bad = FilterParams {
            timeframe: Some("custom".into()),
            from: Some("2026-11-10".into()),
            to: Some("2026-11-01".into()),
            ..Default::default()
        };
        assert!(bad.parse().is_err());
        let bad = FilterParams {
            tier: Some("diamond".into()),
            ..Default::default()
        };
        assert!(bad.parse().is_err());
    }
}
