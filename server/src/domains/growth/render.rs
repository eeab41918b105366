//! Campaign script templates: `{{lead.name}}`-style placeholders replaced
//! deterministically (one pass, left to right; replaced text is never read
//! again, so a value containing `{{…}}` stays as written).

use arena_protocol::{ErrorBody, ErrorCode};

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 7] = [
    "lead.name",
    "lead.first_name",
    "lead.company",
    "lead.email",
    "lead.phone",
    "partner.name",
    "campaign.name",
];

/// What the placeholders stand for.
#[derive(Debug, Clone, Default)]
pub struct Values<'a> {
    pub lead_name: &'a str,
    pub lead_company: &'a str,
    pub lead_email: &'a str,
    pub lead_phone: &'a str,
    pub partner_name: &'a str,
    pub campaign_name: &'a str,
}

impl Values<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        Some(match key {
            "lead.name" => self.lead_name,
            "lead.first_name" => self.lead_name.split_whitespace().next().unwrap_or(""),
            "lead.company" => self.lead_company,
            "lead.email" => self.lead_email,
            "lead.phone" => self.lead_phone,
            "partner.name" => self.partner_name,
            "campaign.name" => self.campaign_name,
            _ => return None,
        })
    }
}

/// Every placeholder of `t` is known: `bad_request` naming the first unknown
/// one (or an unclosed `{{`).
pub fn check(field: &str, t: &str) -> Result<(), ErrorBody> {
    let mut rest = t;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            return Err(ErrorBody::new(
                ErrorCode::BadRequest,
                format!("{field}: a {{{{ is not closed"),
            ));
        };
        let key = after[..j].trim();
        if !PLACEHOLDERS.contains(&key) {
            return Err(ErrorBody::new(
                ErrorCode::BadRequest,
                format!(
                    "{field}: unknown placeholder {{{{{key}}}}} (known: {})",
                    PLACEHOLDERS.join(", ")
                ),
            ));
        }
        rest = &after[j + 2..];
    }
    Ok(())
}

/// `t` with each known placeholder replaced by its value; unknown ones stay.
pub fn render(t: &str, v: &Values<'_>) -> String {
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find("}}") {
            Some(j) => {
                match v.get(after[..j].trim()) {
                    Some(val) => out.push_str(val),
                    None => out.push_str(&rest[i..i + 2 + j + 2]),
                }
                rest = &after[j + 2..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_once_and_checked() {
        let v = Values {
            lead_name: "Maya Lopez",
            lead_company: "{{partner.name}}",
            partner_name: "Ana",
            ..Values::default()
        };
        assert_eq!(
            render(
                "Hi {{lead.first_name}}, {{ partner.name }} here about {{lead.company}}.",
                &v
            ),
            "Hi Maya, Ana here about {{partner.name}}."
        );
        assert_eq!(render("{{nope}} and {{", &v), "{{nope}} and {{");
        assert!(check("template", "Hi {{lead.name}}").is_ok());
        let e = check("template", "Hi {{lead.age}}").expect_err("unknown");
        assert!(e.message.contains("lead.age"), "{e:?}");
        assert!(check("template", "Hi {{lead.name").is_err());
    }
}
