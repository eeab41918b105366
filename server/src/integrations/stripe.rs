//! Stripe webhooks: the `Stripe-Signature` check exactly as Stripe documents
//! it (<https://docs.stripe.com/webhooks#verify-manually>) and the parts of
//! the Connect events Arena applies (`account.updated`, `payout.paid`).
//!
//! The header is `t=<unix seconds>,v1=<hex>[,v1=<hex>…]` (other schemes such
//! as `v0` are ignored). The expected signature is HMAC-SHA256, keyed with
//! the endpoint secret (`whsec_…`, used as given), over `"{t}.{raw body}"`;
//! any `v1` equal to it (compared in constant time) passes, provided `t` is
//! within [`TOLERANCE_S`] of now (Stripe's libraries' default tolerance; it
//! bounds replays of a captured delivery).

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// Largest allowed distance between the header's `t` and now, seconds
/// (Stripe's default tolerance, 5 minutes).
pub const TOLERANCE_S: i64 = 300;

/// Why a delivery's signature was refused (each answers 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing Stripe-Signature header")]
    Missing,
    #[error("malformed Stripe-Signature header (want t=<unix>,v1=<hex>)")]
    Malformed,
    #[error("Stripe-Signature timestamp is more than {TOLERANCE_S} s from now")]
    Stale,
    #[error("no v1 signature matches the payload")]
    Mismatch,
}

type HmacSha256 = Hmac<Sha256>;

/// The MAC over `"{t}.{payload}"`; `None` never happens in practice (HMAC
/// takes keys of any length) but is not a panic.
fn mac(secret: &[u8], t: &str, payload: &[u8]) -> Option<HmacSha256> {
    let mut m = HmacSha256::new_from_slice(secret).ok()?;
    m.update(t.as_bytes());
    m.update(b".");
    m.update(payload);
    Some(m)
}

/// The `v1` signature of `payload` at time `t` (hex), as Stripe computes it;
/// for tests and tools that sign deliveries.
pub fn sign(secret: &str, t: i64, payload: &[u8]) -> String {
    mac(secret.as_bytes(), &t.to_string(), payload)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Checks a delivery: `header` is the `Stripe-Signature` value, `payload`
/// the raw body, `now` Unix seconds. Returns the header's timestamp.
pub fn verify(
    secret: &str,
    header: Option<&str>,
    payload: &[u8],
    now: i64,
) -> Result<i64, SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut t: Option<&str> = None;
    let mut v1: Vec<&str> = Vec::new();
    for part in header.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            continue;
        };
        match k {
            "t" if t.is_none() => t = Some(v),
            "v1" => v1.push(v),
            _ => {}
        }
    }
    let t_str = t.ok_or(SignatureError::Malformed)?;
    let t: i64 = t_str.parse().map_err(|_| SignatureError::Malformed)?;
    if v1.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let expected = mac(secret.as_bytes(), t_str, payload).ok_or(SignatureError::Mismatch)?;
    let matched = v1.iter().any(|sig| {
        hex::decode(sig).is_ok_and(|bytes| expected.clone().verify_slice(&bytes).is_ok())
    });
    if !matched {
        return Err(SignatureError::Mismatch);
    }
    if now.abs_diff(t) > TOLERANCE_S as u64 {
        return Err(SignatureError::Stale);
    }
    Ok(t)
}

/// The fields of a Stripe Event object Arena reads
/// (<https://docs.stripe.com/api/events/object>); the rest is ignored.
#[derive(Debug, Deserialize)]
pub struct Event {
    /// `evt_…`: the idempotency key of a delivery.
    pub id: String,
    /// e.g. `account.updated`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The connected account (`acct_…`) the event happened on (Connect events).
    #[serde(default)]
    pub account: Option<String>,
    /// Unix seconds.
    #[serde(default)]
    pub created: i64,
    #[serde(default)]
    pub data: EventData,
}

/// `data` of an event.
#[derive(Debug, Default, Deserialize)]
pub struct EventData {
    /// The object the event is about (an Account, a Payout …).
    #[serde(default)]
    pub object: serde_json::Value,
}

impl Event {
    /// The connected account the event is about: `account`, or for
    /// `account.updated` without it, the Account object's own `id`.
    pub fn connected_account(&self) -> Option<&str> {
        self.account
            .as_deref()
            .filter(|a| !a.is_empty())
            .or_else(|| {
                (self.kind == ACCOUNT_UPDATED)
                    .then(|| self.data.object.get("id").and_then(|v| v.as_str()))
                    .flatten()
            })
    }
}

/// The event type that carries a connected account's state.
pub const ACCOUNT_UPDATED: &str = "account.updated";
/// The event type of a payout that reached the partner's bank.
pub const PAYOUT_PAID: &str = "payout.paid";

/// A payout account's status as Arena shows it, from an Account object
/// (<https://docs.stripe.com/api/accounts/object>).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountStatus {
    /// `disabled` (Stripe gave `requirements.disabled_reason`), `enabled`
    /// (charges and payouts enabled), `restricted` (one of them), `pending`
    /// (neither yet).
    pub status: &'static str,
    pub disabled_reason: Option<String>,
}

/// The status of an Account object; missing fields read as false / none.
pub fn account_status(account: &serde_json::Value) -> AccountStatus {
    let flag = |k: &str| account.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
    let disabled_reason = account
        .get("requirements")
        .and_then(|r| r.get("disabled_reason"))
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(200).collect::<String>());
    let status = match (
        disabled_reason.is_some(),
        flag("charges_enabled"),
        flag("payouts_enabled"),
    ) {
        (true, ..) => "disabled",
        (false, true, true) => "enabled",
        (false, false, false) => "pending",
        _ => "restricted",
    };
    AccountStatus {
        status,
        disabled_reason,
    }
}

/// A paid payout (<https://docs.stripe.com/api/payouts/object>).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payout {
    /// `po_…`
    pub id: String,
    /// Minor units of `currency`.
    pub amount: i64,
    /// ISO 4217, upper case.
    pub currency: String,
    /// Unix seconds when it is expected in the bank.
    pub arrival_date: Option<i64>,
}

/// The payout of a `payout.paid` event's object; `None` without an id and amount.
pub fn payout(object: &serde_json::Value) -> Option<Payout> {
    Some(Payout {
        id: object.get("id")?.as_str()?.chars().take(255).collect(),
        amount: object.get("amount")?.as_i64()?,
        currency: object
            .get("currency")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .chars()
            .take(3)
            .collect::<String>()
            .to_ascii_uppercase(),
        arrival_date: object.get("arrival_date").and_then(|v| v.as_i64()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";

    #[test]
    fn a_stripe_signature_verifies() {
        let body = br#"{"id":"evt_1"}"#;
        let sig = sign(SECRET, 1_700_000_000, body);
        let header = format!("t=1700000000,v1={sig},v0=ignored");
        assert_eq!(
            verify(SECRET, Some(&header), body, 1_700_000_100),
            Ok(1_700_000_000)
        );
        // Another v1 (a rolled secret) beside the right one still passes.
        let header = format!("t=1700000000,v1={},v1={sig}", "ab".repeat(32));
        assert!(verify(SECRET, Some(&header), body, 1_700_000_000).is_ok());
    }

    #[test]
    fn known_vector() {
        // hmac.new(b"whsec_test_secret", b"1700000000.{}", hashlib.sha256).hexdigest() in Python.
        assert_eq!(
            sign(SECRET, 1_700_000_000, b"{}"),
            "ceb8863f7208fa249a6cd8f951e993c7563412aca65866f6272283debe143ab3"
        );
    }

    #[test]
    fn bad_signatures_are_refused() {
        let body = br#"{"id":"evt_1"}"#;
        let sig = sign(SECRET, 1_700_000_000, body);
        let at = |h: &str, now| verify(SECRET, Some(h), body, now);
        assert_eq!(verify(SECRET, None, body, 0), Err(SignatureError::Missing));
        assert_eq!(at("garbage", 0), Err(SignatureError::Malformed));
        assert_eq!(at("t=1700000000", 0), Err(SignatureError::Malformed));
        assert_eq!(
            at(&format!("t=x,v1={sig}"), 0),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            at("t=1700000000,v1=zz", 1_700_000_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                "whsec_other",
                Some(&format!("t=1700000000,v1={sig}")),
                body,
                1_700_000_000
            ),
            Err(SignatureError::Mismatch)
        );
        // The same signature over another body, or moved to another time.
        assert_eq!(
            verify(
                SECRET,
                Some(&format!("t=1700000000,v1={sig}")),
                b"{}",
                1_700_000_000
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            at(&format!("t=1700000001,v1={sig}"), 1_700_000_000),
            Err(SignatureError::Mismatch)
        );
        // Too old, and too far ahead.
        let h = format!("t=1700000000,v1={sig}");
        assert_eq!(at(&h, 1_700_000_301), Err(SignatureError::Stale));
        assert_eq!(at(&h, 1_699_999_699), Err(SignatureError::Stale));
        assert!(at(&h, 1_700_000_300).is_ok());
    }

    #[test]
    fn account_states() {
        let s = |v: serde_json::Value| account_status(&v).status;
        assert_eq!(
            s(serde_json::json!({"charges_enabled": true, "payouts_enabled": true})),
            "enabled"
        );
        assert_eq!(
            s(serde_json::json!({"charges_enabled": false, "payouts_enabled": true})),
            "restricted"
        );
        assert_eq!(s(serde_json::json!({})), "pending");
        let d = account_status(
            &serde_json::json!({"charges_enabled": true, "payouts_enabled": true,
            "requirements": {"disabled_reason": "rejected.fraud"}}),
        );
        assert_eq!(d.status, "disabled");
        assert_eq!(d.disabled_reason.as_deref(), Some("rejected.fraud"));
    }

    #[test]
    fn events_and_payouts_parse() {
        let e: Event = serde_json::from_value(serde_json::json!({
            "id": "evt_1", "type": "account.updated", "created": 5, "livemode": false,
            "data": {"object": {"id": "acct_9", "object": "account"}}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.connected_account(), Some("acct_9"));
        let p = payout(
            &serde_json::json!({"id": "po_1", "amount": 1234, "currency": "usd", "arrival_date": 7}),
        );
        assert_eq!(
            p,
            Some(Payout {
                id: "po_1".into(),
                amount: 1234,
                currency: "USD".into(),
                arrival_date: Some(7)
            })
        );
        assert_eq!(payout(&serde_json::json!({"id": "po_1"})), None);
    }
}
