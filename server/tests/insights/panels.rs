//! Every insights panel answers `panel.get` with a real panel for a
//! partner and for staff.

use super::common::*;
use super::helpers::*;
use arena_protocol::Encoding;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_insights_panel_answers_for_a_partner_and_for_staff() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::MsgPack).await;
    let id = |k: &str| channel(&ready, k).id;

    let p = panel(&mut staff, id("analytics")).await;
    let types = block_types(&p);
    for t in ["figures", "chart", "table", "actions", "form", "activity"] {
        assert!(
            types.iter().any(|x| x == t),
            "staff #analytics lacks {t}: {p}"
        );
    }
    assert!(p.to_string().contains("\"kind\":\"line\""), "{p}");
    let p = panel(&mut ana, id("analytics")).await;
    assert!(block_types(&p).contains(&"figures".to_owned()), "{p}");
    assert!(!p.to_string().contains("Snapshot now"), "{p}");

    for who in [&mut staff, &mut ana] {
        let p = panel(who, id("analytics-dashboard")).await;
        assert!(p.to_string().contains("\"funnel\""), "{p}");
        assert!(block_types(&p).contains(&"form".to_owned()), "{p}");
    }

    // The seeded running experiment: staff see results, ana can join it.
    let p = panel(&mut staff, id("analytics-experiments")).await;
    let text = p.to_string();
    assert!(
        text.contains("Guided onboarding path") && text.contains("\"bar\""),
        "{p}"
    );
    assert!(block_types(&p).contains(&"form".to_owned()));
    let p = panel(&mut ana, id("analytics-experiments")).await;
    assert!(
        p.to_string().contains("Join “Guided onboarding path”"),
        "{p}"
    );
    assert!(!block_types(&p).contains(&"form".to_owned()), "{p}");
}
