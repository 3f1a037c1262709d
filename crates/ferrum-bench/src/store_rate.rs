//! Store throughput over HTTP: the same freshly generated files sent in batches framed as
//! STOW-RS (`multipart/related`) or as the upload route's form (`multipart/form-data`), from
//! several keep-alive clients. Rounds of the framings alternate so that the machine's noise
//! falls on both; each round's CPU is counted until the server is idle again (thumbnails
//! included), so CPU per file is the whole cost of a file.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;

use crate::servers::Server;

/// How a batch of files is put into one request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// PS3.18 STOW-RS: `multipart/related; type="application/dicom"`.
    Stow,
    /// An HTML form upload: `multipart/form-data`, one `file` part each.
    Form,
}

const BOUNDARY: &str = "ferrum-bench-7f3a9c1e5b2d";

/// The request's `Content-Type` and body for `files`.
pub fn frame(framing: Framing, files: &[Vec<u8>]) -> (String, Vec<u8>) {
    let mut body = Vec::with_capacity(files.iter().map(|f| f.len() + 160).sum());
    for (i, f) in files.iter().enumerate() {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        if framing == Framing::Form {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"file\"; filename=\"{i}.dcm\"\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(b"Content-Type: application/dicom\r\n\r\n");
        body.extend_from_slice(f);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let content_type = match framing {
        Framing::Stow => format!("multipart/related; type=\"application/dicom\"; boundary={BOUNDARY}"),
        Framing::Form => format!("multipart/form-data; boundary={BOUNDARY}"),
    };
    (content_type, body)
}

/// One round's figures.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub files_per_sec: f64,
    pub cpu_ms_per_file: f64,
}

/// POSTs `files` to `url` in requests of `batch` files from `clients` clients; answers the
/// rate and the server's CPU per file until it is idle again.
pub async fn store(
    server: &Server,
    url: &str,
    framing: Framing,
    files: &[Vec<u8>],
    batch: usize,
    clients: usize,
) -> anyhow::Result<Rate> {
    let bodies: Arc<Vec<(String, Vec<u8>)>> = Arc::new(files.chunks(batch.max(1)).map(|c| frame(framing, c)).collect());
    let client =
        reqwest::Client::builder().pool_max_idle_per_host(clients).timeout(Duration::from_secs(600)).build()?;
    let next = Arc::new(AtomicUsize::new(0));
    let cpu = server.cpu_secs().unwrap_or(0.0);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, next, bodies, url, auth) =
            (client.clone(), next.clone(), bodies.clone(), url.to_owned(), server.auth.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((content_type, body)) = bodies.get(i) else { break };
                let mut req = client.post(&url).header("content-type", content_type).body(body.clone());
                if let Some(a) = &auth {
                    req = req.header("authorization", a);
                }
                let r = req.send().await?;
                let status = r.status();
                let text = r.text().await?;
                if !status.is_success() {
                    bail!("{url} request {i} answered {status}: {}", &text[..text.len().min(300)]);
                }
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let wall = started.elapsed();
    server.wait_idle(Duration::from_secs(300)).await;
    let cpu = server.cpu_secs().unwrap_or(0.0) - cpu;
    let n = files.len() as f64;
    Ok(Rate { files_per_sec: n / wall.as_secs_f64(), cpu_ms_per_file: cpu * 1000.0 / n })
}

/// The median of each figure over rounds.
pub fn median(rates: &[Rate]) -> Option<Rate> {
    let mid = |mut v: Vec<f64>| -> f64 {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (!rates.is_empty()).then(|| Rate {
        files_per_sec: mid(rates.iter().map(|r| r.files_per_sec).collect()),
        cpu_ms_per_file: mid(rates.iter().map(|r| r.cpu_ms_per_file).collect()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_framings_delimit_every_file() {
        let files = vec![b"DICM-one".to_vec(), b"DICM-two".to_vec()];
        for framing in [Framing::Stow, Framing::Form] {
            let (content_type, body) = frame(framing, &files);
            assert!(content_type.contains(BOUNDARY));
            let text = String::from_utf8(body).unwrap();
            assert_eq!(text.matches(&format!("--{BOUNDARY}\r\n")).count(), 2);
            assert!(text.ends_with(&format!("--{BOUNDARY}--\r\n")));
            assert!(text.contains("\r\n\r\nDICM-two\r\n"));
            assert_eq!(text.contains("form-data"), framing == Framing::Form);
        }
    }
}
