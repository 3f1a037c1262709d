//! The master keys that wrap the per-object data keys. Only wrapped data keys are ever
//! written; the master keys live in a file of the operator's (`FERRUM_ENCRYPTION_KEY_FILE`),
//! one key per line as 64 hex digits, the first one wrapping and every one unwrapping, so a
//! new key is rolled in by putting it first and re-wrapping (`ferrum encryption rewrap`).
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::StoreError;

/// A wrapped data key: magic, the wrapping key's id, the nonce, the encrypted key and its tag.
const WRAP_MAGIC: &[u8; 4] = b"FKW1";
pub const KEY_ID_LEN: usize = 8;
const NONCE_LEN: usize = 12;
pub const DATA_KEY_LEN: usize = 32;
pub const WRAPPED_LEN: usize = WRAP_MAGIC.len() + KEY_ID_LEN + NONCE_LEN + DATA_KEY_LEN + 16;

pub type DataKey = [u8; DATA_KEY_LEN];

struct MasterKey {
    id: [u8; KEY_ID_LEN],
    cipher: Aes256Gcm,
    /// Keys the names of content-addressed copies (backups), apart from the wrapping key.
    naming: [u8; 32],
}

pub struct MasterKeys {
    keys: Vec<MasterKey>,
}

impl MasterKeys {
    /// Reads the key file. It must not be readable by group or others: whoever reads it reads
    /// every stored object.
    pub fn from_file(path: &Path) -> Result<MasterKeys, StoreError> {
        use std::os::unix::fs::PermissionsExt;
        let bad = |why: String| StoreError::Invalid(format!("encryption key file {}: {why}", path.display()));
        let meta = std::fs::metadata(path).map_err(|e| bad(e.to_string()))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(bad("is readable by group or others; chmod 600 it".into()));
        }
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        MasterKeys::parse(&text).map_err(bad)
    }

    pub fn parse(text: &str) -> Result<MasterKeys, String> {
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bytes = hex::decode(line).ok().filter(|b| b.len() == 32).ok_or_else(|| {
                format!("line {} is not a 256-bit key as 64 hex digits (make one with `openssl rand -hex 32`)", n + 1)
            })?;
            keys.push(MasterKey::new(&bytes));
        }
        if keys.is_empty() {
            return Err("holds no key".into());
        }
        Ok(MasterKeys { keys })
    }

    /// A fresh random data key.
    pub fn new_data_key() -> DataKey {
        let mut key = [0u8; DATA_KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut key);
        key
    }

    /// `data_key` wrapped by the current master key, bound to `context` (the object it is for):
    /// a wrapped key copied next to another object does not open it.
    pub fn wrap(&self, data_key: &DataKey, context: &str) -> Vec<u8> {
        let master = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = master
            .cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: data_key, aad: context.as_bytes() })
            .expect("AES-GCM encryption of 32 bytes cannot fail");
        let mut out = Vec::with_capacity(WRAPPED_LEN);
        out.extend_from_slice(WRAP_MAGIC);
        out.extend_from_slice(&master.id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn unwrap(&self, wrapped: &[u8], context: &str) -> Result<DataKey, StoreError> {
        let broken = || StoreError::Other("a wrapped data key is damaged".into());
        if wrapped.len() != WRAPPED_LEN || &wrapped[..4] != WRAP_MAGIC {
            return Err(broken());
        }
        let id = &wrapped[4..4 + KEY_ID_LEN];
        let master = self.keys.iter().find(|k| k.id == id).ok_or_else(|| {
            StoreError::Unavailable(format!(
                "a data key is wrapped by master key {} which is not in the encryption key file",
                hex::encode(id)
            ))
        })?;
        let nonce: [u8; NONCE_LEN] =
            wrapped[4 + KEY_ID_LEN..4 + KEY_ID_LEN + NONCE_LEN].try_into().map_err(|_| broken())?;
        let sealed = &wrapped[4 + KEY_ID_LEN + NONCE_LEN..];
        let plain = master
            .cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: sealed, aad: context.as_bytes() })
            .map_err(|_| broken())?;
        plain.try_into().map_err(|_| broken())
    }

    /// Whether `wrapped` is wrapped by the current (first) master key already.
    pub fn is_current(&self, wrapped: &[u8]) -> bool {
        wrapped.get(4..4 + KEY_ID_LEN) == Some(&self.keys[0].id[..])
    }

    /// A name for content whose SHA-256 is `digest`, keyed by the current master key: equal
    /// content gets equal names (so a copy is kept once), yet a name does not confirm a guess
    /// of the content to whoever lacks the key.
    pub fn name(&self, digest: &[u8]) -> String {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<Sha256> as Mac>::new_from_slice(&self.keys[0].naming).expect("any key length");
        mac.update(digest);
        hex::encode(mac.finalize().into_bytes())
    }

    /// The current master key's id (hex), for the operator.
    pub fn current_id(&self) -> String {
        hex::encode(self.keys[0].id)
    }
}

impl MasterKey {
    fn new(bytes: &[u8]) -> MasterKey {
        // The id names the key without revealing it: a hash of it under a fixed label.
        let digest = Sha256::new().chain_update(b"ferrum master key id").chain_update(bytes).finalize();
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        let naming = Sha256::new().chain_update(b"ferrum content names").chain_update(bytes).finalize().into();
        MasterKey { id, cipher: Aes256Gcm::new_from_slice(bytes).expect("32-byte key"), naming }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const K2: &str = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

    #[test]
    fn wraps_and_unwraps_under_any_listed_key_and_binds_the_context() {
        let old = MasterKeys::parse(K1).unwrap();
        let key = MasterKeys::new_data_key();
        let wrapped = old.wrap(&key, "dicom/aa/bb/x.dcm");
        assert_eq!(old.unwrap(&wrapped, "dicom/aa/bb/x.dcm").unwrap(), key);
        assert!(old.unwrap(&wrapped, "dicom/aa/bb/y.dcm").is_err(), "a key moved to another object");
        let rolled = MasterKeys::parse(&format!("# new first\n{K2}\n{K1}\n")).unwrap();
        assert!(!rolled.is_current(&wrapped));
        assert_eq!(rolled.unwrap(&wrapped, "dicom/aa/bb/x.dcm").unwrap(), key);
        let rewrapped = rolled.wrap(&key, "dicom/aa/bb/x.dcm");
        assert!(rolled.is_current(&rewrapped));
        assert!(old.unwrap(&rewrapped, "dicom/aa/bb/x.dcm").is_err(), "the new master key is needed");
        let mut tampered = wrapped.clone();
        tampered[30] ^= 1;
        assert!(old.unwrap(&tampered, "dicom/aa/bb/x.dcm").is_err());
    }

    #[test]
    fn refuses_files_without_a_proper_key() {
        assert!(MasterKeys::parse("").is_err());
        assert!(MasterKeys::parse("abcd").is_err());
        assert!(MasterKeys::parse(&K1[..62]).is_err());
    }
}
