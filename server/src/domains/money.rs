//! Money as partners read it: integers in minor units with an ISO 4217
//! currency, formatted with two decimals (every currency Arena reports in today
//! has two; see ISO 4217's minor unit column before adding one that has not).

/// Formats minor units with two decimals, thousands grouped, and the ISO
/// currency code, e.g. `480000, "USD"` → `4,800.00 USD`.
pub fn money(minor: i64, currency: &str) -> String {
    let major = (minor / 100).unsigned_abs();
    let cents = (minor % 100).unsigned_abs();
    let digits = major.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{grouped}.{cents:02} {currency}")
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_groups_and_pads() {
        assert_eq!(money(480000, "USD"), "4,800.00 USD");
        assert_eq!(money(5, "EUR"), "0.05 EUR");
        assert_eq!(money(123456789, "GBP"), "1,234,567.89 GBP");
        assert_eq!(money(-150, "USD"), "-1.50 USD");
        assert_eq!(money(i64::MIN, "USD"), "-92,233,720,368,547,758.08 USD");
    }
}
