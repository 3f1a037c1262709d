//! The key that signs retention checkpoints: `FERRUM_AUDIT_KEY`, or one kept in
//! `<data dir>/audit-key` (made on first start, readable by the owner only). It is not in the
//! catalog, so whoever can only write the database cannot move a checkpoint. Every instance
//! of one deployment needs the same (set `FERRUM_AUDIT_KEY` when there are several).
use std::path::Path;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use ferrum_store::audit::{AuditAnchor, AuditCheckpoint};

pub struct AuditKey {
    key: Vec<u8>,
    /// Names the key without revealing it: the first 16 hex digits of its SHA-256.
    pub id: String,
}

impl AuditKey {
    pub fn new(key: &[u8]) -> Self {
        AuditKey { key: key.to_vec(), id: hex::encode(&Sha256::digest(key)[..8]) }
    }

    pub fn load(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        if let Some(key) = configured {
            return Ok(Self::new(key.as_bytes()));
        }
        let path = data_dir.join("audit-key");
        let key = match std::fs::read_to_string(&path) {
            Ok(s) if s.trim().len() >= 32 => s.trim().to_owned(),
            _ => {
                let mut bytes = [0u8; 32];
                rand::thread_rng().fill_bytes(&mut bytes);
                let s = hex::encode(bytes);
                crate::private_files::write_secret(&path, &s)?;
                s
            }
        };
        Ok(Self::new(key.as_bytes()))
    }

    fn mac(&self, text: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(text.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// `(key id, signature)` of a checkpoint.
    pub fn sign(&self, seq: i64, hash: &str, at: &str, pruned: i64) -> (String, String) {
        (self.id.clone(), self.mac(&AuditCheckpoint::signed_text(seq, hash, at, pruned)))
    }

    /// An anchor of the head `(seq, hash)` now.
    pub fn anchor(&self, seq: i64, hash: &str) -> AuditAnchor {
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let signature = self.mac(&AuditAnchor::signed_text(seq, hash, &at));
        AuditAnchor { seq, hash: hash.to_owned(), at, key_id: self.id.clone(), signature }
    }

    pub fn verifies_anchor(&self, a: &AuditAnchor) -> bool {
        a.key_id == self.id && a.signature == self.mac(&AuditAnchor::signed_text(a.seq, &a.hash, &a.at))
    }

    pub fn verifies(&self, c: &AuditCheckpoint) -> bool {
        c.key_id == self.id && c.signature == self.mac(&AuditCheckpoint::signed_text(c.seq, &c.hash, &c.at, c.pruned))
    }
}
