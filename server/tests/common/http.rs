//! The HTTP side of a test: URLs of the test server, its shared `reqwest`
//! client and `POST /api/v1/auth/login`.

use super::TestServer;

impl TestServer {
    /// `http://…{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.http, path)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http_client
    }

    /// `POST /api/v1/auth/login`.
    pub async fn login(&self, tenant: &str, email: &str, password: &str) -> reqwest::Response {
        self.http_client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"tenant": tenant, "email": email, "password": password}))
            .send()
            .await
            .expect("login request")
    }

    /// `method path` as the demo member `who` (a fresh token), with an
    /// optional JSON body: the status and the JSON answer (`Null` if none).
    pub async fn api(
        &self,
        method: reqwest::Method,
        who: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut r = self
            .http_client
            .request(method, self.url(path))
            .bearer_auth(self.demo_token(who).await);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }
}
