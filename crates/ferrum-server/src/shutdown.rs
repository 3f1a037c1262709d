//! Stopping on SIGTERM (what container runtimes and systemd send) or Ctrl-C: the HTTP server
//! stops accepting and lets the requests in flight finish, the background workers claim no
//! more jobs, the DICOM listener accepts no more associations; everything together is bounded
//! by `FERRUM_SHUTDOWN_GRACE_SECS`, after which the process exits anyway. A request cut off
//! then never got its answer, and an upload is acknowledged only once it is committed, so
//! nothing acknowledged is lost either way.
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Cancels `stop` on the first SIGTERM or SIGINT. The handlers are in place when it returns.
pub fn on_signal(stop: CancellationToken) {
    let received = signals();
    tokio::spawn(async move {
        let name = received.await;
        tracing::info!(signal = name, "stopping: finishing the requests in flight");
        stop.cancel();
    });
}

#[cfg(unix)]
fn signals() -> impl std::future::Future<Output = &'static str> {
    use tokio::signal::unix::{signal, SignalKind};
    let handlers = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()));
    async move {
        let (Ok(mut term), Ok(mut int)) = handlers else {
            // Without the handlers the process still stops on them, only not gracefully.
            tracing::warn!("cannot install the SIGTERM/SIGINT handlers");
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        }
    }
}

#[cfg(not(unix))]
fn signals() -> impl std::future::Future<Output = &'static str> {
    async {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// Waits for `tasks` until `deadline`; answers how many had not finished by then.
pub async fn wait_until(deadline: Instant, tasks: Vec<JoinHandle<()>>) -> usize {
    let mut left = 0;
    for task in tasks {
        if tokio::time::timeout_at(deadline, task).await.is_err() {
            left += 1;
        }
    }
    left
}

/// The grace as a duration, at least a moment so that answers already written get out.
pub fn grace(secs: u64) -> Duration {
    Duration::from_secs(secs).max(Duration::from_millis(100))
}
