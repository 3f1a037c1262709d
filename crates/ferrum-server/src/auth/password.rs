//! Password hashing with argon2id. Hashing is slow on purpose, so it runs off the async
//! executor.
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::Rng;

use crate::error::ApiError;

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::Internal)
}

/// Verifies `password` against `stored`; with no stored hash (unknown or deleted user) a
/// dummy hash is checked so that the answer takes as long either way.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        let dummy;
        let stored = match stored {
            Some(s) => s,
            None => {
                dummy = DUMMY_HASH.get_or_init(|| hash_blocking("no such user").unwrap_or_default()).clone();
                let _ = verify_blocking(&password, &dummy);
                return false;
            }
        };
        verify_blocking(&password, &stored)
    })
    .await
    .map_err(ApiError::internal)
}

static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn verify_blocking(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A random password of 20 letters and digits, for generated accounts.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect()
}

/// Passwords set through the API: long enough to resist guessing (NIST SP 800-63B asks for
/// at least 8; we ask 10), short enough that hashing them is not a denial of service.
pub fn check_strength(password: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if n < 10 {
        return Err(ApiError::Unprocessable {
            code: "weak_password",
            message: "a password needs at least 10 characters".into(),
        });
    }
    if password.len() > 1024 {
        return Err(ApiError::Unprocessable {
            code: "weak_password",
            message: "a password is at most 1024 bytes".into(),
        });
    }
    Ok(())
}
