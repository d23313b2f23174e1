//! WebSub (W3C): when a hub is configured, every feed whose bytes changed is
//! announced to it (`hub.mode=publish`) so subscribers hear of a release
//! without polling. Pings go out from a thread of their own; a slow or
//! failing hub never holds up ingest, and a failure is one warning line.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

/// How long one ping may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Hands pings to the pinging thread.
pub struct Pinger {
    tx: Sender<(String, Vec<String>)>,
}

impl Pinger {
    /// Starts the pinging thread.
    pub fn start() -> std::io::Result<Pinger> {
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("websub".into())
            .spawn(move || run(rx))?;
        Ok(Pinger { tx })
    }

    /// Announces that the feeds at `urls` changed, to `hub`.
    pub fn ping(&self, hub: &str, urls: Vec<String>) {
        if !urls.is_empty() {
            let _ = self.tx.send((hub.to_owned(), urls));
        }
    }
}

fn run(rx: Receiver<(String, Vec<String>)>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    while let Ok((hub, urls)) = rx.recv() {
        for url in urls {
            let result = agent
                .post(&hub)
                .send_form([("hub.mode", "publish"), ("hub.url", url.as_str())]);
            match result {
                Ok(_) => tracing::debug!(hub, url, "WebSub hub notified"),
                Err(e) => tracing::warn!(hub, url, error = %e, "WebSub hub ping failed"),
            }
        }
    }
}
