//! SIGTERM stops the server gracefully: requests in flight are answered, nothing acknowledged
//! is lost, nothing unacknowledged is half-stored, and the process exits 0 within the grace.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::fixtures::*;
use crate::harness::app;

/// An upload whose body arrives in `chunks` pieces `pause` apart; `started` is told once
/// the first piece is on its way. Answers the status, or None when no answer came.
async fn trickled_upload(
    (client, url, token): (reqwest::Client, String, String),
    bytes: Vec<u8>,
    chunks: usize,
    pause: Duration,
    started: tokio::sync::oneshot::Sender<()>,
) -> Option<u16> {
    let size = bytes.len().div_ceil(chunks);
    let pieces: Vec<Vec<u8>> = bytes.chunks(size).map(<[u8]>::to_vec).collect();
    let started = Arc::new(Mutex::new(Some(started)));
    let body = futures_util::stream::unfold((pieces.into_iter(), 0usize), move |(mut rest, n)| {
        let started = started.clone();
        async move {
            let piece = rest.next()?;
            if n > 0 {
                tokio::time::sleep(pause).await;
            } else if let Some(tx) = started.lock().unwrap().take() {
                let _ = tx.send(());
            }
            Some((Ok::<_, std::io::Error>(piece), (rest, n + 1)))
        }
    });
    let sent = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/dicom")
        .body(reqwest::Body::wrap_stream(body))
        .send()
        .await;
    sent.ok().map(|r| r.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_uploads_answers_those_in_flight_and_loses_nothing_acknowledged() {
    let grace = 10;
    let mut app = app()
        .env("FERRUM_SHUTDOWN_GRACE_SECS", grace.to_string())
        .env("FERRUM_ORPHAN_GRACE_SECS", "0")
        .spawn()
        .await
        .logged_in_as_admin()
        .await;
    let acknowledged: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
    let refused = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut writers = Vec::new();
    for w in 0..4u32 {
        let (client, url, token) = (app.client.clone(), app.url("/api/uploads"), app.token().to_owned());
        let (acknowledged, refused) = (acknowledged.clone(), refused.clone());
        writers.push(tokio::spawn(async move {
            for i in 0..10_000u32 {
                let spec = Spec::new(700 + w, 1, i + 1).size(128);
                let bytes = dicom(&spec);
                let sent = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/dicom")
                    .body(bytes.clone())
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => {
                        acknowledged.lock().unwrap().insert(spec.sop.clone(), bytes);
                    }
                    // An error answer or none: the server is stopping; a few more tries
                    // meet the closed port.
                    _ => {
                        if refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed) > 40 {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
        }));
    }
    while acknowledged.lock().unwrap().len() < 30 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // One upload whose body is still arriving (for about 2 s) when the signal comes.
    let slow = Spec::new(799, 1, 1).size(256);
    let slow_bytes = dicom(&slow);
    let (started_tx, started) = tokio::sync::oneshot::channel();
    let slow_upload = {
        let to = (app.client.clone(), app.url("/api/uploads"), app.token().to_owned());
        let bytes = slow_bytes.clone();
        tokio::spawn(async move { trickled_upload(to, bytes, 10, Duration::from_millis(200), started_tx).await })
    };
    started.await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let (status, took) = app.terminate(Duration::from_secs(grace + 10)).await;
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM; log:\n{}", app.log_text());
    assert!(took < Duration::from_secs(grace), "took {took:?}, more than the {grace} s grace");
    assert_eq!(slow_upload.await.unwrap(), Some(201), "the upload in flight was not let finish");
    for w in writers {
        w.await.unwrap();
    }
    assert!(app.log_text().contains("SIGTERM"), "the stop is logged");

    let mut acknowledged = acknowledged.lock().unwrap().clone();
    acknowledged.insert(slow.sop.clone(), slow_bytes);
    app.start();
    let app = app.logged_in_as_admin().await;
    for (sop, bytes) in &acknowledged {
        let r = app.get(&format!("/api/instances/{sop}/file")).send().await.unwrap();
        assert_eq!(r.status(), 200, "acknowledged {sop} lost");
        assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice(), "{sop} changed");
    }
    // What is catalogued beyond the acknowledged (committed while its answer was cut off)
    // is whole; nothing else is left in the blob store or the spool.
    let listed = app.catalog_count("SELECT COUNT(*) FROM instances").await as usize;
    assert!(listed >= acknowledged.len());
    assert_eq!(files_under(&app.dicom_blob_dir()), listed, "only catalogued blobs remain");
    assert_eq!(files_under(&app.data_dir.join("spool")), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_longer_than_the_grace_is_cut_off_unacknowledged_and_the_exit_is_still_0() {
    let mut app = app().env("FERRUM_SHUTDOWN_GRACE_SECS", "2").spawn().await.logged_in_as_admin().await;
    let spec = Spec::new(798, 1, 1).size(256);
    let (started_tx, started) = tokio::sync::oneshot::channel();
    let upload = {
        let to = (app.client.clone(), app.url("/api/uploads"), app.token().to_owned());
        let bytes = dicom(&spec);
        // About 8 s of body, well past the grace.
        tokio::spawn(async move { trickled_upload(to, bytes, 20, Duration::from_millis(400), started_tx).await })
    };
    started.await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, took) = app.terminate(Duration::from_secs(15)).await;
    assert_eq!(status.code(), Some(0), "exit status; log:\n{}", app.log_text());
    assert!(took < Duration::from_secs(5), "took {took:?} with a 2 s grace");
    let answer = upload.await.unwrap();
    assert!(answer.is_none_or(|s| s >= 400), "an upload cut off was answered {answer:?}");

    app.start();
    let app = app.logged_in_as_admin().await;
    let r = app.get(&format!("/api/instances/{}/file", spec.sop)).send().await.unwrap();
    assert_eq!(r.status(), 404, "the cut-off upload is not stored");
}
