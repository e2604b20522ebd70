//! Progress notifications from a plugin to the client, bounded and rate-limited.
//!
//! A plugin reports progress through a synchronous import, as often as it likes. The
//! forwarder keeps only the latest report (a single slot, never a queue), and a task sends
//! it to the client at most once per [`MIN_INTERVAL`]. A plugin calling `progress.report`
//! in a tight loop therefore costs the host one slot of memory and the client a few
//! notifications a second, and the last report of a call is always delivered.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rmcp::RoleServer;
use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::service::Peer;
use tokio::sync::watch;

use crate::sandbox::ProgressSink;

/// Shortest time between two notifications of one call.
pub(crate) const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// The sink a call's plugin reports into; dropping it (with the call) ends the forwarding
/// once the latest report is sent.
pub(crate) struct ProgressForwarder {
    latest: watch::Sender<Option<ProgressNotificationParam>>,
    token: ProgressToken,
}

impl ProgressForwarder {
    /// Forwards to the client behind `peer`, under the request's progress `token`.
    pub(crate) fn start(peer: Peer<RoleServer>, token: ProgressToken) -> Arc<dyn ProgressSink> {
        let (sink, _task) = Self::start_with(token, move |param| {
            let peer = peer.clone();
            async move { peer.notify_progress(param).await.is_ok() }
        });
        sink
    }

    /// Forwards with `send` (which answers whether the client is still there); returns the
    /// sink and the forwarding task.
    fn start_with<F, Fut>(
        token: ProgressToken,
        mut send: F,
    ) -> (Arc<dyn ProgressSink>, tokio::task::JoinHandle<()>)
    where
        F: FnMut(ProgressNotificationParam) -> Fut + Send + 'static,
        Fut: Future<Output = bool> + Send,
    {
        let (latest, mut receiver) = watch::channel(None);
        let task = tokio::spawn(async move {
            // `changed` reports a value not yet seen before it reports a closed channel, so
            // the last report still goes out after the call has ended.
            while receiver.changed().await.is_ok() {
                let param = receiver.borrow_and_update().clone();
                if let Some(param) = param
                    && !send(param).await
                {
                    break;
                }
                tokio::time::sleep(MIN_INTERVAL).await;
            }
        });
        (Arc::new(ProgressForwarder { latest, token }), task)
    }
}

impl ProgressSink for ProgressForwarder {
    fn report(&self, done: u32, total: Option<u32>, message: Option<String>) {
        let mut param = ProgressNotificationParam::new(self.token.clone(), f64::from(done));
        if let Some(total) = total {
            param = param.with_total(f64::from(total));
        }
        if let Some(message) = message {
            param = param.with_message(message);
        }
        // Replaces an unsent report: only the latest matters.
        self.latest.send_replace(Some(param));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use rmcp::model::NumberOrString;

    use super::*;

    /// A client that takes its time over the first notification while the plugin reports
    /// a million times: it then gets exactly one more, the latest.
    #[tokio::test]
    async fn a_flood_of_reports_coalesces_to_the_latest() {
        let sent: Arc<Mutex<Vec<f64>>> = Arc::default();
        let (gate_tx, gate_rx) = tokio::sync::oneshot::channel::<()>();
        let gate = Arc::new(tokio::sync::Mutex::new(Some(gate_rx)));
        let log = sent.clone();
        let token = ProgressToken(NumberOrString::Number(7));
        let (sink, task) = ProgressForwarder::start_with(token, move |param| {
            let (log, gate) = (log.clone(), gate.clone());
            async move {
                if let Some(gate) = gate.lock().await.take() {
                    let _ = gate.await;
                }
                log.lock().unwrap().push(param.progress);
                true
            }
        });
        sink.report(0, Some(1_000_000), Some("start".into()));
        tokio::task::yield_now().await;
        for done in 1..1_000_000 {
            sink.report(done, Some(1_000_000), None);
        }
        gate_tx.send(()).unwrap();
        drop(sink);
        task.await.unwrap();
        let sent = sent.lock().unwrap().clone();
        assert!(sent.len() <= 2, "{} notifications", sent.len());
        assert_eq!(sent.last(), Some(&999_999.0));
    }

    #[tokio::test]
    async fn forwarding_stops_when_the_client_is_gone() {
        let calls = Arc::new(Mutex::new(0));
        let count = calls.clone();
        let token = ProgressToken(NumberOrString::Number(1));
        let (sink, task) = ProgressForwarder::start_with(token, move |_| {
            *count.lock().unwrap() += 1;
            async { false }
        });
        sink.report(1, None, None);
        task.await.unwrap();
        sink.report(2, None, None);
        assert_eq!(*calls.lock().unwrap(), 1);
    }
}
