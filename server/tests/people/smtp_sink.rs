//! A tiny SMTP sink for the mail tests: a loopback listener on an ephemeral
//! port speaking the few verbs a client needs (RFC 5321: 220 greeting,
//! EHLO/HELO 250, MAIL/RCPT 250, DATA 354 … "." 250, RSET/NOOP 250, QUIT
//! 221) and handing every message it accepts to the test.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One accepted message: its recipients and its DATA (headers and body,
/// quoted-printable soft line breaks joined and `=3D` decoded).
#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt: Vec<String>,
    pub data: String,
}

impl Received {
    /// The token of the first `{public_url}/{path}/{token}` link in the mail.
    pub fn link_token(&self, path: &str) -> String {
        let marker = format!("/{path}/");
        let at = self.data.find(&marker).expect("a link in the mail") + marker.len();
        self.data[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

/// The sink: its `smtp://127.0.0.1:PORT` URL and the messages it received.
pub struct SmtpSink {
    pub url: String,
    pub mails: mpsc::UnboundedReceiver<Received>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let port = listener.local_addr().expect("addr").port();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                tokio::spawn(session(sock, tx.clone()));
            }
        });
        SmtpSink {
            url: format!("smtp://127.0.0.1:{port}"),
            mails: rx,
        }
    }

    /// The next message, within `within`.
    pub async fn next(&mut self, within: std::time::Duration) -> Received {
        tokio::time::timeout(within, self.mails.recv())
            .await
            .expect("a mail within the deadline")
            .expect("sink running")
    }
}

async fn session(sock: tokio::net::TcpStream, tx: mpsc::UnboundedSender<Received>) {
    let (r, mut w) = sock.into_split();
    let mut lines = BufReader::new(r).lines();
    let _ = w.write_all(b"220 sink ESMTP\r\n").await;
    let mut rcpt = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 sink\r\n",
            "MAIL" => {
                rcpt.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                rcpt.push(line[4..].trim().to_owned());
                b"250 OK\r\n"
            }
            "DATA" => {
                let _ = w.write_all(b"354 go ahead\r\n").await;
                let mut data = String::new();
                while let Ok(Some(l)) = lines.next_line().await {
                    if l == "." {
                        break;
                    }
                    // Dot-stuffing (RFC 5321 §4.5.2).
                    let l = l
                        .strip_prefix('.')
                        .filter(|_| l.starts_with(".."))
                        .unwrap_or(&l);
                    match l.strip_suffix('=') {
                        Some(soft) => data.push_str(soft),
                        None => {
                            data.push_str(l);
                            data.push('\n');
                        }
                    }
                }
                let _ = tx.send(Received {
                    rcpt: std::mem::take(&mut rcpt),
                    data: data.replace("=3D", "="),
                });
                b"250 OK queued\r\n"
            }
            "QUIT" => {
                let _ = w.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => b"250 OK\r\n",
        };
        if w.write_all(reply).await.is_err() {
            return;
        }
    }
}
