//! Access tokens: HS256 JWTs with a short expiry, naming the user and their login session
//! (`sid`); the session row decides whether the token is still honoured.
use std::path::Path;

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub ttl_secs: u64,
    /// Signs viewer-link tokens; derived from the same secret unless configured apart.
    pub links: super::link_token::LinkKeys,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl_secs: u64) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_secs,
            links: super::link_token::LinkKeys::derived(secret),
        }
    }

    /// The configured secret, or one kept in `<data dir>/jwt-secret` (made on first start,
    /// readable by the owner only) so that tokens outlive a restart.
    pub fn load(configured: Option<&str>, data_dir: &Path, ttl_secs: u64) -> anyhow::Result<Self> {
        if let Some(secret) = configured {
            return Ok(Self::new(secret.as_bytes(), ttl_secs));
        }
        let path = data_dir.join("jwt-secret");
        let secret = match std::fs::read_to_string(&path) {
            Ok(s) if s.trim().len() >= 32 => s.trim().to_owned(),
            _ => {
                let mut bytes = [0u8; 32];
                rand::thread_rng().fill_bytes(&mut bytes);
                let s = hex::encode(bytes);
                write_private(&path, &s)?;
                s
            }
        };
        Ok(Self::new(secret.as_bytes(), ttl_secs))
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
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(ApiError::internal)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        decode::<Claims>(token, &self.decoding, &validation).map(|data| data.claims).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                ApiError::Unauthorized("the access token has expired; log in again".into())
            }
            _ => ApiError::Unauthorized("the access token is not valid".into()),
        })
    }
}

fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()?;
    Ok(())
}
