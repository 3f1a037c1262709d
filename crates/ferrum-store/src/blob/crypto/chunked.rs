//! The encrypted object format: a header, then the plaintext in 64 KiB chunks, each sealed
//! with AES-256-GCM on its own, so a range is read by decrypting only the chunks it touches.
//!
//! `header = magic (8) ‖ plaintext length (u64 LE) ‖ nonce prefix (8, random per file)`;
//! chunk `i` is sealed with nonce `prefix ‖ i (u32 BE)` and associated data `header ‖ last?`.
//! The header is authenticated by every chunk and the last chunk says it is the last, so a
//! reordered, dropped, truncated or extended chunk fails to open rather than yielding bytes.
use std::io::{Read, Write};

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use bytes::Bytes;
use futures_util::Stream;
use rand::RngCore;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::master::DataKey;

pub const MAGIC: &[u8; 8] = b"FRMENC01";
pub const HEADER_LEN: usize = 24;
pub const CHUNK: usize = 64 * 1024;
const TAG_LEN: usize = 16;

#[derive(Clone, Copy)]
pub struct Header {
    bytes: [u8; HEADER_LEN],
    pub len: u64,
}

impl Header {
    fn new(len: u64) -> Header {
        let mut bytes = [0u8; HEADER_LEN];
        bytes[..8].copy_from_slice(MAGIC);
        bytes[8..16].copy_from_slice(&len.to_le_bytes());
        rand::rngs::OsRng.fill_bytes(&mut bytes[16..24]);
        Header { bytes, len }
    }

    /// The header of an encrypted object, or `None` when `bytes` do not start like one (an
    /// object written before encryption was turned on).
    pub fn parse(bytes: &[u8]) -> Option<Header> {
        let bytes: [u8; HEADER_LEN] = bytes.get(..HEADER_LEN)?.try_into().ok()?;
        (&bytes[..8] == MAGIC).then(|| Header { bytes, len: u64::from_le_bytes(bytes[8..16].try_into().unwrap()) })
    }

    /// Chunks in the object (an empty object still has one, so that it is authenticated too).
    fn chunks(&self) -> u64 {
        self.len.div_ceil(CHUNK as u64).max(1)
    }

    fn plain_len(&self, index: u64) -> usize {
        (self.len - index * CHUNK as u64).min(CHUNK as u64) as usize
    }

    fn nonce(&self, index: u64) -> [u8; 12] {
        let mut n = [0u8; 12];
        n[..8].copy_from_slice(&self.bytes[16..24]);
        n[8..].copy_from_slice(&(index as u32).to_be_bytes());
        n
    }

    fn aad(&self, index: u64) -> [u8; HEADER_LEN + 1] {
        let mut a = [0u8; HEADER_LEN + 1];
        a[..HEADER_LEN].copy_from_slice(&self.bytes);
        a[HEADER_LEN] = u8::from(index + 1 == self.chunks());
        a
    }

    fn offset(index: u64) -> u64 {
        HEADER_LEN as u64 + index * (CHUNK + TAG_LEN) as u64
    }
}

/// The encrypted size of an object of `len` bytes.
pub fn encrypted_len(len: u64) -> u64 {
    let chunks = len.div_ceil(CHUNK as u64).max(1);
    HEADER_LEN as u64 + len + chunks * TAG_LEN as u64
}

fn too_many_chunks() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, "object too large to encrypt")
}

/// Encrypts exactly `len` bytes read from `src` into `dst`.
pub fn encrypt(key: &DataKey, mut src: impl Read, len: u64, mut dst: impl Write) -> std::io::Result<()> {
    let header = Header::new(len);
    if header.chunks() > u32::MAX as u64 {
        return Err(too_many_chunks());
    }
    let cipher = Aes256Gcm::new_from_slice(key).expect("32-byte key");
    dst.write_all(&header.bytes)?;
    let mut buf = vec![0u8; CHUNK];
    for index in 0..header.chunks() {
        let plain = &mut buf[..header.plain_len(index)];
        src.read_exact(plain)?;
        let tag = cipher
            .encrypt_in_place_detached(&Nonce::from(header.nonce(index)), &header.aad(index), plain)
            .map_err(|_| std::io::Error::other("AES-GCM refused a chunk"))?;
        dst.write_all(plain)?;
        dst.write_all(&tag)?;
    }
    if src.read(&mut [0u8; 1])? != 0 {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "the source grew while it was encrypted"));
    }
    Ok(())
}

fn damaged() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "an encrypted object failed authentication (damaged or not ours)",
    )
}

/// Decrypts a whole encrypted object from `src` into `dst`, one chunk in memory at a time,
/// and returns the plaintext length; fails on any damage, and on bytes after the last chunk.
pub fn decrypt(key: &DataKey, mut src: impl Read, mut dst: impl Write) -> std::io::Result<u64> {
    let eof_is_damage = |e: std::io::Error| if e.kind() == std::io::ErrorKind::UnexpectedEof { damaged() } else { e };
    let mut head = [0u8; HEADER_LEN];
    src.read_exact(&mut head).map_err(eof_is_damage)?;
    let header = Header::parse(&head).ok_or_else(damaged)?;
    let cipher = Aes256Gcm::new_from_slice(key).expect("32-byte key");
    let mut buf = vec![0u8; CHUNK + TAG_LEN];
    for index in 0..header.chunks() {
        let plain_len = header.plain_len(index);
        let chunk = &mut buf[..plain_len + TAG_LEN];
        src.read_exact(chunk).map_err(eof_is_damage)?;
        let (plain, tag) = chunk.split_at_mut(plain_len);
        let tag = Tag::from(<[u8; TAG_LEN]>::try_from(&*tag).expect("a tag's length"));
        cipher
            .decrypt_in_place_detached(&Nonce::from(header.nonce(index)), &header.aad(index), plain, &tag)
            .map_err(|_| damaged())?;
        dst.write_all(plain)?;
    }
    if src.read(&mut [0u8; 1])? != 0 {
        return Err(damaged());
    }
    Ok(header.len)
}

/// The plaintext bytes `start..end` of an encrypted object, decrypted chunk by chunk as the
/// stream is read: memory stays at one chunk whatever the range.
pub fn decrypt_range(
    key: &DataKey,
    file: tokio::fs::File,
    header: Header,
    start: u64,
    end: u64,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send {
    let cipher = Aes256Gcm::new_from_slice(key).expect("32-byte key");
    let end = end.min(header.len);
    let start = start.min(end);
    // The first chunk is opened even for an empty range, so that no read of an object skips
    // authentication altogether.
    let first = (start / CHUNK as u64).min(header.chunks() - 1);
    let state = (file, first, false);
    futures_util::stream::try_unfold(state, move |(mut file, index, positioned)| {
        let cipher = cipher.clone();
        async move {
            let chunk_start = index * CHUNK as u64;
            if positioned && chunk_start >= end {
                return Ok(None);
            }
            if !positioned {
                file.seek(std::io::SeekFrom::Start(Header::offset(index))).await?;
            }
            let plain_len = header.plain_len(index);
            let mut buf = vec![0u8; plain_len + TAG_LEN];
            file.read_exact(&mut buf).await.map_err(|e| {
                if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    damaged()
                } else {
                    e
                }
            })?;
            let tag = Tag::from(<[u8; TAG_LEN]>::try_from(&buf[plain_len..]).expect("a tag's length"));
            buf.truncate(plain_len);
            cipher
                .decrypt_in_place_detached(&Nonce::from(header.nonce(index)), &header.aad(index), &mut buf, &tag)
                .map_err(|_| damaged())?;
            let to = (end.saturating_sub(chunk_start) as usize).min(plain_len);
            let from = (start.saturating_sub(chunk_start) as usize).min(to);
            let bytes = Bytes::from(buf).slice(from..to);
            Ok(Some((bytes, (file, index + 1, true))))
        }
    })
}

#[cfg(test)]
mod tests {
    use futures_util::TryStreamExt;

    use super::*;

    async fn read(key: &DataKey, path: &std::path::Path, start: u64, end: u64) -> std::io::Result<Vec<u8>> {
        let mut file = tokio::fs::File::open(path).await?;
        let mut head = [0u8; HEADER_LEN];
        file.read_exact(&mut head).await?;
        let header = Header::parse(&head).expect("encrypted");
        let parts: Vec<Bytes> = decrypt_range(key, file, header, start, end).try_collect().await?;
        Ok(parts.concat())
    }

    #[tokio::test]
    async fn every_range_of_objects_around_chunk_boundaries_reads_back() {
        let key = [7u8; 32];
        let dir = tempfile::tempdir().unwrap();
        for len in [0usize, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let path = dir.path().join(format!("{len}"));
            let mut out = Vec::new();
            encrypt(&key, &plain[..], len as u64, &mut out).unwrap();
            assert_eq!(out.len() as u64, encrypted_len(len as u64));
            assert!(!out.windows(16.min(len.max(1))).any(|w| len >= 16 && w == &plain[..16]), "plaintext visible");
            std::fs::write(&path, &out).unwrap();
            assert_eq!(read(&key, &path, 0, len as u64).await.unwrap(), plain, "whole, len {len}");
            for (s, e) in [(0, 1), (CHUNK - 2, CHUNK + 2), (1, len), (len / 2, len), (len, len)] {
                let (s, e) = (s.min(len), e.min(len));
                assert_eq!(read(&key, &path, s as u64, e as u64).await.unwrap(), &plain[s..e], "{s}..{e} of {len}");
            }
        }
    }

    #[tokio::test]
    async fn tampering_truncation_and_a_wrong_key_fail() {
        let key = [9u8; 32];
        let dir = tempfile::tempdir().unwrap();
        let plain = vec![5u8; 2 * CHUNK + 10];
        let mut out = Vec::new();
        encrypt(&key, &plain[..], plain.len() as u64, &mut out).unwrap();
        let path = dir.path().join("x");
        let flipped = {
            let mut o = out.clone();
            o[HEADER_LEN + CHUNK + 40] ^= 1;
            o
        };
        std::fs::write(&path, &flipped).unwrap();
        assert!(read(&key, &path, 0, plain.len() as u64).await.is_err(), "flipped bit");
        let truncated = &out[..out.len() - 20];
        std::fs::write(&path, truncated).unwrap();
        assert!(read(&key, &path, 0, plain.len() as u64).await.is_err(), "truncated");
        // Dropping the last chunk and claiming a shorter length in the header breaks the header's tag.
        let mut shortened = out[..Header::offset(2) as usize].to_vec();
        shortened[8..16].copy_from_slice(&((2 * CHUNK) as u64).to_le_bytes());
        std::fs::write(&path, &shortened).unwrap();
        assert!(read(&key, &path, 0, (2 * CHUNK) as u64).await.is_err(), "shortened");
        std::fs::write(&path, &out).unwrap();
        assert!(read(&[1u8; 32], &path, 0, 10).await.is_err(), "wrong key");
        let mut whole = Vec::new();
        assert_eq!(decrypt(&key, &out[..], &mut whole).unwrap(), plain.len() as u64);
        assert_eq!(whole, plain, "decrypted whole");
        assert!(decrypt(&key, &flipped[..], Vec::new()).is_err(), "flipped bit, whole");
        assert!(decrypt(&key, truncated, Vec::new()).is_err(), "truncated, whole");
        assert!(decrypt(&key, &[&out[..], b"x"].concat()[..], Vec::new()).is_err(), "extended, whole");
        assert!(decrypt(&[1u8; 32], &out[..], Vec::new()).is_err(), "wrong key, whole");
        assert!(encrypt(&key, &plain[..], plain.len() as u64 - 1, Vec::new()).is_err(), "source longer than said");
    }
}
