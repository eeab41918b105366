//! Unit tests of the settings' validation.

use super::*;

#[test]
fn the_node_timing_is_checked() {
    let base = Config {
        jwt_secret: "test-secret-abcdefghijklmnop".into(),
        ..Config::default()
    };
    assert!(base.validate().is_ok(), "defaults 3000 / 10000");
    let with = |hb: u64, ttl: u64| Config {
        node_heartbeat_ms: hb,
        node_ttl_ms: ttl,
        ..base.clone()
    };
    assert!(with(200, 400).validate().is_ok());
    assert!(with(99, 1000).validate().is_err(), "heartbeat below 100 ms");
    assert!(
        with(3000, 5999).validate().is_err(),
        "TTL below two heartbeats"
    );
}

#[test]
fn the_language_model_settings_are_checked() {
    let ok = |c: &Config| c.validate().is_ok();
    let base = Config {
        jwt_secret: "test-secret-abcdefghijklmnop-0123456789".into(),
        ..Config::default()
    };
    assert!(ok(&base), "no model: fine");
    let with = |url: &str, model: Option<&str>| Config {
        llm_url: Some(url.into()),
        llm_model: model.map(Into::into),
        ..base.clone()
    };
    assert!(ok(&with("https://api.openai.com/v1", Some("gpt-4o-mini"))));
    assert!(ok(&with("http://127.0.0.1:11434/v1", Some("llama3"))));
    for bad in [
        with("ftp://example.com", Some("m")),
        with("not a url", Some("m")),
        with("https://api.openai.com/v1", None),
        with("https://api.openai.com/v1", Some(" ")),
        Config {
            llm_api_key: Some(String::new()),
            ..base.clone()
        },
    ] {
        assert!(!ok(&bad), "{:?} {:?}", bad.llm_url, bad.llm_model);
    }
}

#[test]
fn serving_needs_a_strong_secret_unless_in_development() {
    let strong = "0123456789abcdef0123456789abcdef";
    let with = |secret: &str, previous: Option<&str>, dev: bool| Config {
        jwt_secret: secret.into(),
        jwt_previous_secret: previous.map(Into::into),
        dev,
        ..Config::default()
    };
    assert!(
        Config::default().check_secret().is_err(),
        "the default secret"
    );
    assert!(with("short-secret-0123456789", None, false)
        .check_secret()
        .is_err());
    assert!(with(strong, None, false).check_secret().is_ok());
    assert!(with(strong, Some("short-previous-0123"), false)
        .check_secret()
        .is_err());
    assert!(with(strong, Some(strong), false).check_secret().is_ok());
    assert!(with(DEV_SECRET, None, true).check_secret().is_ok());
    assert!(with("short-secret-0123456789", None, true)
        .check_secret()
        .is_ok());
}

#[test]
fn every_setting_can_come_from_the_environment() {
    let v = serde_json::to_value(Config::default()).expect("serializes");
    for key in v.as_object().expect("a map").keys() {
        assert!(KEYS.contains(&key.as_str()), "{key} is missing from KEYS");
    }
}
