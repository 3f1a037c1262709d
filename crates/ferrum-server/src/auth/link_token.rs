//! Viewer-link tokens: `base64url(kid ‖ link id ‖ HMAC-SHA256(key[kid], kid ‖ id)[..16])`.
//! A token names one link row and carries nothing else: no patient data, no expiry (the row
//! decides, so that revocation takes effect on the next request). The key id lets keys
//! rotate: new links are signed with the current key, older keys still verify.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Random bytes naming a link.
pub const ID_LEN: usize = 16;
const MAC_LEN: usize = 16;

pub struct LinkKeys {
    /// `(kid, key)`, the first one signs.
    keys: Vec<(u8, Vec<u8>)>,
}

impl LinkKeys {
    /// One key (id 0) derived from the access-token secret, so that a deployment needs one
    /// secret; the derivation keeps the two uses apart.
    pub fn derived(secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"ferrum viewer links v1");
        LinkKeys { keys: vec![(0, mac.finalize().into_bytes().to_vec())] }
    }

    /// `KID:SECRET,KID:SECRET…` (kid 1–255, secret ≥ 32 characters); the first signs.
    pub fn parse(setting: &str) -> Result<Self, String> {
        let mut keys = Vec::new();
        for part in setting.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (kid, secret) = part.split_once(':').ok_or("each key is KID:SECRET")?;
            let kid: u8 = kid.trim().parse().map_err(|_| "a key id is a number from 1 to 255")?;
            if kid == 0 {
                return Err("key id 0 is the derived key; use 1 to 255".into());
            }
            if secret.len() < 32 {
                return Err(format!("the secret of key {kid} is shorter than 32 characters"));
            }
            if keys.iter().any(|(k, _)| *k == kid) {
                return Err(format!("key id {kid} appears twice"));
            }
            keys.push((kid, secret.as_bytes().to_vec()));
        }
        if keys.is_empty() {
            return Err("no keys".into());
        }
        Ok(LinkKeys { keys })
    }

    fn mac(key: &[u8], kid: u8, id: &[u8]) -> [u8; MAC_LEN] {
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(&[kid]);
        mac.update(id);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; MAC_LEN];
        out.copy_from_slice(&full[..MAC_LEN]);
        out
    }

    pub fn sign(&self, id: &[u8; ID_LEN]) -> String {
        let (kid, key) = &self.keys[0];
        let mut raw = Vec::with_capacity(1 + ID_LEN + MAC_LEN);
        raw.push(*kid);
        raw.extend_from_slice(id);
        raw.extend_from_slice(&Self::mac(key, *kid, id));
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The link id a token names, if a known key signed it.
    pub fn verify(&self, token: &str) -> Option<[u8; ID_LEN]> {
        let raw = URL_SAFE_NO_PAD.decode(token.as_bytes()).ok()?;
        if raw.len() != 1 + ID_LEN + MAC_LEN {
            return None;
        }
        let (kid, id, tag) = (raw[0], &raw[1..1 + ID_LEN], &raw[1 + ID_LEN..]);
        let (_, key) = self.keys.iter().find(|(k, _)| *k == kid)?;
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(&[kid]);
        mac.update(id);
        // Constant-time comparison of the truncated tag.
        mac.verify_truncated_left(tag).ok()?;
        id.try_into().ok()
    }

    fn pin_mac(key: &[u8], kid: u8, id: &[u8], pin_hash: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(&[kid]);
        mac.update(b"pin given");
        mac.update(id);
        mac.update(pin_hash.as_bytes());
        mac
    }

    /// Proof that the holder of link `id` gave its PIN, kept in a cookie so that `<img>`
    /// requests carry it too. Bound to the PIN's hash: a new PIN voids older proofs.
    pub fn pin_proof(&self, id: &[u8], pin_hash: &str) -> String {
        let (kid, key) = &self.keys[0];
        let mut raw = vec![*kid];
        raw.extend_from_slice(&Self::pin_mac(key, *kid, id, pin_hash).finalize().into_bytes());
        URL_SAFE_NO_PAD.encode(raw)
    }

    pub fn verify_pin_proof(&self, proof: &str, id: &[u8], pin_hash: &str) -> bool {
        let Ok(raw) = URL_SAFE_NO_PAD.decode(proof.as_bytes()) else { return false };
        let Some((&kid, tag)) = raw.split_first() else { return false };
        let Some((_, key)) = self.keys.iter().find(|(k, _)| *k == kid) else { return false };
        Self::pin_mac(key, kid, id, pin_hash).verify_slice(tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_proof_holds_for_its_link_and_pin_only() {
        let keys = LinkKeys::derived(b"a-secret-of-more-than-thirty-two-characters");
        let proof = keys.pin_proof(&[1u8; ID_LEN], "hash-a");
        assert!(keys.verify_pin_proof(&proof, &[1u8; ID_LEN], "hash-a"));
        assert!(!keys.verify_pin_proof(&proof, &[2u8; ID_LEN], "hash-a"), "another link");
        assert!(!keys.verify_pin_proof(&proof, &[1u8; ID_LEN], "hash-b"), "the PIN changed");
        let other = LinkKeys::derived(b"another-secret-of-more-than-thirty-two-chars");
        assert!(!other.verify_pin_proof(&proof, &[1u8; ID_LEN], "hash-a"), "another deployment");
        assert!(!keys.verify_pin_proof("", &[1u8; ID_LEN], "hash-a"));
    }

    #[test]
    fn a_signed_token_verifies_and_any_change_breaks_it() {
        let keys = LinkKeys::derived(b"a-secret-of-more-than-thirty-two-characters");
        let id = [7u8; ID_LEN];
        let token = keys.sign(&id);
        assert_eq!(token.len(), 44);
        assert_eq!(keys.verify(&token), Some(id));
        let mut forged = token.clone().into_bytes();
        forged[10] = if forged[10] == b'A' { b'B' } else { b'A' };
        assert_eq!(keys.verify(std::str::from_utf8(&forged).unwrap()), None);
        assert_eq!(LinkKeys::derived(b"another-secret-of-more-than-thirty-two-chars").verify(&token), None);
        assert_eq!(keys.verify("short"), None);
    }

    #[test]
    fn rotated_keys_still_verify_old_tokens_and_sign_with_the_first() {
        let old = LinkKeys::parse("1:the-first-key-of-more-than-thirty-two-chars").unwrap();
        let token = old.sign(&[1u8; ID_LEN]);
        let rotated = LinkKeys::parse(
            "2:the-second-key-of-more-than-thirty-two-chars,1:the-first-key-of-more-than-thirty-two-chars",
        )
        .unwrap();
        assert_eq!(rotated.verify(&token), Some([1u8; ID_LEN]));
        assert_ne!(rotated.sign(&[1u8; ID_LEN]), token);
        assert!(LinkKeys::parse("0:x").is_err());
        assert!(LinkKeys::parse("1:short").is_err());
    }
}
