//! Access tokens: HS256 JWTs with a short expiry, naming the user and their login session
//! (`sid`); the session row decides whether the token is still honoured.
//!
//! Keys carry an id (`kid` in the JWT header). One key signs, every known key verifies, so
//! a new signing key logs nobody out. Where the keys come from:
//! - `FERRUM_JWT_KEYS=kid:secret,…` (the first signs), shared by every instance;
//! - `FERRUM_JWT_SECRET` (its kid derived from the secret), which also verifies tokens made
//!   before key ids existed (no `kid`);
//! - neither: `<data dir>/jwt-secret` (made on first start) plus `<data dir>/jwt-keys`,
//!   one `kid:secret` a line, which `ferrum keys rotate` writes (the first line signs).
use std::path::Path;

use hmac::{Hmac, Mac};
use jsonwebtoken::{decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

/// Keys kept at most in `jwt-keys`: the signing one and a few before it (an access token
/// lives minutes, so an old key is needed only until the tokens it signed expire).
const KEPT_IN_FILE: usize = 4;

pub struct TokenKeys {
    signing_kid: String,
    encoding: EncodingKey,
    verifying: Vec<(String, DecodingKey)>,
    /// Verifies tokens without a `kid` (issued before key ids): the single secret.
    legacy: Option<DecodingKey>,
    pub ttl_secs: u64,
    /// Signs viewer-link tokens; derived from the single secret unless configured apart.
    pub links: super::link_token::LinkKeys,
}

/// The key id of a single secret (`FERRUM_JWT_SECRET` or the data directory's): a MAC of
/// the secret, so that it names the key without telling anything about it.
pub fn derived_kid(secret: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"ferrum jwt key id v1");
    format!("s-{}", &hex::encode(mac.finalize().into_bytes())[..12])
}

/// `kid:secret,kid:secret…` (or one a line): kids of letters, digits, `-` and `_` (≤ 32),
/// secrets of at least 32 characters; the first signs.
pub fn parse_keys(setting: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut keys: Vec<(String, Vec<u8>)> = Vec::new();
    let lines = setting.lines().map(str::trim).filter(|l| !l.starts_with('#'));
    for part in lines.flat_map(|l| l.split(',')).map(str::trim).filter(|p| !p.is_empty()) {
        let (kid, secret) = part.split_once(':').ok_or("each key is KID:SECRET")?;
        let kid = kid.trim();
        let ok = !kid.is_empty()
            && kid.len() <= 32
            && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(format!("key id {kid:?} must be 1–32 letters, digits, - or _"));
        }
        if secret.len() < 32 {
            return Err(format!("the secret of key {kid} is shorter than 32 characters"));
        }
        if keys.iter().any(|(k, _)| k == kid) {
            return Err(format!("key id {kid} appears twice"));
        }
        keys.push((kid.to_owned(), secret.as_bytes().to_vec()));
    }
    if keys.is_empty() {
        return Err("no keys".into());
    }
    Ok(keys)
}

impl TokenKeys {
    /// `keys` (the first signs) and the single secret, if any, which verifies tokens without
    /// a kid and from which the viewer-link key is derived.
    pub fn from_keys(mut keys: Vec<(String, Vec<u8>)>, single: Option<&[u8]>, ttl_secs: u64) -> Self {
        if let Some(secret) = single {
            let kid = derived_kid(secret);
            if !keys.iter().any(|(k, _)| *k == kid) {
                keys.push((kid, secret.to_vec()));
            }
        }
        let (signing_kid, signing_secret) = keys[0].clone();
        // Without a single secret the caller must set link keys of their own (checked at
        // start-up); the first key stands in until then.
        let link_base = single.unwrap_or(&signing_secret);
        TokenKeys {
            signing_kid,
            encoding: EncodingKey::from_secret(&signing_secret),
            verifying: keys.iter().map(|(k, s)| (k.clone(), DecodingKey::from_secret(s))).collect(),
            legacy: single.map(DecodingKey::from_secret),
            ttl_secs,
            links: super::link_token::LinkKeys::derived(link_base),
        }
    }

    /// One secret that signs (with its derived kid) and verifies.
    pub fn new(secret: &[u8], ttl_secs: u64) -> Self {
        Self::from_keys(vec![(derived_kid(secret), secret.to_vec())], Some(secret), ttl_secs)
    }

    /// The keys as configured (see the module docs), made on first start when none are.
    pub fn load(
        configured_keys: Option<&str>,
        configured_secret: Option<&str>,
        data_dir: &Path,
        ttl_secs: u64,
    ) -> anyhow::Result<Self> {
        if let Some(keys) = configured_keys {
            let keys = parse_keys(keys).map_err(|why| anyhow::anyhow!("FERRUM_JWT_KEYS: {why}"))?;
            return Ok(Self::from_keys(keys, configured_secret.map(str::as_bytes), ttl_secs));
        }
        if let Some(secret) = configured_secret {
            return Ok(Self::new(secret.as_bytes(), ttl_secs));
        }
        let secret = data_dir_secret(data_dir)?;
        let keys = match std::fs::read_to_string(data_dir.join("jwt-keys")) {
            Ok(text) => {
                parse_keys(&text).map_err(|why| anyhow::anyhow!("{}: {why}", data_dir.join("jwt-keys").display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                vec![(derived_kid(secret.as_bytes()), secret.as_bytes().to_vec())]
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Self::from_keys(keys, Some(secret.as_bytes()), ttl_secs))
    }

    pub fn signing_kid(&self) -> &str {
        &self.signing_kid
    }

    pub fn issue(&self, username: &str, role: &str, session: &str) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: username.to_owned(),
            role: role.to_owned(),
            sid: session.to_owned(),
            iat: now,
            exp: now + self.ttl_secs as i64,
        };
        let header = Header { kid: Some(self.signing_kid.clone()), ..Header::new(Algorithm::HS256) };
        encode(&header, &claims, &self.encoding).map_err(ApiError::internal)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let invalid = || ApiError::Unauthorized("the access token is not valid".into());
        let header = decode_header(token).map_err(|_| invalid())?;
        let key = match &header.kid {
            Some(kid) => self.verifying.iter().find(|(k, _)| k == kid).map(|(_, key)| key).ok_or_else(invalid)?,
            None => self.legacy.as_ref().ok_or_else(invalid)?,
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        decode::<Claims>(token, key, &validation).map(|data| data.claims).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                ApiError::Unauthorized("the access token has expired; log in again".into())
            }
            _ => invalid(),
        })
    }
}

/// `<data dir>/jwt-secret`, made on first start (readable by the owner only).
fn data_dir_secret(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join("jwt-secret");
    Ok(match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 32 => s.trim().to_owned(),
        _ => {
            let s = random_secret();
            write_private(&path, &s)?;
            s
        }
    })
}

fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// `ferrum keys rotate` on the embedded default: a new signing key at the top of
/// `<data dir>/jwt-keys`, the earlier ones kept (a few) so that tokens they signed still
/// verify. Answers the new key id; a running server signs with it from its next start.
pub fn rotate_file(data_dir: &Path) -> anyhow::Result<String> {
    let secret = data_dir_secret(data_dir)?;
    let path = data_dir.join("jwt-keys");
    let mut keys = match std::fs::read_to_string(&path) {
        Ok(text) => parse_keys(&text).map_err(|why| anyhow::anyhow!("{}: {why}", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            vec![(derived_kid(secret.as_bytes()), secret.as_bytes().to_vec())]
        }
        Err(e) => return Err(e.into()),
    };
    let kid = format!("k{}", chrono::Utc::now().format("%Y%m%d%H%M%S%6f"));
    keys.insert(0, (kid.clone(), random_secret().into_bytes()));
    keys.truncate(KEPT_IN_FILE);
    let mut text = String::from("# Signing keys of access tokens: the first signs, the others still verify.\n");
    for (k, s) in &keys {
        text.push_str(&format!("{k}:{}\n", String::from_utf8_lossy(s)));
    }
    write_private(&path, &text)?;
    Ok(kid)
}

/// The key ids in `<data dir>/jwt-keys`, the signing one first (none if there is no file).
pub fn file_kids(data_dir: &Path) -> anyhow::Result<Vec<String>> {
    match std::fs::read_to_string(data_dir.join("jwt-keys")) {
        Ok(text) => Ok(parse_keys(&text).map_err(anyhow::Error::msg)?.into_iter().map(|(k, _)| k).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "a-first-secret-of-more-than-thirty-two-chars";
    const B: &str = "a-second-secret-of-more-than-thirty-two-chars";

    #[test]
    fn tokens_carry_the_signing_kid_and_older_keys_still_verify() {
        let old = TokenKeys::from_keys(parse_keys(&format!("one:{A}")).unwrap(), None, 60);
        let token = old.issue("alice", "admin", "sid").unwrap();
        assert_eq!(decode_header(&token).unwrap().kid.as_deref(), Some("one"));
        let rotated = TokenKeys::from_keys(parse_keys(&format!("two:{B},one:{A}")).unwrap(), None, 60);
        assert_eq!(rotated.verify(&token).unwrap().sub, "alice");
        let new = rotated.issue("alice", "admin", "sid").unwrap();
        assert_eq!(decode_header(&new).unwrap().kid.as_deref(), Some("two"));
        let dropped = TokenKeys::from_keys(parse_keys(&format!("two:{B}")).unwrap(), None, 60);
        assert!(dropped.verify(&token).is_err(), "an unknown kid is refused");
    }

    #[test]
    fn a_token_without_kid_verifies_with_the_single_secret_only() {
        let claims = Claims { sub: "a".into(), role: "admin".into(), sid: "s".into(), iat: 0, exp: i64::MAX / 2 };
        let legacy = encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(A.as_bytes())).unwrap();
        assert!(TokenKeys::new(A.as_bytes(), 60).verify(&legacy).is_ok());
        assert!(TokenKeys::from_keys(parse_keys(&format!("k:{A}")).unwrap(), None, 60).verify(&legacy).is_err());
        assert_ne!(derived_kid(A.as_bytes()), derived_kid(B.as_bytes()));
        assert!(parse_keys("k:short").is_err() && parse_keys(&format!("bad kid:{A}")).is_err());
        let file = format!("# a comment, with a comma\none:{A}\ntwo:{B}\n");
        assert_eq!(parse_keys(&file).unwrap().len(), 2);
    }
}
