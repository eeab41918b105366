//! Every REQUEST method's params and every result round-trip through REQUEST
//! and RESPONSE frames in JSON and MessagePack and parse back to the same
//! [`Method`]; unknown methods and bad params are `bad_request`.

mod common;

use arena_protocol::request::{
    ChannelAck, ChannelEvents, ChannelHistory, ChannelPatch, ChannelRef, Empty, EventsResult,
    HistoryResult, MemberList, MemberPage, MessageCreate, MessageEdit, MessageRef, Method,
    ModerationKick, ModerationTimeout, PanelAction, PanelResult, PresenceList, ReactionParams,
    Request, Response,
};
use arena_protocol::{ClientFrame, ErrorCode, ServerFrame};
use common::wire::*;
use common::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;
use std::fmt::Debug;

/// Sends `params` through a REQUEST frame in both encodings, parses it back with
/// [`Method::parse`], and returns the parsed method for comparison.
fn request_round_trip<P: Serialize>(method: &str, params: &P) -> Method {
    let params = serde_json::to_value(params).expect("params");
    let frame = ClientFrame::Request(Box::new(Request {
        id: "42".into(),
        method: method.into(),
        params,
    }));
    check_client(frame.clone());
    let mut parsed = Vec::new();
    for enc in BOTH {
        let ClientFrame::Request(r) =
            ClientFrame::decode(enc, &frame.encode(enc).expect("enc")).expect("dec")
        else {
            panic!("not a request")
        };
        parsed.push(Method::parse(&r.method, r.params).unwrap_or_else(|e| panic!("{method}: {e}")));
    }
    assert_eq!(parsed[0], parsed[1]);
    parsed.remove(0)
}

/// Sends `result` through a RESPONSE frame in both encodings and decodes it as `T` again.
fn result_round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(result: T) {
    let frame = ServerFrame::Response(Box::new(Response::ok(
        "42".into(),
        serde_json::to_value(&result).expect("v"),
    )));
    check_server(frame.clone());
    for enc in BOTH {
        let ServerFrame::Response(r) =
            ServerFrame::decode(enc, &frame.encode(enc).expect("enc")).expect("dec")
        else {
            panic!("not a response")
        };
        let back: T = serde_json::from_value(r.result.expect("result")).expect("typed result");
        assert_eq!(back, result);
    }
}

#[test]
fn every_request_and_result_round_trips() {
    let create = MessageCreate {
        channel_id: id(10),
        content: "hello".into(),
        card: message().card,
        reply_to: Some(id(98)),
        nonce: Some("n1".into()),
    };
    assert_eq!(
        request_round_trip("message.create", &create),
        Method::MessageCreate(create)
    );
    result_round_trip(message());

    let edit = MessageEdit {
        message_id: id(100),
        content: "edited".into(),
    };
    assert_eq!(
        request_round_trip("message.edit", &edit),
        Method::MessageEdit(edit)
    );
    result_round_trip(plain_message());

    let r = MessageRef {
        message_id: id(100),
    };
    assert_eq!(
        request_round_trip("message.delete", &r),
        Method::MessageDelete(r.clone())
    );
    assert_eq!(
        request_round_trip("message.pin", &r),
        Method::MessagePin(r.clone())
    );
    assert_eq!(
        request_round_trip("message.unpin", &r),
        Method::MessageUnpin(r)
    );
    result_round_trip(Empty {});

    let re = ReactionParams {
        message_id: id(100),
        emoji: "🎉".into(),
    };
    assert_eq!(
        request_round_trip("reaction.add", &re),
        Method::ReactionAdd(re.clone())
    );
    assert_eq!(
        request_round_trip("reaction.remove", &re),
        Method::ReactionRemove(re)
    );

    let c = ChannelRef { channel_id: id(10) };
    assert_eq!(
        request_round_trip("typing.start", &c),
        Method::TypingStart(c.clone())
    );
    assert_eq!(request_round_trip("panel.get", &c), Method::PanelGet(c));
    result_round_trip(PanelResult { panel: panel() });

    let h = ChannelHistory {
        channel_id: id(10),
        before: Some(id(100)),
        after: None,
        limit: Some(50),
    };
    assert_eq!(
        request_round_trip("channel.history", &h),
        Method::ChannelHistory(h)
    );
    let h = ChannelHistory {
        channel_id: id(10),
        before: None,
        after: Some(id(1)),
        limit: None,
    };
    assert_eq!(
        request_round_trip("channel.history", &h),
        Method::ChannelHistory(h)
    );
    result_round_trip(HistoryResult {
        messages: vec![message(), plain_message()],
        has_more: true,
    });

    let ev = ChannelEvents {
        channel_id: id(10),
        after_seq: 40,
        limit: Some(1000),
    };
    assert_eq!(
        request_round_trip("channel.events", &ev),
        Method::ChannelEvents(ev)
    );
    result_round_trip(EventsResult {
        events: all_events()
            .into_iter()
            .filter(|e| e.channel_seq().is_some())
            .map(|e| {
                let mut buf = Vec::new();
                e.serialize_data(&mut serde_json::Serializer::new(&mut buf))
                    .expect("ser");
                arena_protocol::event::LoggedEvent {
                    t: e.name().into(),
                    d: serde_json::from_slice(&buf).expect("json"),
                }
            })
            .collect(),
        last_seq: 47,
        has_more: false,
    });

    let ack = ChannelAck {
        channel_id: id(10),
        message_id: id(100),
    };
    assert_eq!(
        request_round_trip("channel.ack", &ack),
        Method::ChannelAck(ack)
    );

    let pa = PanelAction {
        channel_id: id(11),
        action: "refresh".into(),
        params: json!({"period": "Q4"}),
    };
    assert_eq!(
        request_round_trip("panel.action", &pa),
        Method::PanelAction(pa)
    );

    assert_eq!(
        request_round_trip("presence.list", &Empty {}),
        Method::PresenceList(MemberPage::default())
    );
    result_round_trip(PresenceList {
        presences: vec![presence()],
        has_more: false,
    });

    assert_eq!(
        request_round_trip("member.list", &Empty {}),
        Method::MemberList(MemberPage::default())
    );
    let page = MemberPage {
        after: Some(id(7)),
        limit: Some(2),
    };
    assert_eq!(
        request_round_trip("member.list", &page),
        Method::MemberList(page)
    );
    result_round_trip(MemberList {
        members: vec![user(), staff()],
        has_more: true,
    });

    let patch = ChannelPatch {
        channel_id: id(10),
        slow_mode_s: Some(30),
        locked: Some(true),
        topic: Some("t".into()),
    };
    assert_eq!(
        request_round_trip("channel.update", &patch),
        Method::ChannelUpdate(patch)
    );
    result_round_trip(channel());

    let to = ModerationTimeout {
        user_id: id(1),
        minutes: 10,
        reason: "spam".into(),
    };
    assert_eq!(
        request_round_trip("moderation.timeout", &to),
        Method::ModerationTimeout(to)
    );
    result_round_trip(json!({"muted_until": "2026-11-22T04:00:00Z"}));

    let kick = ModerationKick {
        user_id: id(1),
        reason: "abuse".into(),
    };
    assert_eq!(
        request_round_trip("moderation.kick", &kick),
        Method::ModerationKick(kick)
    );
}

#[test]
fn unknown_method_and_bad_params_are_bad_request() {
    let e = Method::parse("message.nuke", json!({})).expect_err("unknown");
    assert_eq!(e.code, ErrorCode::BadRequest);
    let e =
        Method::parse("message.create", json!({"channel_id": "x", "content": 1})).expect_err("bad");
    assert_eq!(e.code, ErrorCode::BadRequest);
    let e = Method::parse(
        "message.create",
        json!({"channel_id": "1", "content": "a", "extra": 1}),
    )
    .expect_err("unk");
    assert_eq!(e.code, ErrorCode::BadRequest);
}
