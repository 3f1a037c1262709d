//! What the reliability drills share: clients uploading generated CT slices and remembering
//! what was acknowledged, and the check of a server afterwards against that record.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::bail;
use sha2::{Digest, Sha256};

use crate::corpus::ct_instance_in;
use crate::servers::Server;

/// SOP Instance UID → (SHA-256 of the file, when its 201 came).
pub type Acked = Arc<Mutex<HashMap<String, (String, Instant)>>>;

/// The file `index` of run `run` (40 slices a study, 2 series of 20) and its SOP Instance UID.
pub fn slice(run: u64, index: u32, size: u16) -> (String, Vec<u8>) {
    let (study, series) = (index / 40, (index / 20) % 2);
    (format!("2.25.{run}.{study}.{series}.{index}"), ct_instance_in(run, index, size, study, series))
}

/// Who uploads what: `clients` uploaders of `size`×`size` slices of run `run`, the first
/// index `first`.
#[derive(Clone, Copy)]
pub struct Load {
    pub run: u64,
    pub first: u32,
    pub clients: u32,
    pub size: u16,
}

/// `load.clients` uploaders, each sending slices `first + c, first + c + clients, …` one at
/// a time until `stop` is set. Every 201 is recorded in `acked`. With `tolerate_failures`, a
/// failed request (the server killed under it) ends that client quietly: it is not
/// acknowledged, so it proves nothing either way.
pub fn upload_until(
    server: &Server,
    load: Load,
    stop: Arc<AtomicBool>,
    acked: Acked,
    tolerate_failures: bool,
) -> Vec<tokio::task::JoinHandle<anyhow::Result<u32>>> {
    let Load { run, first, clients, size } = load;
    (0..clients)
        .map(|c| {
            let (base, auth) = (server.base.clone(), server.auth.clone().unwrap_or_default());
            let (stop, acked) = (stop.clone(), acked.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut index = first + c;
                let mut sent = 0;
                while !stop.load(Ordering::Relaxed) {
                    let (sop, file) = slice(run, index, size);
                    let sha = hex::encode(Sha256::digest(&file));
                    let answer = http
                        .post(format!("{base}/api/uploads"))
                        .header("Authorization", &auth)
                        .header("Content-Type", "application/dicom")
                        .body(file)
                        .send()
                        .await;
                    match answer {
                        Ok(r) if r.status() == 201 => {
                            acked.lock().unwrap().insert(sop, (sha, Instant::now()));
                            sent += 1;
                        }
                        Ok(_) | Err(_) if tolerate_failures => return Ok(sent),
                        Ok(r) => bail!("upload {index}: {}", r.status()),
                        Err(e) => bail!("upload {index}: {e}"),
                    }
                    index += clients;
                }
                Ok(sent)
            })
        })
        .collect()
}

#[derive(Debug, Default)]
pub struct Check {
    /// Acknowledged files that had to be there (acknowledged before `must_before`).
    pub required: u64,
    /// Of those, not served.
    pub missing: Vec<String>,
    /// Acknowledged later, and there anyway.
    pub later_present: u64,
    /// Instances the catalog lists.
    pub listed: u64,
    /// Of those, not served (a row without its blob).
    pub unserved: u64,
}

impl Check {
    pub fn holds(&self) -> bool {
        self.missing.is_empty() && self.unserved == 0
    }
}

/// Checks `server` against what was acknowledged: every file acknowledged before
/// `must_before` (all when `None`) is served byte for byte, anything else it serves is the
/// bytes acknowledged, and every instance of `listed` is served at all. A file served with
/// other bytes than those acknowledged is an error at once.
pub async fn check(
    server: &Server,
    acked: &HashMap<String, (String, Instant)>,
    must_before: Option<Instant>,
    listed: &[String],
) -> anyhow::Result<Check> {
    let http = reqwest::Client::new();
    let auth = server.auth.clone().unwrap_or_default();
    let fetch = |sop: &str| {
        let request = http.get(format!("{}/api/instances/{sop}/file", server.base)).header("Authorization", &auth);
        async move {
            let r = request.send().await?;
            let status = r.status().as_u16();
            anyhow::Ok((status, r.bytes().await?))
        }
    };
    let mut out = Check { listed: listed.len() as u64, ..Check::default() };
    for (sop, (sha, at)) in acked {
        let (status, body) = fetch(sop).await?;
        if status == 200 && hex::encode(Sha256::digest(&body)) != *sha {
            bail!("{sop}: served, but not the bytes acknowledged");
        }
        if must_before.is_none_or(|t| *at < t) {
            out.required += 1;
            if status != 200 {
                out.missing.push(sop.clone());
            }
        } else if status == 200 {
            out.later_present += 1;
        }
    }
    for sop in listed {
        if fetch(sop).await?.0 != 200 {
            out.unserved += 1;
        }
    }
    Ok(out)
}

/// The SOP Instance UIDs a catalog lists (`sqlite://…` or `postgres://…`).
pub async fn listed_instances(url: &str) -> anyhow::Result<Vec<String>> {
    use sqlx::Connection;
    let query = "SELECT sop_uid FROM instances";
    Ok(if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        sqlx::query_scalar(query).fetch_all(&mut conn).await?
    } else {
        let mut conn = sqlx::SqliteConnection::connect(url).await?;
        sqlx::query_scalar(query).fetch_all(&mut conn).await?
    })
}
