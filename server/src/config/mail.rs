//! The checks of the people settings (issue 13): the SMTP server and sender
//! of invite and password-reset mail, the invite lifetime and the operator
//! token of tenant creation.

use super::{Config, ConfigError};

/// Shortest `operator_token`, bytes.
pub const MIN_OPERATOR_TOKEN_BYTES: usize = 16;

impl Config {
    /// Checks `smtp_url`, `mail_from`, `invite_ttl_s` and `operator_token`
    /// (called by [`Config::validate`]).
    pub(super) fn validate_mail(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: &str| {
            Err(ConfigError::Invalid {
                key,
                reason: reason.into(),
            })
        };
        if let Some(u) = self.smtp_url.as_deref() {
            let ok = url::Url::parse(u)
                .is_ok_and(|p| matches!(p.scheme(), "smtp" | "smtps") && p.host().is_some());
            if !ok {
                return invalid(
                    "smtp_url",
                    "must be an smtp:// or smtps:// URL such as smtp://mail.example.com:587?tls=required",
                );
            }
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return invalid(
                "mail_from",
                "must be a mailbox such as `Arena <arena@example.com>`",
            );
        }
        if self.invite_ttl_s < 60 {
            return invalid("invite_ttl_s", "must be at least 60");
        }
        if self
            .operator_token
            .as_deref()
            .is_some_and(|t| t.len() < MIN_OPERATOR_TOKEN_BYTES)
        {
            return invalid(
                "operator_token",
                "must be at least 16 bytes (leave it unset to turn tenant creation off)",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_and_operator_settings_are_checked() {
        let base = Config {
            jwt_secret: "test-secret-abcdefghijklmnop".into(),
            ..Config::default()
        };
        assert!(base.validate().is_ok());
        for good in [
            "smtp://127.0.0.1:2525",
            "smtp://user:pass@mail.example.com:587?tls=required",
            "smtps://mail.example.com",
        ] {
            let c = Config {
                smtp_url: Some(good.into()),
                ..base.clone()
            };
            assert!(c.validate().is_ok(), "{good}");
        }
        for (key, bad) in [
            (
                "smtp_url",
                Config {
                    smtp_url: Some("http://mail.example.com".into()),
                    ..base.clone()
                },
            ),
            (
                "smtp_url",
                Config {
                    smtp_url: Some("mail.example.com:25".into()),
                    ..base.clone()
                },
            ),
            (
                "mail_from",
                Config {
                    mail_from: "not a mailbox".into(),
                    ..base.clone()
                },
            ),
            (
                "invite_ttl_s",
                Config {
                    invite_ttl_s: 59,
                    ..base.clone()
                },
            ),
            (
                "operator_token",
                Config {
                    operator_token: Some("short".into()),
                    ..base.clone()
                },
            ),
        ] {
            match bad.validate() {
                Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key),
                other => panic!("{key}: {other:?}"),
            }
        }
    }
}
