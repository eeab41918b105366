//! Outgoing mail (issue 13): invite and password-reset links, sent over SMTP
//! (crate lettre, tokio, rustls) off the request path.
//!
//! Requests put a [`Job`] on a bounded queue ([`QUEUE`] jobs) and never
//! wait for SMTP; one worker task ([`run`]) sends them in order. Policy
//! when the queue is full: the job is dropped with a warning (the sender
//! can invite again; a reset can be asked again) and
//! `arena_mail_dropped_total` counts it. Without `smtp_url` nothing is
//! sent: the link is logged at info (and an invite's returned to its sender).

use crate::config::Config;
use crate::state::AppState;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::mpsc;

/// Jobs the queue holds at most; past it a job is dropped with a warning.
pub const QUEUE: usize = 256;

/// Longest one SMTP conversation may take (connect to QUIT), s.
const SMTP_TIMEOUT_S: u64 = 15;

/// One plain-text mail.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// What the worker does.
#[derive(Debug)]
pub enum Job {
    /// Send this mail.
    Send(Mail),
    /// A public password-reset request: look the member up, store a reset
    /// and mail its link ([`crate::http::password_reset::on_request`]).
    /// Done here, not in the request, so the request's answer and timing
    /// are the same whether or not the email is a member's.
    ResetRequest { tenant: String, email: String },
}

/// The queue's sending end (in [`crate::state::Shared`]), and its receiving
/// end until [`run`] takes it.
pub struct Mailer {
    tx: mpsc::Sender<Job>,
    rx: Mutex<Option<mpsc::Receiver<Job>>>,
    smtp: bool,
}

impl Mailer {
    /// An empty queue; `smtp_url` of `cfg` decides whether mail is sent.
    pub fn new(cfg: &Config) -> Mailer {
        let (tx, rx) = mpsc::channel(QUEUE);
        Mailer {
            tx,
            rx: Mutex::new(Some(rx)),
            smtp: cfg.smtp_url.is_some(),
        }
    }

    /// Whether SMTP is configured (mail is sent rather than logged).
    pub fn smtp(&self) -> bool {
        self.smtp
    }

    /// Queues a job; false (and a warning) when the queue is full or the
    /// worker has stopped.
    pub fn queue(&self, job: Job) -> bool {
        match self.tx.try_send(job) {
            Ok(()) => true,
            Err(e) => {
                metrics::counter!("arena_mail_dropped_total").increment(1);
                tracing::warn!(error = %e, "mail queue full or stopped: job dropped");
                false
            }
        }
    }

    /// Queues `mail` when SMTP is configured; true when queued. Without
    /// SMTP it is not queued (the caller logs or returns the link).
    pub fn send(&self, mail: Mail) -> bool {
        self.smtp && self.queue(Job::Send(mail))
    }
}

/// The worker: takes the queue's receiving end and runs its jobs one at a
/// time until `state.stop`; a second call returns at once.
pub async fn run(state: AppState) {
    let rx = state.mail.rx.lock().ok().and_then(|mut r| r.take());
    let Some(mut rx) = rx else { return };
    let transport = match state.cfg.smtp_url.as_deref().map(transport) {
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            tracing::error!(error = %e, "smtp_url: mail is not sent");
            None
        }
        None => None,
    };
    let from: Option<Mailbox> = state.cfg.mail_from.parse().ok();
    loop {
        let job = tokio::select! {
            _ = state.stop.cancelled() => return,
            j = rx.recv() => match j { Some(j) => j, None => return },
        };
        match job {
            Job::Send(mail) => match (&transport, &from) {
                (Some(t), Some(from)) => deliver(t, from, mail).await,
                _ => {
                    tracing::info!(to = %mail.to, subject = %mail.subject, "mail not sent (no SMTP)")
                }
            },
            Job::ResetRequest { tenant, email } => {
                crate::http::password_reset::on_request(&state, &tenant, &email).await
            }
        }
    }
}

/// The SMTP transport of `url` with a timeout.
fn transport(
    url: &str,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
        .timeout(Some(Duration::from_secs(SMTP_TIMEOUT_S)))
        .build())
}

/// Sends one mail; a failure is logged and counted, not retried.
async fn deliver(t: &AsyncSmtpTransport<Tokio1Executor>, from: &Mailbox, mail: Mail) {
    let to: Mailbox = match mail.to.parse() {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(to = %mail.to, error = %e, "mail: bad recipient");
            return;
        }
    };
    let msg = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body);
    let msg = match msg {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "mail: not built");
            return;
        }
    };
    match t.send(msg).await {
        Ok(_) => metrics::counter!("arena_mail_sent_total").increment(1),
        Err(e) => {
            metrics::counter!("arena_mail_failed_total").increment(1);
            tracing::warn!(to = %mail.to, error = %e, "mail not sent");
        }
    }
}
