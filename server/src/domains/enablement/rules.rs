//! The enablement domain's pure rules: when a course is passed, which
//! module comes next, how long a weekly streak is, and the bounds of what
//! staff and partners type in.

use arena_protocol::{ErrorBody, ErrorCode};
use time::Date;

/// Longest course or module title, characters.
pub const MAX_TITLE: usize = 120;
/// Longest course summary, characters.
pub const MAX_SUMMARY: usize = 1000;
/// Longest module body, characters.
pub const MAX_BODY: usize = 4000;
/// Most modules in a course.
pub const MAX_MODULES: usize = 30;
/// Longest client name on an SOP board, characters.
pub const MAX_CLIENT: usize = 80;
/// Most SOP clients per partner.
pub const MAX_CLIENTS: usize = 50;
/// Most courses a tenant may have.
pub const MAX_COURSES: i64 = 200;

/// A course is passed when it has modules, every one is done, and, when it
/// has a pass mark, the submitted score reaches it.
pub fn passed(total: i64, done: i64, pass_mark: Option<i32>, score: Option<i32>) -> bool {
    total > 0
        && done >= total
        && match pass_mark {
            None => true,
            Some(m) => score.is_some_and(|s| s >= m),
        }
}

/// The first module (by position) not in `done`: modules are taken in order.
pub fn next_module<'a, M>(
    modules: impl IntoIterator<Item = &'a M>,
    id: impl Fn(&M) -> i64,
    done: impl Fn(i64) -> bool,
) -> Option<&'a M>
where
    M: 'a,
{
    modules.into_iter().find(|m| !done(id(m)))
}

/// Consecutive ISO weeks with activity, counted back from the current week
/// (or from last week while the current one has none yet). `weeks` are the
/// Mondays of active weeks, in any order; `today` is the current date.
pub fn streak(weeks: &[Date], today: Date) -> u32 {
    let monday = today - time::Duration::days(i64::from(today.weekday().number_days_from_monday()));
    let active = |d: Date| weeks.contains(&d);
    let mut week = if active(monday) {
        monday
    } else {
        monday - time::Duration::weeks(1)
    };
    let mut n = 0;
    while active(week) {
        n += 1;
        week -= time::Duration::weeks(1);
    }
    n
}

/// Checks a stored string: trimmed, 1..=`max` characters (0.. when
/// `optional`), no control characters but `\n` and `\t` (`multiline`).
pub fn text(
    field: &str,
    value: &str,
    max: usize,
    optional: bool,
    multiline: bool,
) -> Result<String, ErrorBody> {
    let v = value.trim();
    let n = v.chars().count();
    let min = usize::from(!optional);
    let bad_char = v
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t')));
    if n < min || n > max || bad_char {
        return Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!(
                "{field} must be {min}..{max} characters{}",
                if multiline {
                    " (no control characters but newlines and tabs)"
                } else {
                    " without control characters"
                }
            ),
        ));
    }
    Ok(v.to_owned())
}

/// A pass mark: 1..100 percent.
pub fn pass_mark(v: i64) -> Result<i32, ErrorBody> {
    if (1..=100).contains(&v) {
        Ok(v as i32)
    } else {
        Err(ErrorBody::new(
            ErrorCode::BadRequest,
            "pass_mark must be 1..100 (percent)",
        ))
    }
}

/// A quiz score: 0..100 percent.
pub fn score(v: i64) -> Result<i32, ErrorBody> {
    if (0..=100).contains(&v) {
        Ok(v as i32)
    } else {
        Err(ErrorBody::new(
            ErrorCode::BadRequest,
            "score must be 0..100 (percent)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_course_passes_with_every_module_and_the_pass_mark() {
        assert!(passed(3, 3, None, None));
        assert!(!passed(3, 2, None, None));
        assert!(!passed(0, 0, None, None), "a course without modules");
        assert!(!passed(3, 3, Some(80), None), "no score yet");
        assert!(!passed(3, 3, Some(80), Some(79)));
        assert!(passed(3, 3, Some(80), Some(80)));
        assert!(!passed(3, 2, Some(80), Some(100)));
    }

    #[test]
    fn modules_come_in_order() {
        let modules = [(1, 10), (2, 20), (3, 30)];
        let next = next_module(&modules, |m| m.1, |id| id == 10);
        assert_eq!(next, Some(&(2, 20)));
        assert_eq!(next_module(&modules, |m| m.1, |_| true), None);
    }

    #[test]
    fn streaks_count_back_from_this_or_last_week() {
        // 2026-11-25 is a Wednesday; its week starts on Monday 2026-11-23.
        let today = date!(2026 - 11 - 25);
        let w = |d: Date| d;
        let weeks = [
            w(date!(2026 - 11 - 23)),
            w(date!(2026 - 11 - 16)),
            w(date!(2026 - 11 - 09)),
            w(date!(2026 - 11 - 02)),
            w(date!(2026 - 10 - 19)),
        ];
        assert_eq!(streak(&weeks, today), 4);
        // Nothing yet this week: the streak up to last week still counts.
        assert_eq!(streak(&weeks[1..], today), 3);
        // A gap of a whole week ends it.
        assert_eq!(streak(&weeks[2..], today), 0);
        assert_eq!(streak(&[], today), 0);
    }

    #[test]
    fn text_is_bounded_and_clean() {
        assert_eq!(
            text("title", "  Intro ", 10, false, false).ok(),
            Some("Intro".into())
        );
        assert!(text("title", "", 10, false, false).is_err());
        assert!(text("summary", "", 10, true, false).is_ok());
        assert!(text("title", "a\u{0}b", 10, false, false).is_err());
        assert!(text("body", "a\nb", 10, false, true).is_ok());
        assert!(text("title", "a\nb", 10, false, false).is_err());
        assert!(text("title", &"x".repeat(11), 10, false, false).is_err());
        assert!(pass_mark(0).is_err() && pass_mark(101).is_err() && pass_mark(80).is_ok());
        assert!(score(-1).is_err() && score(0).is_ok());
    }
}
