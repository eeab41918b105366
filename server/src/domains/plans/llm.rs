//! The narrative writer: an OpenAI-compatible chat-completions endpoint
//! (`llm_url`, `llm_model`, `llm_api_key` in the server config) that
//! rewrites a plan's narrative sections. One per node, shared by every
//! tenant's actor through the domain context; at most [`CONCURRENCY`] jobs
//! call the endpoint at once and at most [`MAX_WAITING`] wait for a turn
//! (more fail at once, keeping the template text).
//!
//! Each section is one `POST {llm_url}/chat/completions` with a
//! [`REQUEST_TIMEOUT`] and a response read up to [`MAX_RESPONSE_BYTES`]; the
//! answer (`choices[0].message.content`) is cleaned to plain text without
//! control characters and bounded. Any failure fails the whole job: the
//! caller keeps the template text and records why.

use super::render::{bounded, MAX_RENDERED};
use crate::config::Config;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Jobs calling the endpoint at once, per node.
pub const CONCURRENCY: usize = 4;
/// Jobs waiting for a turn, per node; more fail at once.
pub const MAX_WAITING: usize = 64;
/// Longest one request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest a whole job (every narrative section of a plan) may take.
pub const JOB_TIMEOUT: Duration = Duration::from_secs(90);
/// Largest response body read, bytes.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

const SYSTEM_PROMPT: &str = "You write sections of a mobile app plan that a partner agency presents to a small business. \
Rewrite the section you are given as clear, persuasive plain text for the client: keep every fact, name and number, \
invent nothing, no Markdown, no headings, at most 180 words. Answer with the section text only.";

/// The writer of one node.
pub struct Writer {
    /// `{llm_url}/chat/completions`.
    endpoint: String,
    model: String,
    api_key: Option<String>,
    client: reqwest::Client,
    permits: Semaphore,
    waiting: AtomicUsize,
    /// Plans `(tenant, plan)` with a job running on this node.
    running: Mutex<HashSet<(i64, i64)>>,
}

/// The narrative sections of one plan to rewrite, with what the model
/// needs to know about the client.
#[derive(Debug, Clone)]
pub struct Job {
    pub client_name: String,
    pub vertical: String,
    pub tone: String,
    /// `(index in the plan, title, body)`.
    pub sections: Vec<(usize, String, String)>,
}

impl Writer {
    /// The writer the config describes, if `llm_url` is set.
    pub fn from_config(cfg: &Config) -> Option<Arc<Writer>> {
        let url = cfg.llm_url.as_deref()?.trim().trim_end_matches('/');
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .ok()?;
        Some(Arc::new(Writer {
            endpoint: format!("{url}/chat/completions"),
            model: cfg.llm_model.clone().unwrap_or_default(),
            api_key: cfg.llm_api_key.clone(),
            client,
            permits: Semaphore::new(CONCURRENCY),
            waiting: AtomicUsize::new(0),
            running: Mutex::new(HashSet::new()),
        }))
    }

    /// Marks a job for plan `key` `(tenant, plan)` as running on this node;
    /// false when one already is.
    pub fn claim(&self, key: (i64, i64)) -> bool {
        self.running
            .lock()
            .map(|mut r| r.insert(key))
            .unwrap_or(false)
    }

    /// The job for `key` has ended (its outcome was delivered).
    pub fn release(&self, key: (i64, i64)) {
        if let Ok(mut r) = self.running.lock() {
            r.remove(&key);
        }
    }

    /// The job's sections rewritten, `(index, text)`, or why not (a short
    /// reason recorded with the plan; never the key or the response body).
    pub async fn rewrite(&self, job: &Job) -> Result<Vec<(usize, String)>, String> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= MAX_WAITING {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err("the writer is busy".into());
        }
        let permit = self.permits.acquire().await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        let _permit = permit.map_err(|_| "the writer is shut down".to_owned())?;
        match tokio::time::timeout(JOB_TIMEOUT, self.run(job)).await {
            Ok(r) => r,
            Err(_) => Err("the model took too long".into()),
        }
    }

    async fn run(&self, job: &Job) -> Result<Vec<(usize, String)>, String> {
        let mut out = Vec::with_capacity(job.sections.len());
        for (i, title, body) in &job.sections {
            out.push((*i, self.one(job, title, body).await?));
        }
        Ok(out)
    }

    async fn one(&self, job: &Job, title: &str, body: &str) -> Result<String, String> {
        let tone = if job.tone.trim().is_empty() {
            "friendly and professional"
        } else {
            job.tone.trim()
        };
        let user = format!(
            "Client: {} ({}). Tone: {tone}.\nSection: {title}\n\n{body}",
            job.client_name, job.vertical
        );
        let req = json!({
            "model": self.model,
            "temperature": 0.3,
            "max_tokens": 600,
            "messages": [
                { "role": "system", "content": SYSTEM_PROMPT },
                { "role": "user", "content": user },
            ],
        });
        let mut r = self.client.post(&self.endpoint).json(&req);
        if let Some(k) = &self.api_key {
            r = r.bearer_auth(k);
        }
        let mut resp = r.send().await.map_err(|e| {
            if e.is_timeout() {
                "the model took too long".to_owned()
            } else {
                "the model endpoint is unreachable".to_owned()
            }
        })?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!(
                "the model endpoint answered HTTP {}",
                status.as_u16()
            ));
        }
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|_| "the model's answer was cut off".to_owned())?
        {
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err("the model's answer is too large".into());
            }
            bytes.extend_from_slice(&chunk);
        }
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|_| "the model's answer is not chat-completions JSON".to_owned())?;
        let content = v["choices"][0]["message"]["content"]
            .as_str()
            .ok_or_else(|| "the model's answer has no message content".to_owned())?;
        let text = clean(content);
        if text.is_empty() {
            return Err("the model answered nothing".into());
        }
        Ok(text)
    }
}

/// Plain, bounded text: CRLF as LF, control characters other than line
/// breaks and tabs dropped, trimmed, at most [`MAX_RENDERED`] characters.
pub fn clean(s: &str) -> String {
    let s = s.replace("\r\n", "\n");
    let kept: String = s
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    bounded(kept.trim(), MAX_RENDERED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_cleaned_to_bounded_plain_text() {
        assert_eq!(clean("  Hello\r\nworld\u{0}\u{1b}!\t "), "Hello\nworld!");
        assert_eq!(
            clean(&"x".repeat(MAX_RENDERED + 5)).chars().count(),
            MAX_RENDERED
        );
        assert_eq!(clean(" \n "), "");
    }
}
