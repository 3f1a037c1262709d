//! Password hashing with argon2id. Hashing is slow on purpose (and takes 19 MiB a time), so
//! it runs off the async executor on a bounded number of threads, with a bounded queue in
//! front: a flood of logins gets 429 answers, never unbounded threads and memory.
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

/// Hashes waiting or running; beyond this the answer is 429 at once.
const QUEUE: usize = 64;

/// How long a refused caller is told to wait.
const RETRY_AFTER_SECS: u64 = 2;

type HashJob = Box<dyn FnOnce() + Send>;

/// The hashing threads: one per core, each holding a core for a whole hash. Their own
/// threads rather than the runtime's blocking pool, whose hundreds of short-lived threads
/// would each keep an allocator arena holding a hash's memory.
fn pool() -> &'static (std::sync::mpsc::SyncSender<HashJob>, tokio::sync::Semaphore) {
    static POOL: std::sync::OnceLock<(std::sync::mpsc::SyncSender<HashJob>, tokio::sync::Semaphore)> =
        std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<HashJob>(QUEUE);
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for n in 0..std::thread::available_parallelism().map_or(2, |n| n.get()) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new().name(format!("ferrum-hash-{n}")).spawn(move || loop {
                let job = match rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                match job {
                    Ok(job) => job(),
                    Err(_) => return,
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password-hashing thread");
            }
        }
        (tx, tokio::sync::Semaphore::new(QUEUE))
    })
}

/// Runs a hash or verification on the hashing threads, with a bounded queue in front.
async fn bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    let (jobs, queue) = pool();
    let _queued = queue.try_acquire().map_err(|_| ApiError::Throttled(RETRY_AFTER_SECS))?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    jobs.try_send(Box::new(move || {
        let _ = reply.send(work());
    }))
    .map_err(|_| ApiError::Throttled(RETRY_AFTER_SECS))?;
    answer.await.map_err(|_| ApiError::internal(anyhow::anyhow!("a password-hashing thread stopped")))
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    bounded(move || hash_blocking(&password)).await?.map_err(ApiError::Internal)
}

/// Verifies `password` against `stored`; with no stored hash (unknown or deleted user) a
/// dummy hash is checked so that the answer takes as long either way.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    bounded(move || {
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
}

static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn verify_blocking(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    verify_in_place(password, &parsed)
        .unwrap_or_else(|| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

thread_local! {
    /// Each hashing thread's Argon2 working memory, kept between hashes instead of 19 MiB
    /// allocated and freed on every attempt.
    static MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Verifies an argon2 PHC hash in this thread's kept memory; `None` if the hash is not one
/// this can read (then the library's own verification decides).
fn verify_in_place(password: &str, hash: &PasswordHash<'_>) -> Option<bool> {
    let params = argon2::Params::try_from(hash).ok()?;
    let algorithm = argon2::Algorithm::try_from(hash.algorithm).ok()?;
    let version = argon2::Version::try_from(hash.version.unwrap_or(0x13)).ok()?;
    let expected = hash.hash?;
    let mut salt = [0u8; 64];
    let salt = hash.salt?.decode_b64(&mut salt).ok()?;
    let mut out = vec![0u8; expected.len()];
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        memory.resize(blocks, argon2::Block::default());
        argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..blocks]).ok()
    })?;
    // Constant time: the output is compared as the library compares it.
    Some(argon2::password_hash::Output::new(&out).ok()? == expected)
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
