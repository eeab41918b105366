//! Reply byte budgets (issue 12 items 1 and 8): a reply that lists items
//! (history, log events, members, presences, READY's presences) holds them
//! while their encoded size fits the budget, and ends before the item that
//! would pass it, saying there is more (`has_more`). So every reply fits
//! the socket's write buffer however large the items are, as Discord pages
//! guild members instead of sending them whole.

use arena_protocol::frame::encoded_len;
use arena_protocol::Encoding;
use serde::Serialize;

/// Bytes kept out of a budget for the frame around the items: the RESPONSE
/// envelope (`op`, request id up to 64 bytes, `ok`) and a page's own fields
/// (`last_seq`, `has_more`).
pub const ENVELOPE: usize = 512;

/// The bytes left for the items of one reply in one encoding.
#[derive(Debug, Clone, Copy)]
pub struct ReplyBudget {
    enc: Encoding,
    left: usize,
    taken: usize,
}

impl ReplyBudget {
    /// The budget of a whole frame of `frame_bytes` (`reply_budget_bytes`) in
    /// `enc`, less [`ENVELOPE`].
    pub fn new(enc: Encoding, frame_bytes: usize) -> Self {
        ReplyBudget {
            enc,
            left: frame_bytes.saturating_sub(ENVELOPE),
            taken: 0,
        }
    }

    /// Takes `item` into the page if its encoded size (plus one byte of
    /// separator) still fits, and returns true; false when the page must end
    /// before it. The first item always fits, so a page always makes
    /// progress (one item is far below the budget: a message is at most
    /// `max_content_chars` characters).
    pub fn admit<T: Serialize>(&mut self, item: &T) -> bool {
        let n = encoded_len(self.enc, item)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        if self.taken > 0 && n > self.left {
            return false;
        }
        self.left = self.left.saturating_sub(n);
        self.taken += 1;
        true
    }

    /// Takes the same bytes as `item` out of the budget without listing it
    /// (parts of a frame that are not the page, e.g. READY's channels).
    pub fn reserve<T: Serialize>(&mut self, item: &T) {
        let n = encoded_len(self.enc, item).unwrap_or(usize::MAX);
        self.left = self.left.saturating_sub(n);
    }

    /// Keeps the longest prefix of `items` that fits; true when some were cut.
    pub fn fit<T: Serialize>(&mut self, items: &mut Vec<T>) -> bool {
        let keep = items.iter().take_while(|i| self.admit(*i)).count();
        let cut = keep < items.len();
        items.truncate(keep);
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_ends_before_the_item_that_would_pass_the_budget() {
        let item = "x".repeat(1000);
        let mut items = vec![item.clone(); 10];
        // 1002 bytes of JSON string plus a separator each: four fit in 4,600.
        let mut b = ReplyBudget::new(Encoding::Json, 4600 + ENVELOPE);
        assert!(b.fit(&mut items));
        assert_eq!(items.len(), 4);
        let mut few = vec![item.clone(); 2];
        let mut b = ReplyBudget::new(Encoding::Json, 4600 + ENVELOPE);
        assert!(!b.fit(&mut few), "nothing cut");
        assert_eq!(few.len(), 2);
    }

    #[test]
    fn the_first_item_always_fits() {
        let mut items = vec!["y".repeat(10_000), "z".into()];
        let mut b = ReplyBudget::new(Encoding::MsgPack, 1024);
        assert!(b.fit(&mut items));
        assert_eq!(items.len(), 1);
    }
}
