//! Panels within one frame (issue 12 item 1, for `panel.get`,
//! `panel.action` and PANEL_UPDATE): a panel's data whose JSON passes the
//! budget has its longest lists (table rows, board cards, feed items …) cut
//! in halves, largest first, until it fits, and a closing text block says
//! how many entries were left out. Nothing else changes, so a small panel is
//! untouched and a large one still answers instead of failing the frame.

use serde_json::Value;

/// The panel-data budget for frames of at most `max_frame` bytes: room is
/// left for the envelope (op, request id, panel kind and version).
pub fn budget(max_frame: usize) -> usize {
    max_frame.saturating_sub(8 * 1024).max(4 * 1024)
}

/// Cuts `data` to at most `budget` bytes of JSON (see the module doc);
/// returns how many list entries were left out (0: unchanged).
pub fn fit(data: &mut Value, budget: usize) -> usize {
    let mut dropped = 0;
    while size(data) > budget {
        let Some(list) = longest_list(data) else {
            break;
        };
        let keep = list.len() / 2;
        dropped += list.len() - keep;
        list.truncate(keep);
    }
    if dropped > 0 {
        if let Some(blocks) = data.get_mut("blocks").and_then(Value::as_array_mut) {
            blocks.push(serde_json::json!({
                "type": "text",
                "text": format!("{dropped} entries are not shown here, to keep this panel within one frame: narrow the filters or use the REST API."),
            }));
        }
    }
    dropped
}

fn size(v: &Value) -> usize {
    serde_json::to_vec(v).map_or(usize::MAX, |b| b.len())
}

/// The list to cut: from the top, step into the largest part while one
/// part holds at least half of what is here; the first list of more than
/// one entry without such a dominant entry is the one (its entries are many
/// comparable items: table rows, cards, feed items).
fn longest_list(v: &mut Value) -> Option<&mut Vec<Value>> {
    let mut at = v;
    loop {
        let total = size(at);
        let largest = match &*at {
            Value::Array(a) => a.iter().enumerate().map(|(i, e)| (size(e), i)).max(),
            Value::Object(o) => o.values().enumerate().map(|(i, e)| (size(e), i)).max(),
            _ => return None,
        };
        let (biggest, i) = largest?;
        if matches!(at, Value::Array(a) if a.len() > 1) && biggest < total / 2 {
            return at.as_array_mut();
        }
        at = match at {
            Value::Array(a) => a.get_mut(i)?,
            Value::Object(o) => o.values_mut().nth(i)?,
            _ => return None,
        };
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table(rows: usize) -> Value {
        let rows: Vec<Value> = (0..rows)
            .map(|i| json!([format!("partner {i}"), "x".repeat(100)]))
            .collect();
        json!({ "blocks": [ { "type": "text", "text": "head" },
                            { "type": "table", "columns": ["a", "b"], "rows": rows } ] })
    }

    #[test]
    fn a_small_panel_is_untouched() {
        let mut d = table(10);
        let before = d.clone();
        assert_eq!(fit(&mut d, 64 * 1024), 0);
        assert_eq!(d, before);
    }

    #[test]
    fn a_large_table_is_halved_until_it_fits_and_says_so() {
        let mut d = table(5000);
        let dropped = fit(&mut d, 64 * 1024);
        assert!(size(&d) <= 64 * 1024, "{}", size(&d));
        let rows = d["blocks"][1]["rows"].as_array().unwrap().len();
        assert_eq!(rows + dropped, 5000);
        // Halving keeps at least half of what would fit (about 540 rows here).
        assert!(rows >= 270, "kept too little: {rows}");
        let note = d["blocks"].as_array().unwrap().last().unwrap()["text"]
            .as_str()
            .unwrap();
        assert!(note.starts_with(&format!("{dropped} entries")), "{note}");
    }

    #[test]
    fn the_budget_leaves_room_for_the_envelope() {
        assert_eq!(budget(256 * 1024), 248 * 1024);
        assert_eq!(budget(1000), 4 * 1024);
    }
}
