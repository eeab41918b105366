//! The pure rules of experiments: the status machine, the metrics the
//! domain observes, variants and their weights, the stable assignment of a
//! partner to a variant, and the two-proportion z-test.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Variants an experiment has: 2..=5, the first is the control.
pub const MIN_VARIANTS: usize = 2;
pub const MAX_VARIANTS: usize = 5;
/// Largest weight of one variant.
pub const MAX_WEIGHT: u32 = 1000;
/// Longest variant name.
pub const MAX_VARIANT_NAME: usize = 40;

/// Where an experiment is: draft → running → stopped → concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Draft,
    Running,
    Stopped,
    Concluded,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "draft" => Status::Draft,
            "running" => Status::Running,
            "stopped" => Status::Stopped,
            "concluded" => Status::Concluded,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Running => "running",
            Status::Stopped => "stopped",
            Status::Concluded => "concluded",
        }
    }
}

/// A staff move of an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Start,
    Stop,
    Conclude,
}

impl Move {
    /// The status this move goes to from `from`; `Err` names the current
    /// status (`conflict`).
    pub fn apply(self, from: Status) -> Result<Status, String> {
        match (self, from) {
            (Move::Start, Status::Draft) => Ok(Status::Running),
            (Move::Stop, Status::Running) => Ok(Status::Stopped),
            (Move::Conclude, Status::Stopped) => Ok(Status::Concluded),
            (m, s) => Err(format!(
                "the experiment is {}; {} needs it {}",
                s.as_str(),
                m.verb(),
                match m {
                    Move::Start => "draft",
                    Move::Stop => "running",
                    Move::Conclude => "stopped",
                }
            )),
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Move::Start => "start",
            Move::Stop => "stop",
            Move::Conclude => "conclude",
        }
    }
}

/// What counts as a conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// A deal win recorded for the partner (`Signal::DealWon`).
    DealWon,
    /// A course completed by the partner (`Signal::CourseCompleted`).
    CourseCompleted,
    /// A message posted by the partner in the experiment's channel.
    MessagePosted,
}

impl Metric {
    pub fn parse(s: &str) -> Option<Metric> {
        Some(match s {
            "deal_won" => Metric::DealWon,
            "course_completed" => Metric::CourseCompleted,
            "message_posted" => Metric::MessagePosted,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::DealWon => "deal_won",
            Metric::CourseCompleted => "course_completed",
            Metric::MessagePosted => "message_posted",
        }
    }
}

/// One variant: a name and a relative weight (1..=1000).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Variant {
    pub name: String,
    pub weight: u32,
}

/// Checks a list of variants: 2..=5, names 1..=40 characters without
/// control characters and distinct (case-insensitive), weights 1..=1000.
pub fn check_variants(vs: &[Variant]) -> Result<(), String> {
    if !(MIN_VARIANTS..=MAX_VARIANTS).contains(&vs.len()) {
        return Err(format!(
            "an experiment has {MIN_VARIANTS} to {MAX_VARIANTS} variants"
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for v in vs {
        let n = v.name.trim();
        if n.is_empty() || n.chars().count() > MAX_VARIANT_NAME || n.chars().any(char::is_control) {
            return Err(format!(
                "a variant name is 1..{MAX_VARIANT_NAME} characters on one line"
            ));
        }
        if !seen.insert(n.to_lowercase()) {
            return Err(format!("variant {n:?} is named twice"));
        }
        if !(1..=MAX_WEIGHT).contains(&v.weight) {
            return Err(format!("variant {n:?}: a weight is 1..{MAX_WEIGHT}"));
        }
    }
    Ok(())
}

/// Parses `"A:50, B:50"` (a form's text field): names with optional
/// `:weight` (default 1), separated by commas.
pub fn parse_variants(text: &str) -> Result<Vec<Variant>, String> {
    let vs = text
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| match p.rsplit_once(':') {
            Some((name, w)) => w
                .trim()
                .parse::<u32>()
                .map(|weight| Variant {
                    name: name.trim().to_owned(),
                    weight,
                })
                .map_err(|_| {
                    format!(
                        "{:?}: the weight after ':' must be a whole number",
                        p.trim()
                    )
                }),
            None => Ok(Variant {
                name: p.trim().to_owned(),
                weight: 1,
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_variants(&vs)?;
    Ok(vs)
}

/// The variant `partner` gets in `experiment`: the first 8 bytes of
/// SHA-256(experiment id ‖ partner id, both big-endian i64) as a u64,
/// modulo the total weight, mapped onto the variants' cumulative weights.
/// Deterministic: the same pair always answers the same variant. `None`
/// only for an empty list.
pub fn assign(experiment: i64, partner: i64, variants: &[Variant]) -> Option<&Variant> {
    let total: u64 = variants.iter().map(|v| u64::from(v.weight)).sum();
    if total == 0 {
        return None;
    }
    let mut h = Sha256::new();
    h.update(experiment.to_be_bytes());
    h.update(partner.to_be_bytes());
    let d = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&d[..8]);
    let mut point = u64::from_be_bytes(first) % total;
    for v in variants {
        let w = u64::from(v.weight);
        if point < w {
            return Some(v);
        }
        point -= w;
    }
    variants.last()
}

/// The two-sided p-value of the pooled two-proportion z-test of
/// `x1/n1` (control) against `x2/n2`: z = (p2 − p1) / √(p(1−p)(1/n1+1/n2))
/// with p = (x1+x2)/(n1+n2), p-value = erfc(|z|/√2). `None` when a sample
/// is empty or the pooled rate is 0 or 1 (no variance: no test).
pub fn z_test(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<(f64, f64)> {
    if n1 == 0 || n2 == 0 || x1 > n1 || x2 > n2 {
        return None;
    }
    let (x1, n1, x2, n2) = (x1 as f64, n1 as f64, x2 as f64, n2 as f64);
    let p = (x1 + x2) / (n1 + n2);
    let se = (p * (1.0 - p) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 || !se.is_finite() {
        return None;
    }
    let z = (x2 / n2 - x1 / n1) / se;
    Some((z, libm::erfc(z.abs() / std::f64::consts::SQRT_2)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ab(a: u32, b: u32) -> Vec<Variant> {
        vec![
            Variant {
                name: "A".into(),
                weight: a,
            },
            Variant {
                name: "B".into(),
                weight: b,
            },
        ]
    }

    #[test]
    fn moves_follow_the_machine() {
        assert_eq!(Move::Start.apply(Status::Draft), Ok(Status::Running));
        assert_eq!(Move::Stop.apply(Status::Running), Ok(Status::Stopped));
        assert_eq!(Move::Conclude.apply(Status::Stopped), Ok(Status::Concluded));
        let e = Move::Start.apply(Status::Running).unwrap_err();
        assert!(e.contains("is running"), "{e}");
        assert!(Move::Conclude.apply(Status::Running).is_err());
        assert!(Move::Stop.apply(Status::Concluded).is_err());
    }

    #[test]
    fn variants_are_parsed_and_checked() {
        assert_eq!(parse_variants("A:50, B:50").unwrap(), ab(50, 50));
        assert_eq!(parse_variants("A,B").unwrap(), ab(1, 1));
        assert!(parse_variants("A").is_err());
        assert!(parse_variants("A,a").is_err());
        assert!(parse_variants("A:0,B").is_err());
        assert!(parse_variants("A:x,B").is_err());
        assert!(parse_variants("A,B,C,D,E,F").is_err());
    }

    #[test]
    fn assignment_is_stable_and_follows_the_weights() {
        let vs = ab(1, 3);
        // The same pair always gets the same variant, by the documented hash.
        let first = assign(42, 7, &vs).unwrap().clone();
        for _ in 0..3 {
            assert_eq!(assign(42, 7, &vs).unwrap(), &first);
        }
        let mut h = Sha256::new();
        h.update(42i64.to_be_bytes());
        h.update(7i64.to_be_bytes());
        let d = h.finalize();
        let point = u64::from_be_bytes(d[..8].try_into().unwrap()) % 4;
        assert_eq!(first.name, if point < 1 { "A" } else { "B" });
        // Over many partners the split follows the weights 1:3.
        let b = (0..4000)
            .filter(|p| assign(9, *p, &vs).unwrap().name == "B")
            .count();
        assert!((2800..3200).contains(&b), "{b} of 4000 in B");
        assert!(assign(1, 1, &[]).is_none());
    }

    #[test]
    fn z_test_matches_a_hand_computed_value() {
        // 200/1000 vs 250/1000: p = 0.225, se = √(0.225·0.775·0.002)
        // = 0.0186748, z = 0.05/0.0186748 = 2.67741, p-value = 2(1 − Φ(2.67741)) = 0.007419.
        let (z, p) = z_test(200, 1000, 250, 1000).unwrap();
        assert!((z - 2.67741).abs() < 1e-4, "{z}");
        assert!((p - 0.007419).abs() < 1e-5, "{p}");
        // Symmetric, and no test without variance or samples.
        let (z2, p2) = z_test(250, 1000, 200, 1000).unwrap();
        assert!((z2 + z).abs() < 1e-12 && (p2 - p).abs() < 1e-12);
        assert!(z_test(0, 10, 0, 10).is_none());
        assert!(z_test(1, 0, 1, 10).is_none());
    }
}
