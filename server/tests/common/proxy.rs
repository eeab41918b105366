//! [`PgProxy`]: a TCP proxy in front of Postgres that a test can sever (an
//! abrupt outage) and restore.

use super::db::{split_url, with_hostport};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A TCP proxy in front of Postgres. [`PgProxy::sever`] closes every proxied
/// connection and refuses new ones (accepts and drops them at once) until
/// [`PgProxy::restore`].
pub struct PgProxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    generation: Arc<Mutex<CancellationToken>>,
    task: JoinHandle<()>,
}

impl PgProxy {
    /// A proxy to the host:port of `db_url`.
    pub async fn start(db_url: &str) -> PgProxy {
        let (_, hostport, _, _) = split_url(db_url);
        let target = hostport.clone();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy bind");
        let addr = listener.local_addr().expect("proxy addr");
        let up = Arc::new(AtomicBool::new(true));
        let generation = Arc::new(Mutex::new(CancellationToken::new()));
        let (up2, gen2) = (Arc::clone(&up), Arc::clone(&generation));
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let cancel = gen2.lock().unwrap().clone();
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = cancel.cancelled() => {}
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    }
                    // Dropping both ends closes them (an abrupt outage, no goodbye).
                });
            }
        });
        PgProxy {
            addr,
            up,
            generation,
            task,
        }
    }

    /// `db_url` with its host:port replaced by the proxy's.
    pub fn url(&self, db_url: &str) -> String {
        with_hostport(db_url, &self.addr.to_string())
    }

    /// Postgres "goes down": every connection through the proxy is cut, new ones are refused.
    pub fn sever(&self) {
        self.up.store(false, Ordering::SeqCst);
        let mut g = self.generation.lock().unwrap();
        g.cancel();
        *g = CancellationToken::new();
    }

    /// Postgres is back.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for PgProxy {
    fn drop(&mut self) {
        self.task.abort();
        self.generation.lock().unwrap().cancel();
    }
}
