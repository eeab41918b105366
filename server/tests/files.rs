//! Uploaded files end to end: the type is decided from the bytes, the size
//! is bounded, and a file is served to its uploader and staff of its
//! tenant only, never to another partner or another tenant.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::Value;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";

async fn upload(
    s: &TestServer,
    token: &str,
    name: &str,
    ctype: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let r = s
        .http()
        .post(s.url(&format!("/api/v1/files?name={name}")))
        .bearer_auth(token)
        .header("content-type", ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn download(s: &TestServer, token: &str, id: &str) -> reqwest::Response {
    s.http()
        .get(s.url(&format!("/api/v1/files/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_file_is_served_to_its_uploader_and_staff_only() {
    let (_db, s) = setup().await;
    let ana = s.demo_token(ANA).await;
    let (status, f) = upload(
        &s,
        &ana,
        "agreement.pdf",
        "application/octet-stream",
        PDF.to_vec(),
    )
    .await;
    assert_eq!(status, 201, "{f}");
    assert_eq!(f["content_type"], "application/pdf", "type from the bytes");
    assert_eq!(f["size"], PDF.len());
    let id = f["id"].as_str().unwrap().to_owned();

    let r = download(&s, &ana, &id).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(&r.bytes().await.unwrap()[..], PDF);

    let staff = s.demo_token(STAFF).await;
    assert_eq!(download(&s, &staff, &id).await.status(), 200);
    let ben = s.demo_token(BEN).await;
    assert_eq!(
        download(&s, &ben, &id).await.status(),
        404,
        "another partner"
    );
    let zoe = s.demo_token(ZOE).await;
    assert_eq!(
        download(&s, &zoe, &id).await.status(),
        404,
        "another tenant"
    );
}

#[tokio::test]
async fn uploads_are_checked_for_type_size_and_name() {
    let (_db, s) = setup().await;
    let ana = s.demo_token(ANA).await;
    let (status, body) = upload(
        &s,
        &ana,
        "tool.exe",
        "application/pdf",
        b"MZ\x90\0\x03\0\0\0\x04\0\0\0".to_vec(),
    )
    .await;
    assert_eq!(status, 415, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not accepted"));
    let (status, _) = upload(&s, &ana, "notes.txt", "text/plain", b"a\0b".to_vec()).await;
    assert_eq!(status, 415, "NUL in text");
    let (status, f) = upload(
        &s,
        &ana,
        "leads.csv",
        "text/csv",
        b"name,city\nHarbor Gym,Porto\n".to_vec(),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(f["content_type"], "text/csv");
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let (status, _) = upload(&s, &ana, "big.txt", "text/plain", big).await;
    assert_eq!(status, 413);
    let (status, _) = upload(&s, &ana, "..%2Fetc%2Fpasswd", "text/plain", b"x".to_vec()).await;
    assert_eq!(status, 400, "path separators in the name");
    let (status, _) = upload(&s, &ana, "empty.txt", "text/plain", Vec::new()).await;
    assert_eq!(status, 400);
}
