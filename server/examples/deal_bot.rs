//! A deal bot in a few lines: it connects to the gateway with its bot token
//! (the IDENTIFY token may be a bot token, PROTOCOL.md §7), records a deal
//! win over REST (`Authorization: Bot <token>`), and prints the `deal_win`
//! card the server posts in #deal-wins.
//!
//! ```sh
//! TOKEN=$(./scripts/arena bot create --tenant demo --name deal-bot --channels deal-wins --scopes revenue)
//! ANA=$(./scripts/arena member-id --tenant demo --email ana@demo.test)
//! cargo run -p arena-server --example deal_bot -- http://127.0.0.1:8080 "$TOKEN" "$ANA" crm-7 125000 USD "Harbor Gym"
//! ```

use arena_protocol::client::{ClientOptions, GatewayClient};
use arena_protocol::frame::Identify;
use arena_protocol::Event;
use std::time::Duration;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, token, partner_id, deal_id, amount_minor, currency, client] = args.as_slice() else {
        anyhow::bail!("usage: deal_bot <http base> <bot token> <partner id> <deal id> <amount minor> <currency> <client>");
    };
    let ws_base = base.replacen("http", "ws", 1);
    let mut gw = GatewayClient::connect(&ws_base, ClientOptions::default()).await?;
    let ready = gw
        .identify(Identify {
            token: token.clone(),
            presence: None,
            channels: None,
        })
        .await?;
    println!(
        "identified as {} ({} channels)",
        ready.user.display_name,
        ready.channels.len()
    );

    let body = serde_json::json!({
        "partner_id": partner_id, "client": client, "amount_minor": amount_minor.parse::<i64>()?,
        "currency": currency, "deal_id": deal_id,
    });
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/v1/revenue/deal-wins"))
        .header("authorization", format!("Bot {token}"))
        .json(&body)
        .send()
        .await?;
    let status = resp.status();
    let v: serde_json::Value = resp.json().await?;
    println!("{status}: {v}");
    if status.as_u16() == 201 {
        match gw
            .wait_for(
                Duration::from_secs(10),
                |e| matches!(e, Event::MessageCreate(m) if m.card.is_some()),
            )
            .await
        {
            Ok((_, Event::MessageCreate(m))) => {
                println!("card posted in #deal-wins: {}", m.content)
            }
            other => println!("no card seen: {other:?}"),
        }
    }
    Ok(())
}
