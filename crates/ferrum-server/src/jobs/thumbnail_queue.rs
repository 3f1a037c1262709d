//! Thumbnail requests from ingest, coalesced per series in memory before they reach the
//! catalog's job queue.
//!
//! A series arrives one object (one request) at a time, and its middle instance changes as
//! it grows: queuing a job per upload would cost a catalog write in every upload's request
//! path, and rendering after every file would redo the same picture. Instead the upload only
//! hands its series to this queue (never waiting), and the queue writes a job once the series
//! has been quiet for [`SETTLE`] — or has kept growing for [`MAX_WAIT`] — so a series gets
//! its thumbnail soon after its last file, at most about once per [`MAX_WAIT`] while it grows.
//!
//! Requests held here are lost if the process dies before they are queued; a thumbnail that
//! was never made is rendered on its first request, so nothing a user asked for is lost.
use std::collections::HashMap;
use std::sync::Arc;

use ferrum_store::Catalog;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::time::{Duration, Instant};

use super::{job_after, THUMBNAIL};

/// How long a series must go without new instances before its thumbnail is queued.
pub const SETTLE: Duration = Duration::from_millis(300);
/// Longest a growing series waits for its thumbnail.
pub const MAX_WAIT: Duration = Duration::from_secs(2);
/// Requests waiting to be coalesced; past this an upload's request is dropped (the
/// thumbnail is then made on its first request) rather than making the upload wait.
const BACKLOG: usize = 4096;

enum Message {
    Series(Vec<String>),
    Flush(oneshot::Sender<()>),
}

/// The handle uploads use; cheap to share.
pub struct ThumbnailQueue {
    tx: mpsc::Sender<Message>,
}

/// When a series first and last got new instances since its thumbnail was last queued.
struct Waiting {
    first: Instant,
    last: Instant,
}

impl Waiting {
    fn due(&self) -> Instant {
        (self.last + SETTLE).min(self.first + MAX_WAIT)
    }
}

impl ThumbnailQueue {
    /// Starts the coalescing task; `wake` is notified when jobs have been queued.
    pub fn start(catalog: Arc<dyn Catalog>, wake: Arc<Notify>) -> ThumbnailQueue {
        let (tx, rx) = mpsc::channel(BACKLOG);
        tokio::spawn(coalesce(catalog, wake, rx));
        ThumbnailQueue { tx }
    }

    /// Asks for the thumbnails of `series` (which got new instances). Never waits.
    pub fn request(&self, series: Vec<String>) {
        if series.is_empty() {
            return;
        }
        if self.tx.try_send(Message::Series(series)).is_err() {
            tracing::warn!("thumbnail requests are backed up; these will be made on first request");
        }
    }

    /// Queues every request held now, at once (before a command-line import exits).
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Message::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

async fn coalesce(catalog: Arc<dyn Catalog>, wake: Arc<Notify>, mut rx: mpsc::Receiver<Message>) {
    let mut waiting: HashMap<String, Waiting> = HashMap::new();
    loop {
        let next_due = waiting.values().map(Waiting::due).min();
        let message = match next_due {
            Some(due) => tokio::select! {
                m = rx.recv() => m,
                _ = tokio::time::sleep_until(due) => {
                    queue_due(catalog.as_ref(), &wake, &mut waiting, Instant::now()).await;
                    continue;
                }
            },
            None => rx.recv().await,
        };
        match message {
            Some(Message::Series(series)) => {
                let now = Instant::now();
                for s in series {
                    waiting.entry(s).and_modify(|w| w.last = now).or_insert(Waiting { first: now, last: now });
                }
            }
            Some(Message::Flush(done)) => {
                queue_due(catalog.as_ref(), &wake, &mut waiting, Instant::now() + MAX_WAIT).await;
                let _ = done.send(());
            }
            None => {
                queue_due(catalog.as_ref(), &wake, &mut waiting, Instant::now() + MAX_WAIT).await;
                return;
            }
        }
    }
}

/// Queues, in one catalog write, the series due by `by`. Best effort: a failure leaves those
/// thumbnails to be made on their first request.
async fn queue_due(catalog: &dyn Catalog, wake: &Notify, waiting: &mut HashMap<String, Waiting>, by: Instant) {
    let mut due: Vec<String> = waiting.iter().filter(|(_, w)| w.due() <= by).map(|(s, _)| s.clone()).collect();
    if due.is_empty() {
        return;
    }
    due.sort_unstable();
    for s in &due {
        waiting.remove(s);
    }
    let jobs: Vec<_> = due.iter().map(|s| job_after(THUMBNAIL, s, Duration::ZERO)).collect();
    match catalog.enqueue_jobs(&jobs).await {
        Ok(()) => wake.notify_waiters(),
        Err(e) => tracing::warn!(error = %e, "could not queue thumbnails; they will be made on request"),
    }
}
