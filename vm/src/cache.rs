//! The compiled-module cache: an in-memory LRU in front of an on-disk artifact store.
//!
//! Compiling is the expensive step (singlepass is linear, but a large contract still takes
//! milliseconds), so each (code, configuration) pair is compiled once. The key covers everything
//! that changes the compiled code or its validation summary: the code hash, the wasmer version,
//! the instrumentation and validation versions, the gas schedule, the chain limits, the rule set
//! and the target. A changed schedule or limit therefore can never run stale metered code
//! (determinism rule 6).
//!
//! An artifact file holds the compiled module and the validation summary of its code, so that a
//! load neither validates nor copies: the summary is as trustworthy as the machine code beside
//! it (both were made from the same validated code under the same key), and the payload is
//! read into a 16-byte-aligned buffer that wasmer deserializes in place.
//!
//! Artifacts on disk are untrusted input to an `unsafe` deserializer, so each file carries a
//! 128-bit xxh3 checksum of its payload and summary, checked before deserializing. A corrupted or truncated file
//! is ignored (and removed), and the module is compiled again. The checksum guards against
//! corruption (disk errors, torn writes, a crash mid-write); it is not a defence against someone
//! who can write the node's data folder, who could equally replace the node binary. Files are
//! written to a temporary name and renamed, so readers never see a partial file.
//!
//! Which artifacts are written at all is the engine's choice ([`crate::ArtifactPolicy`]): only
//! code that is on chain or being deposited, so the store grows only with code whose deposit was
//! paid (200 gas per compressed byte under `v2`). It keeps every such artifact by default: a call
//! pays for loading an artifact (`v2`'s code-load price), not for compiling one, so an artifact
//! evicted and compiled again at its next call would be work nobody paid for, repeatable by
//! calling more codes than the store holds. A budget ([`DiskCache::open`]'s `max_bytes`) is
//! there for tools; it keeps the least recently used artifacts out once the total passes it
//! (their modification times carry the order across restarts). Each engine configuration has
//! its own folder ([`config_folder`]); artifacts of other configurations, which this engine can
//! never load, are removed when it opens the store.

use std::fs;
use std::io::{self, Read};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use lru::LruCache;
use sha3::{Digest, Keccak256};

use bytes::Bytes;

use crate::CompiledModule;
use crate::instrument::INSTRUMENTATION_VERSION;
use crate::limits::ChainLimits;
use crate::schedule::GasSchedule;
use crate::validate::{FunctionFrame, ModuleSummary, Rules};

/// The wasmer version compiled artifacts depend on (pinned in the workspace).
pub const WASMER_VERSION: &str = "5.0.6";

/// Bumped whenever validation could accept, reject or summarize a module differently: an
/// artifact carries its code's [`ModuleSummary`], which a load trusts instead of validating
/// again, and the summary is consensus (frame prices, the stack budget).
pub const VALIDATION_VERSION: u32 = 1;

const FILE_MAGIC: &[u8; 8] = b"RWASMART";
/// 2: the checksum is xxh3-128 (version 1's Keccak-256 took half the time of loading an
/// ERC-20's module, `host-call-uncached`). 3: the validation summary follows the payload
/// (validating again took a third of a load). Files of other versions are recompiled.
const FILE_FORMAT_VERSION: u32 = 3;
/// Magic, version, summary length (u32), payload length (u64), checksum (16 bytes), then zeros
/// up to a multiple of 16, so that the payload keeps the buffer's 16-byte alignment (wasmer's
/// archive is read in place and needs it).
const HEADER_LEN: usize = 48;
const CHECKSUM_AT: usize = 8 + 4 + 4 + 8;

/// Everything about the engine that determines a compiled artifact, hashed once per engine:
/// the wasmer and instrumentation versions, the gas schedule, the chain limits and the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigDigest([u8; 32]);

impl ConfigDigest {
    /// The digest of an engine with this schedule and these limits on this machine.
    pub fn new(schedule: &GasSchedule, limits: &ChainLimits) -> Self {
        let mut hasher = Keccak256::new();
        hasher.update(b"rewasm-artifact-config-v2");
        hasher.update(WASMER_VERSION.as_bytes());
        hasher.update(INSTRUMENTATION_VERSION.to_le_bytes());
        hasher.update(VALIDATION_VERSION.to_le_bytes());
        hasher.update(schedule.hash());
        hasher.update(limits.hash());
        // The schedule's hash leaves the dev chains' `debug` module out (it follows genesis
        // `devMode`); an artifact validated with it must not load where it is not offered.
        if schedule.modules.debug {
            hasher.update(b"debug-module");
        }
        hasher.update(wasmer::Target::default().triple().to_string().as_bytes());
        Self(hasher.finalize().into())
    }

    /// Lower-case hex, used as the name of the configuration's artifact folder.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A module within one engine: its code hash and rule set (the engine's configuration is
/// fixed, so nothing else tells two modules apart). The in-memory cache and the warm pool are
/// keyed by it; a lookup hashes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModuleKey {
    /// Keccak-256 of the code.
    pub code_hash: [u8; 32],
    /// The rules it was validated under.
    pub rules: Rules,
}

/// Everything that determines a compiled artifact, hashed: the on-disk key, which must also
/// tell configurations apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// The key of `code` compiled under this configuration.
    pub fn new(
        code_hash: &[u8; 32],
        schedule: &GasSchedule,
        limits: &ChainLimits,
        rules: Rules,
    ) -> Self {
        Self::for_config(&ConfigDigest::new(schedule, limits), code_hash, rules)
    }

    /// The key of `code` under an engine's [`ConfigDigest`]: what every lookup computes, so it
    /// hashes 65 bytes and detects nothing about the machine.
    pub fn for_config(config: &ConfigDigest, code_hash: &[u8; 32], rules: Rules) -> Self {
        let mut hasher = Keccak256::new();
        hasher.update(config.0);
        hasher.update(code_hash);
        hasher.update([rules as u8]);
        Self(hasher.finalize().into())
    }

    /// Lower-case hex, used as the file name on disk.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// The key a file name's hex part spells, if it is one.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let mut key = [0u8; 32];
        if hex.len() != 64 {
            return None;
        }
        for (byte, pair) in key.iter_mut().zip(hex.as_bytes().chunks(2)) {
            let text = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(text, 16).ok()?;
        }
        Some(Self(key))
    }
}

/// Keccak-256 of contract code: the code hash of Ethereum accounts.
pub fn code_hash(code: &[u8]) -> [u8; 32] {
    Keccak256::digest(code).into()
}

/// In-memory LRU of compiled modules.
#[derive(Debug)]
pub struct MemoryCache {
    entries: Mutex<LruCache<ModuleKey, Arc<CompiledModule>>>,
}

impl MemoryCache {
    /// A cache holding at most `capacity` modules (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self {
            entries: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The module under `key`, marking it recently used.
    pub fn get(&self, key: &ModuleKey) -> Option<Arc<CompiledModule>> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    /// Stores `module` under `key`, evicting the least recently used entry when full.
    pub fn put(&self, key: ModuleKey, module: Arc<CompiledModule>) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.put(key, module);
        }
    }

    /// Drops every entry.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// Number of cached modules.
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .map(|entries| entries.len())
            .unwrap_or(0)
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a file on disk was not used.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactFileError {
    #[error("reading {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: truncated ({len} bytes)")]
    Truncated { path: PathBuf, len: usize },
    #[error("{path}: not a rewasm artifact (bad magic or format version)")]
    Format { path: PathBuf },
    #[error("{path}: checksum mismatch")]
    Checksum { path: PathBuf },
}

/// The on-disk artifact store: one file per cache key, at most `max_bytes` in all when bounded.
#[derive(Debug)]
pub struct DiskCache {
    dir: PathBuf,
    max_bytes: Option<u64>,
    index: Mutex<DiskIndex>,
}

/// The files on disk, least recently used first, and their total size.
#[derive(Debug)]
struct DiskIndex {
    files: LruCache<CacheKey, u64>,
    bytes: u64,
}

impl DiskIndex {
    fn insert(&mut self, key: CacheKey, size: u64) {
        if let Some(old) = self.files.put(key, size) {
            self.bytes = self.bytes.saturating_sub(old);
        }
        self.bytes = self.bytes.saturating_add(size);
    }

    fn remove(&mut self, key: &CacheKey) {
        if let Some(size) = self.files.pop(key) {
            self.bytes = self.bytes.saturating_sub(size);
        }
    }
}

const ARTIFACT_EXTENSION: &str = "artifact";

/// An artifact file or one a crash left half written: `<key>.artifact`, `<key>.tmp<pid>`.
fn is_artifact_file(path: &Path) -> bool {
    let named_by_key = is_hash_hex(path.file_stem());
    let extension = path.extension().and_then(|ext| ext.to_str()).unwrap_or("");
    named_by_key && (extension == ARTIFACT_EXTENSION || extension.starts_with("tmp"))
}

/// Whether `name` is 64 hex digits, as the names of keys and configuration digests are.
fn is_hash_hex(name: Option<&std::ffi::OsStr>) -> bool {
    name.and_then(|name| name.to_str())
        .and_then(CacheKey::from_hex)
        .is_some()
}

/// A configuration's folder: named by a [`ConfigDigest`] and holding artifact files only, so
/// that a folder of something else is never removed.
fn holds_only_artifacts(path: &Path) -> bool {
    is_hash_hex(path.file_name())
        && fs::read_dir(path).is_ok_and(|entries| {
            entries
                .filter_map(Result::ok)
                .all(|entry| entry.path().is_file() && is_artifact_file(&entry.path()))
        })
}

/// The folder of `config`'s artifacts under `root`, created if missing. What `root` holds for
/// other configurations (their folders, and the loose artifact files of stores from before
/// per-configuration folders) is removed: no engine of this configuration can load it, and
/// the store never evicts, so nothing else would.
pub fn config_folder(root: &Path, config: &ConfigDigest) -> io::Result<PathBuf> {
    let folder = root.join(config.to_hex());
    fs::create_dir_all(&folder)?;
    for entry in fs::read_dir(root)? {
        let path = entry?.path();
        if path == folder {
            continue;
        }
        let removed = if path.is_dir() && holds_only_artifacts(&path) {
            fs::remove_dir_all(&path)
        } else if !path.is_dir() && is_artifact_file(&path) {
            fs::remove_file(&path)
        } else {
            continue;
        };
        match removed {
            Ok(()) => {
                tracing::info!(path = %path.display(), "removed artifacts of another engine configuration")
            }
            Err(err) => {
                tracing::warn!(%err, path = %path.display(), "could not remove artifacts of another engine configuration")
            }
        }
    }
    Ok(folder)
}

impl DiskCache {
    /// A store in `dir` (created if missing) holding at most `max_bytes`, or everything it is
    /// given when `None`; the artifacts already there are indexed by their modification times
    /// and trimmed to the budget.
    pub fn open(dir: impl Into<PathBuf>, max_bytes: Option<u64>) -> io::Result<Self> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        let mut found = Vec::new();
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let key = path
                .file_stem()
                .and_then(|stem| stem.to_str())
                .and_then(CacheKey::from_hex);
            let is_artifact = path
                .extension()
                .is_some_and(|ext| ext == ARTIFACT_EXTENSION);
            match (key, is_artifact) {
                (Some(key), true) => {
                    let metadata = entry.metadata()?;
                    let used = metadata.modified().unwrap_or(std::time::UNIX_EPOCH);
                    found.push((used, key, metadata.len()));
                }
                // A temporary file a crash left behind.
                (Some(_), false) => {
                    let _ = fs::remove_file(&path);
                }
                _ => {}
            }
        }
        found.sort();
        let mut index = DiskIndex {
            files: LruCache::unbounded(),
            bytes: 0,
        };
        for (_, key, size) in found {
            index.insert(key, size);
        }
        let cache = Self {
            dir,
            max_bytes,
            index: Mutex::new(index),
        };
        cache.trim();
        Ok(cache)
    }

    /// Path of the artifact for `key`.
    pub fn path_of(&self, key: &CacheKey) -> PathBuf {
        self.dir
            .join(format!("{}.{ARTIFACT_EXTENSION}", key.to_hex()))
    }

    /// Bytes the stored artifacts take.
    pub fn bytes(&self) -> u64 {
        self.lock_index().bytes
    }

    /// The verified artifact for `key`: `Ok(None)` when there is no file, an error when the
    /// file exists but must not be deserialized (the caller removes it and recompiles). A hit
    /// becomes the most recently used artifact.
    pub fn load(&self, key: &CacheKey) -> Result<Option<StoredArtifact>, ArtifactFileError> {
        let path = self.path_of(key);
        let io_error = |source| ArtifactFileError::Io {
            path: path.clone(),
            source,
        };
        // Opened for writing too, to set the modification time through the same handle; a
        // store the node may only read is read all the same.
        let opened = fs::File::options()
            .read(true)
            .append(true)
            .open(&path)
            .or_else(|err| match err.kind() {
                io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                    fs::File::open(&path)
                }
                _ => Err(err),
            });
        let mut file = match opened {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                self.lock_index().remove(key);
                return Ok(None);
            }
            Err(source) => return Err(io_error(source)),
        };
        let len = file.metadata().map_err(io_error)?.len();
        let len = usize::try_from(len).map_err(|_| ArtifactFileError::Truncated {
            path: path.clone(),
            len: usize::MAX,
        })?;
        let mut buffer = AlignedBytes::zeroed(len);
        file.read_exact(buffer.as_mut()).map_err(io_error)?;
        self.lock_index().files.promote(key);
        // The order survives a restart through the modification time; failing to set it only
        // makes the artifact look older.
        let _ = file.set_modified(std::time::SystemTime::now());
        verify(&path, buffer).map(Some)
    }

    /// Writes `payload` and `summary` for `key` with their header, atomically, then removes the
    /// least recently used artifacts until the store fits its budget.
    pub fn store(&self, key: &CacheKey, payload: &[u8], summary: &ModuleSummary) -> io::Result<()> {
        let path = self.path_of(key);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let summary = encode_summary(summary);
        let mut file = Vec::with_capacity(HEADER_LEN + payload.len() + summary.len());
        file.extend_from_slice(FILE_MAGIC);
        file.extend_from_slice(&FILE_FORMAT_VERSION.to_le_bytes());
        file.extend_from_slice(&(summary.len() as u32).to_le_bytes());
        file.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(payload);
        hasher.update(&summary);
        file.extend_from_slice(&hasher.digest128().to_le_bytes());
        file.resize(HEADER_LEN, 0);
        file.extend_from_slice(payload);
        file.extend_from_slice(&summary);
        fs::write(&tmp, &file)?;
        fs::rename(&tmp, &path)?;
        self.lock_index().insert(*key, file.len() as u64);
        self.trim();
        Ok(())
    }

    /// Removes the file for `key`, if any.
    pub fn remove(&self, key: &CacheKey) {
        self.lock_index().remove(key);
        let _ = fs::remove_file(self.path_of(key));
    }

    /// Removes least recently used artifacts until the total fits the budget, if there is one.
    fn trim(&self) {
        let Some(max_bytes) = self.max_bytes else {
            return;
        };
        let mut index = self.lock_index();
        while index.bytes > max_bytes {
            let Some((key, size)) = index.files.pop_lru() else {
                break;
            };
            index.bytes = index.bytes.saturating_sub(size);
            if let Err(err) = fs::remove_file(self.path_of(&key))
                && err.kind() != io::ErrorKind::NotFound
            {
                tracing::warn!(%err, key = %key.to_hex(), "could not remove an evicted artifact");
            }
        }
    }

    /// The index; a panic elsewhere while holding the lock leaves at worst a stale size, so
    /// poisoning is ignored.
    fn lock_index(&self) -> std::sync::MutexGuard<'_, DiskIndex> {
        self.index
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A verified artifact file: the compiled module's bytes and its code's validation summary.
#[derive(Debug)]
pub struct StoredArtifact {
    /// What `Module::serialize` wrote, 16-byte aligned, shared with the file's buffer.
    pub payload: Bytes,
    pub summary: ModuleSummary,
}

/// A file's bytes in a buffer of `u128`s, so they start 16-byte aligned.
struct AlignedBytes {
    words: Vec<u128>,
    len: usize,
}

// The payload's alignment rests on this (`u128` is 16-aligned on x86-64 and aarch64).
const _: () = assert!(std::mem::align_of::<u128>() >= 16);

impl AlignedBytes {
    fn zeroed(len: usize) -> Self {
        Self {
            words: vec![0; len.div_ceil(16)],
            len,
        }
    }
}

impl AsRef<[u8]> for AlignedBytes {
    fn as_ref(&self) -> &[u8] {
        bytemuck::cast_slice(&self.words)
            .get(..self.len)
            .unwrap_or_default()
    }
}

impl AsMut<[u8]> for AlignedBytes {
    fn as_mut(&mut self) -> &mut [u8] {
        bytemuck::cast_slice_mut(&mut self.words)
            .get_mut(..self.len)
            .unwrap_or_default()
    }
}

/// Checks header, lengths and checksum; returns the payload (without a copy) and the summary.
fn verify(path: &Path, buffer: AlignedBytes) -> Result<StoredArtifact, ArtifactFileError> {
    let bytes = buffer.as_ref();
    let truncated = || ArtifactFileError::Truncated {
        path: path.to_path_buf(),
        len: bytes.len(),
    };
    let format = || ArtifactFileError::Format {
        path: path.to_path_buf(),
    };
    let header = bytes.get(..HEADER_LEN).ok_or_else(truncated)?;
    let field = |at: usize, len: usize| header.get(at..at + len).unwrap_or_default();
    if field(0, 8) != FILE_MAGIC || field(8, 4) != FILE_FORMAT_VERSION.to_le_bytes() {
        return Err(format());
    }
    let summary_len = field(12, 4)
        .try_into()
        .map(u32::from_le_bytes)
        .map_err(|_| truncated())?;
    let payload_len = field(16, 8)
        .try_into()
        .map(u64::from_le_bytes)
        .map_err(|_| truncated())?;
    let expected: [u8; 16] = field(CHECKSUM_AT, 16).try_into().map_err(|_| truncated())?;
    let body = bytes.get(HEADER_LEN..).unwrap_or_default();
    let declared = payload_len.checked_add(u64::from(summary_len));
    if declared != Some(body.len() as u64) {
        return Err(truncated());
    }
    if checksum(body) != expected {
        return Err(ArtifactFileError::Checksum {
            path: path.to_path_buf(),
        });
    }
    let payload_end = HEADER_LEN + payload_len as usize;
    let summary = bytes
        .get(payload_end..)
        .and_then(decode_summary)
        .ok_or_else(format)?;
    Ok(StoredArtifact {
        payload: Bytes::from_owner(buffer).slice(HEADER_LEN..payload_end),
        summary,
    })
}

/// The checksum stored in the header: xxh3-128 of everything after it, little-endian.
fn checksum(body: &[u8]) -> [u8; 16] {
    xxhash_rust::xxh3::xxh3_128(body).to_le_bytes()
}

/// `summary` as little-endian `u32`s: imported functions, functions, initial pages, whether a
/// maximum is declared, the maximum, passive data, the frame count, then each frame's locals
/// and operand height.
fn encode_summary(summary: &ModuleSummary) -> Vec<u8> {
    let fixed = [
        summary.imported_functions,
        summary.functions,
        summary.initial_pages,
        u32::from(summary.max_pages.is_some()),
        summary.max_pages.unwrap_or(0),
        u32::from(summary.passive_data),
        summary.function_frames.len() as u32,
    ];
    let frames = summary
        .function_frames
        .iter()
        .flat_map(|frame| [frame.locals, frame.max_operand_height]);
    fixed
        .into_iter()
        .chain(frames)
        .flat_map(u32::to_le_bytes)
        .collect()
}

/// The inverse of [`encode_summary`]; `None` for anything it could not have written.
fn decode_summary(bytes: &[u8]) -> Option<ModuleSummary> {
    let (words, rest) = bytes.as_chunks::<4>();
    if !rest.is_empty() {
        return None;
    }
    let mut words = words.iter().map(|word| u32::from_le_bytes(*word));
    let mut next = || words.next();
    let flag = |value: u32| match value {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    };
    let imported_functions = next()?;
    let functions = next()?;
    let initial_pages = next()?;
    let has_max = flag(next()?)?;
    let max = next()?;
    let passive_data = flag(next()?)?;
    let frame_count = next()?;
    let mut function_frames = Vec::new();
    for _ in 0..frame_count {
        function_frames.push(FunctionFrame {
            locals: next()?,
            max_operand_height: next()?,
        });
    }
    if next().is_some() {
        return None;
    }
    Some(ModuleSummary {
        imported_functions,
        functions,
        initial_pages,
        max_pages: has_max.then_some(max),
        function_frames,
        passive_data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> CacheKey {
        CacheKey::new(
            &[byte; 32],
            &GasSchedule::default_schedule(),
            &ChainLimits::default(),
            Rules::Contract,
        )
    }

    #[test]
    fn key_changes_with_every_input() {
        let schedule = GasSchedule::default_schedule();
        let limits = ChainLimits::default();
        let base = CacheKey::new(&[1; 32], &schedule, &limits, Rules::Contract);
        let mut dev = schedule.clone();
        dev.modules = dev.modules.with_debug();
        assert_ne!(
            base,
            CacheKey::new(&[1; 32], &dev, &limits, Rules::Contract),
            "the debug module, which the schedule's hash leaves out"
        );
        assert_ne!(
            base,
            CacheKey::new(&[2; 32], &schedule, &limits, Rules::Contract)
        );
        assert_ne!(
            base,
            CacheKey::new(
                &[1; 32],
                &GasSchedule::ewasm_conformance(),
                &limits,
                Rules::Contract
            )
        );
        let tighter = ChainLimits {
            max_call_depth: 10,
            ..limits.clone()
        };
        assert_ne!(
            base,
            CacheKey::new(&[1; 32], &schedule, &tighter, Rules::Contract)
        );
        assert_ne!(
            base,
            CacheKey::new(&[1; 32], &schedule, &limits, Rules::Determinism)
        );
    }

    #[test]
    fn disk_round_trip_and_rejections() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let disk = DiskCache::open(dir.path(), None).unwrap_or_else(|e| panic!("open: {e}"));
        let k = key(7);
        assert!(matches!(disk.load(&k), Ok(None)));
        let summary = sample_summary();
        disk.store(&k, b"payload bytes", &summary)
            .unwrap_or_else(|e| panic!("store: {e}"));
        let loaded = disk
            .load(&k)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("stored artifact"));
        assert_eq!(&loaded.payload[..], b"payload bytes");
        assert_eq!(loaded.payload.as_ptr() as usize % 16, 0, "aligned");
        assert_eq!(loaded.summary, summary);

        let path = disk.path_of(&k);
        let mut file = fs::read(&path).unwrap_or_default();
        let last = file.len() - 1;
        file[last] ^= 1;
        fs::write(&path, &file).unwrap_or_else(|e| panic!("write: {e}"));
        assert!(matches!(
            disk.load(&k),
            Err(ArtifactFileError::Checksum { .. })
        ));

        file.truncate(HEADER_LEN + 3);
        fs::write(&path, &file).unwrap_or_else(|e| panic!("write: {e}"));
        assert!(matches!(
            disk.load(&k),
            Err(ArtifactFileError::Truncated { .. })
        ));

        fs::write(&path, b"short").unwrap_or_else(|e| panic!("write: {e}"));
        assert!(matches!(
            disk.load(&k),
            Err(ArtifactFileError::Truncated { .. })
        ));

        fs::write(&path, [0u8; HEADER_LEN + 4]).unwrap_or_else(|e| panic!("write: {e}"));
        assert!(matches!(
            disk.load(&k),
            Err(ArtifactFileError::Format { .. })
        ));

        // Files of earlier versions (version 1: Keccak-256 checksum; version 2: no summary, a
        // 36-byte header) are not read as version-3 ones.
        for version in [1u32, 2] {
            let mut old = FILE_MAGIC.to_vec();
            old.extend_from_slice(&version.to_le_bytes());
            old.extend_from_slice(&4u64.to_le_bytes());
            old.extend_from_slice(&[0; 16 + 4 + HEADER_LEN]);
            fs::write(&path, old).unwrap_or_else(|e| panic!("write: {e}"));
            assert!(matches!(
                disk.load(&k),
                Err(ArtifactFileError::Format { .. })
            ));
        }

        // A summary the checksum covers but that does not decode is a format error.
        let mut file = Vec::from(&FILE_MAGIC[..]);
        file.extend_from_slice(&FILE_FORMAT_VERSION.to_le_bytes());
        file.extend_from_slice(&4u32.to_le_bytes());
        file.extend_from_slice(&0u64.to_le_bytes());
        file.extend_from_slice(&checksum(&[9, 9, 9, 9]));
        file.resize(HEADER_LEN, 0);
        file.extend_from_slice(&[9, 9, 9, 9]);
        fs::write(&path, file).unwrap_or_else(|e| panic!("write: {e}"));
        assert!(matches!(
            disk.load(&k),
            Err(ArtifactFileError::Format { .. })
        ));
    }

    fn sample_summary() -> ModuleSummary {
        ModuleSummary {
            imported_functions: 3,
            functions: 2,
            initial_pages: 1,
            max_pages: Some(4),
            function_frames: vec![
                FunctionFrame {
                    locals: 5,
                    max_operand_height: 9,
                },
                FunctionFrame {
                    locals: 0,
                    max_operand_height: 1,
                },
            ],
            passive_data: true,
        }
    }

    #[test]
    fn summaries_round_trip_and_nothing_else_decodes() {
        for summary in [
            sample_summary(),
            ModuleSummary::default(),
            ModuleSummary {
                max_pages: Some(0),
                ..ModuleSummary::default()
            },
        ] {
            let bytes = encode_summary(&summary);
            assert_eq!(decode_summary(&bytes), Some(summary.clone()));
            for cut in 0..bytes.len() {
                assert_eq!(decode_summary(&bytes[..cut]), None, "cut at {cut}");
            }
            let mut longer = bytes.clone();
            longer.extend_from_slice(&[0; 4]);
            assert_eq!(decode_summary(&longer), None);
        }
        let mut bad_flag = encode_summary(&sample_summary());
        bad_flag[12] = 2;
        assert_eq!(decode_summary(&bad_flag), None);
    }

    #[test]
    fn the_disk_store_keeps_the_most_recently_used_within_its_budget() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let summary = ModuleSummary::default();
        let file_size = (HEADER_LEN + 1000 + encode_summary(&summary).len()) as u64;
        let disk = DiskCache::open(dir.path(), Some(3 * file_size))
            .unwrap_or_else(|e| panic!("open: {e}"));
        for n in 0..3 {
            disk.store(&key(n), &[n; 1000], &summary)
                .unwrap_or_else(|e| panic!("store: {e}"));
        }
        assert_eq!(disk.bytes(), 3 * file_size);
        // Using the oldest makes the second the least recently used.
        assert!(matches!(disk.load(&key(0)), Ok(Some(_))));
        disk.store(&key(3), &[3; 1000], &summary)
            .unwrap_or_else(|e| panic!("store: {e}"));
        assert_eq!(disk.bytes(), 3 * file_size);
        assert!(matches!(disk.load(&key(1)), Ok(None)), "evicted");
        assert!(!disk.path_of(&key(1)).exists());
        for kept in [0, 2, 3] {
            assert!(matches!(disk.load(&key(kept)), Ok(Some(_))), "{kept}");
        }
        let files = fs::read_dir(dir.path()).map(Iterator::count).unwrap_or(0);
        assert_eq!(files, 3);

        // Reopened with a smaller budget, the store trims itself in the same order.
        drop(disk);
        let smaller = DiskCache::open(dir.path(), Some(2 * file_size))
            .unwrap_or_else(|e| panic!("open: {e}"));
        assert_eq!(smaller.bytes(), 2 * file_size);
        let files = fs::read_dir(dir.path()).map(Iterator::count).unwrap_or(0);
        assert_eq!(files, 2);
    }

    #[test]
    fn an_unbounded_store_keeps_every_artifact_across_reopens() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let summary = ModuleSummary::default();
        let disk = DiskCache::open(dir.path(), None).unwrap_or_else(|e| panic!("open: {e}"));
        for n in 0..20 {
            disk.store(&key(n), &[n; 1000], &summary)
                .unwrap_or_else(|e| panic!("store: {e}"));
        }
        drop(disk);
        let reopened = DiskCache::open(dir.path(), None).unwrap_or_else(|e| panic!("open: {e}"));
        for n in 0..20 {
            assert!(matches!(reopened.load(&key(n)), Ok(Some(_))), "{n}");
        }
    }

    /// A store of one configuration removes the artifacts of every other one (folders, and
    /// loose files of the layout before folders), and leaves what is not an artifact alone.
    #[test]
    fn a_configurations_folder_replaces_the_others() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let limits = ChainLimits::default();
        let v2 = ConfigDigest::new(&GasSchedule::v2(), &limits);
        let conformance = ConfigDigest::new(&GasSchedule::ewasm_conformance(), &limits);
        let summary = ModuleSummary::default();
        let old = config_folder(root.path(), &conformance).unwrap_or_else(|e| panic!("{e}"));
        DiskCache::open(&old, None)
            .and_then(|disk| disk.store(&key(1), &[1; 100], &summary))
            .unwrap_or_else(|e| panic!("store: {e}"));
        let loose = root.path().join(format!("{}.artifact", key(2).to_hex()));
        let unrelated = root.path().join("README");
        let hex_named = root.path().join(format!("{}.json", key(4).to_hex()));
        let foreign = root.path().join(key(5).to_hex());
        fs::create_dir_all(&foreign).unwrap_or_else(|e| panic!("{e}"));
        for path in [&loose, &unrelated, &hex_named, &foreign.join("notes.txt")] {
            fs::write(path, b"x").unwrap_or_else(|e| panic!("{e}"));
        }

        let current = config_folder(root.path(), &v2).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(current, root.path().join(v2.to_hex()));
        assert!(current.is_dir());
        assert!(!old.exists(), "the other configuration's folder");
        assert!(!loose.exists(), "a loose artifact");
        assert!(unrelated.exists());
        assert!(hex_named.exists(), "named by a hash but not an artifact");
        assert!(
            foreign.exists(),
            "a folder holding something else than artifacts"
        );
        // Opening the same configuration again keeps its folder.
        DiskCache::open(&current, None)
            .and_then(|disk| disk.store(&key(3), &[3; 100], &summary))
            .unwrap_or_else(|e| panic!("store: {e}"));
        config_folder(root.path(), &v2).unwrap_or_else(|e| panic!("{e}"));
        let kept = DiskCache::open(&current, None).unwrap_or_else(|e| panic!("open: {e}"));
        assert!(matches!(kept.load(&key(3)), Ok(Some(_))));
    }

    #[test]
    fn keys_round_trip_through_file_names() {
        let k = key(9);
        assert_eq!(CacheKey::from_hex(&k.to_hex()), Some(k));
        assert_eq!(CacheKey::from_hex("zz"), None);
        assert_eq!(CacheKey::from_hex(&"g".repeat(64)), None);
    }
}
