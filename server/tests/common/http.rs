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
}
