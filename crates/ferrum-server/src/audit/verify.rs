//! `ferrum audit verify`: walks the chain from its start (or the last signed retention
//! checkpoint) to its head and names the first event that does not hold.
use ferrum_store::audit::GENESIS;
use ferrum_store::{Catalog, StoreError};
use serde::Serialize;

use super::key::AuditKey;

const PAGE: u32 = 10_000;

#[derive(Debug, Serialize, PartialEq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verdict {
    Intact {
        /// Events checked, from `first_seq` to `last_seq`.
        events: u64,
        first_seq: i64,
        last_seq: i64,
        head_hash: String,
        /// Where retention cut the chain, if it did.
        checkpoint_seq: Option<i64>,
        /// Signed anchors the chain was checked against.
        anchors: usize,
    },
    Broken {
        /// The first event (or position) that does not hold.
        seq: i64,
        problem: String,
    },
}

pub async fn verify(catalog: &dyn Catalog, key: &AuditKey) -> Result<Verdict, StoreError> {
    let checkpoint = catalog.audit_checkpoint().await?;
    let (mut seq, mut hash) = match &checkpoint {
        Some(c) if !key.verifies(c) => {
            return Ok(Verdict::Broken {
                seq: c.seq,
                problem: "the retention checkpoint's signature does not verify with this server's audit key".into(),
            })
        }
        Some(c) => (c.seq, c.hash.clone()),
        None => (0, GENESIS.to_owned()),
    };
    let start = seq;
    let mut events = 0u64;
    // Anchors inside the chain still kept, by sequence number.
    let mut anchors = std::collections::BTreeMap::new();
    for a in catalog.audit_anchors().await?.into_iter().filter(|a| a.seq > start) {
        if !key.verifies_anchor(&a) {
            return Ok(Verdict::Broken {
                seq: a.seq,
                problem: format!("the anchor of event {} does not verify with this server's audit key", a.seq),
            });
        }
        anchors.insert(a.seq, a);
    }
    loop {
        let page = catalog.audit_chain(seq, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for r in &page {
            if r.seq != seq + 1 {
                let missing = if r.seq == seq + 2 {
                    format!("event {} is", seq + 1)
                } else {
                    format!("events {} to {} are", seq + 1, r.seq - 1)
                };
                return Ok(Verdict::Broken { seq: seq + 1, problem: format!("{missing} missing (deleted)") });
            }
            if r.prev_hash != hash {
                return Ok(Verdict::Broken {
                    seq: r.seq,
                    problem: format!(
                        "event {} does not name event {}'s hash: the chain was rewritten here",
                        r.seq, seq
                    ),
                });
            }
            if r.compute_hash() != r.hash {
                return Ok(Verdict::Broken {
                    seq: r.seq,
                    problem: format!(
                        "event {} was changed after it was written: its content does not match its hash",
                        r.seq
                    ),
                });
            }
            if anchors.get(&r.seq).is_some_and(|a| a.hash != r.hash) {
                return Ok(Verdict::Broken {
                    seq: r.seq,
                    problem: format!(
                        "event {} is not the one its signed anchor names: the chain was rewritten up to here",
                        r.seq
                    ),
                });
            }
            seq = r.seq;
            hash = r.hash.clone();
            events += 1;
        }
    }
    if let Some((_, a)) = anchors.range(seq + 1..).next() {
        return Ok(Verdict::Broken {
            seq: seq + 1,
            problem: format!(
                "the chain ends at event {seq} but a signed anchor names event {}: the events after {seq} were deleted",
                a.seq
            ),
        });
    }
    let (head_seq, head_hash) = catalog.audit_head().await?;
    if head_seq != seq || head_hash != hash {
        return Ok(Verdict::Broken {
            seq: seq + 1,
            problem: format!(
                "the chain ends at event {seq} but its head names event {head_seq}: the events after {seq} were deleted"
            ),
        });
    }
    Ok(Verdict::Intact {
        events,
        first_seq: start + 1,
        last_seq: seq,
        head_hash: hash,
        checkpoint_seq: checkpoint.map(|c| c.seq),
        anchors: anchors.len(),
    })
}
