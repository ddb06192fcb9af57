//! Where a large upload starts: what the same path showed before ([`PathEstimate`]), kept per
//! host in a small cache file ([`PathMemory`]).
//!
//! Without it every upload ramps its parts in flight from 3 (`concurrency.rs`), and on a long
//! path each step of the ramp costs a round of part round trips: a 256 MiB file at 200 ms lost
//! about a fifth of its time there. With it, an upload starts at the parts in flight the last
//! upload to the same host settled at, and its first rounds only confirm (or correct) that.
//!
//! The file holds one entry per origin (`scheme://host:port` of the presigned URL, never its
//! path or query, so no signature), at most [`MAX_HOSTS`], with the parts in flight, the part
//! size, the best throughput and the signed-URL round trip. It is small, versioned and written
//! atomically; a file that is damaged, of another version or too large is ignored (and
//! replaced after the next upload), never an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::options::SHORT_PATH_ROUND_TRIP;

/// Version of the cache file's format; a file of another version is ignored.
const VERSION: u32 = 1;
/// Hosts kept in the cache file; the least recently updated goes first.
const MAX_HOSTS: usize = 32;
/// A cache file larger than this is not read (it cannot be ours).
const MAX_FILE_BYTES: u64 = 64 * 1024;
/// On a long path, a round trip this many times longer (or shorter) than the remembered one
/// says the path changed (another network): the estimate is not used.
const ROUND_TRIP_RATIO: f64 = 4.0;

/// What an earlier upload measured on a path: where the next one starts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PathEstimate {
    /// Parts in flight the upload ended with (its settled limit).
    pub parts: usize,
    /// Size of those parts, in bytes: the estimate applies to uploads with the same part size.
    pub chunk_size: usize,
    /// Best throughput measured over a round, in bytes per second.
    pub throughput: f64,
    /// Best throughput of one part (its bytes over its request's time), in bytes per second:
    /// with `throughput`, how many parts the link needs.
    pub part_throughput: f64,
    /// Round trip of the signed-URL request, in milliseconds.
    pub round_trip_ms: u64,
    /// Whether the parts in flight had settled (the ramp was over); an estimate taken during
    /// the ramp starts the next upload there, still ramping.
    pub settled: bool,
}

impl PathEstimate {
    /// An estimate: `parts` in flight of `chunk_size` bytes, `throughput` bytes per second
    /// (`part_throughput` for one part), after a signed-URL round trip of `round_trip`,
    /// `settled` or still ramping.
    pub fn new(
        parts: usize,
        chunk_size: usize,
        throughput: f64,
        part_throughput: f64,
        round_trip: Duration,
        settled: bool,
    ) -> Self {
        PathEstimate {
            parts,
            chunk_size,
            throughput,
            part_throughput,
            round_trip_ms: u64::try_from(round_trip.as_millis()).unwrap_or(u64::MAX),
            settled,
        }
    }

    /// Whether it can start an upload with parts of `chunk_size` after a signed-URL round trip
    /// of `round_trip`: the same part size and, on a long path, a round trip within a factor of
    /// 4 of the remembered one.
    pub(crate) fn fits(&self, chunk_size: usize, round_trip: Option<Duration>) -> bool {
        if self.chunk_size != chunk_size
            || self.parts == 0
            || !(self.throughput.is_finite() && self.throughput > 0.0)
            || !(self.part_throughput.is_finite() && self.part_throughput > 0.0)
        {
            return false;
        }
        let Some(now) = round_trip else { return true };
        let then = Duration::from_millis(self.round_trip_ms);
        if then < SHORT_PATH_ROUND_TRIP || now < SHORT_PATH_ROUND_TRIP {
            return (then < SHORT_PATH_ROUND_TRIP) == (now < SHORT_PATH_ROUND_TRIP);
        }
        let ratio = now.as_secs_f64() / then.as_secs_f64();
        (1.0 / ROUND_TRIP_RATIO..=ROUND_TRIP_RATIO).contains(&ratio)
    }
}

/// Where an automatic part concurrency starts ([`UploadOptions::path_memory`](crate::UploadOptions::path_memory)).
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub enum PathMemory {
    /// From 3 parts, ramping up (the default of the library: it writes nothing anywhere).
    #[default]
    Off,
    /// From the estimate this cache file holds for the upload's host, updated after each
    /// upload; [`PathMemory::user_cache`] is the file the CLI uses.
    File(PathBuf),
    /// From this estimate (nothing is read or written).
    Given(PathEstimate),
}

impl PathMemory {
    /// The user's cache file, `pixelbin/upload-paths.json` in the platform's cache folder
    /// (`$XDG_CACHE_HOME`, else `~/.cache`; `%LOCALAPPDATA%` on Windows, `~/Library/Caches` on
    /// macOS); [`PathMemory::Off`] when there is none.
    pub fn user_cache() -> PathMemory {
        cache_dir().map_or(PathMemory::Off, |dir| {
            PathMemory::File(dir.join("pixelbin").join("upload-paths.json"))
        })
    }

    /// The estimate to start an upload to `origin` from, if any.
    pub(crate) fn recall(&self, origin: &str) -> Option<PathEstimate> {
        match self {
            PathMemory::Off => None,
            PathMemory::Given(estimate) => Some(*estimate),
            PathMemory::File(path) => read(path).hosts.remove(origin).map(|h| h.estimate),
        }
    }

    /// Keeps `estimate` as the one of `origin` (in the file, if this memory has one). Failing
    /// to write is logged, not an error: the upload it describes succeeded.
    pub(crate) fn remember(&self, origin: &str, estimate: PathEstimate) {
        let PathMemory::File(path) = self else { return };
        let mut file = read(path);
        let updated = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        file.hosts
            .insert(origin.to_owned(), Host { estimate, updated });
        while file.hosts.len() > MAX_HOSTS {
            let oldest = file
                .hosts
                .iter()
                .min_by_key(|(_, h)| h.updated)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                file.hosts.remove(&oldest);
            }
        }
        if let Err(error) = write(path, &file) {
            tracing::debug!(target: "pixelbin_upload", %error, path = %path.display(), "could not keep the path estimate");
        }
    }
}

/// The cache file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    hosts: BTreeMap<String, Host>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Host {
    #[serde(flatten)]
    estimate: PathEstimate,
    /// Seconds since the Unix epoch.
    updated: u64,
}

/// The file's content; empty when it is missing, damaged, too large or of another version.
fn read(path: &Path) -> CacheFile {
    let small = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE_BYTES);
    let parsed = small
        .then(|| std::fs::read(path).ok())
        .flatten()
        .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok());
    match parsed {
        Some(file) if file.version == VERSION => file,
        _ => CacheFile {
            version: VERSION,
            hosts: BTreeMap::new(),
        },
    }
}

fn write(path: &Path, file: &CacheFile) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let bytes = serde_json::to_vec_pretty(file).map_err(std::io::Error::other)?;
    pixelbin_http::atomic_file::write_atomically(
        path,
        &bytes,
        pixelbin_http::atomic_file::Access::Umask,
    )
}

/// The platform's folder for caches.
fn cache_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    // The XDG variable must be absolute to count (the XDG base directory rule).
    if let Some(dir) = non_empty("XDG_CACHE_HOME").map(PathBuf::from)
        && dir.is_absolute()
    {
        return Some(dir);
    }
    if cfg!(windows) {
        non_empty("LOCALAPPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        non_empty("HOME").map(|home| PathBuf::from(home).join("Library/Caches"))
    } else {
        non_empty("HOME").map(|home| PathBuf::from(home).join(".cache"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://api.pixelbin.io";

    fn estimate(parts: usize) -> PathEstimate {
        PathEstimate::new(
            parts,
            512 * 1024,
            50e6,
            4e6,
            Duration::from_millis(200),
            true,
        )
    }

    #[test]
    fn an_estimate_is_kept_per_host_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let memory = PathMemory::File(dir.path().join("sub/upload-paths.json"));
        assert_eq!(memory.recall(ORIGIN), None);
        memory.remember(ORIGIN, estimate(27));
        memory.remember("http://127.0.0.1:8080", estimate(5));
        assert_eq!(memory.recall(ORIGIN), Some(estimate(27)));
        assert_eq!(memory.recall("http://127.0.0.1:8080"), Some(estimate(5)));
        memory.remember(ORIGIN, estimate(33));
        assert_eq!(memory.recall(ORIGIN), Some(estimate(33)));
        assert_eq!(memory.recall("https://other.example"), None);
    }

    #[test]
    fn a_damaged_or_foreign_file_is_ignored_then_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upload-paths.json");
        let memory = PathMemory::File(path.clone());
        let other_version = serde_json::json!({"version": 99, "hosts": {ORIGIN: {
            "parts": 9, "chunkSize": 524288, "throughput": 1.0, "partThroughput": 1.0, "roundTripMs": 1,
            "settled": true, "updated": 0}}});
        for content in [
            b"{\"version\":1,\"hosts\":{\"https://api.pix".to_vec(),
            b"\xff\xfe not json".to_vec(),
            b"[1, 2, 3]".to_vec(),
            other_version.to_string().into_bytes(),
            vec![b' '; MAX_FILE_BYTES as usize + 1],
        ] {
            std::fs::write(&path, &content).unwrap();
            assert_eq!(memory.recall(ORIGIN), None);
            memory.remember(ORIGIN, estimate(4));
            assert_eq!(memory.recall(ORIGIN), Some(estimate(4)));
        }
        // A folder where the file should be: nothing read, nothing written, no panic.
        let memory = PathMemory::File(dir.path().to_path_buf());
        assert_eq!(memory.recall(ORIGIN), None);
        memory.remember(ORIGIN, estimate(4));
    }

    #[test]
    fn the_file_keeps_only_the_most_recent_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upload-paths.json");
        let memory = PathMemory::File(path.clone());
        for i in 0..MAX_HOSTS + 5 {
            memory.remember(&format!("http://h{i}"), estimate(i + 1));
        }
        assert_eq!(read(&path).hosts.len(), MAX_HOSTS);
        assert!(std::fs::metadata(&path).unwrap().len() < MAX_FILE_BYTES);
    }

    #[test]
    fn given_and_off_write_nothing() {
        let given = PathMemory::Given(estimate(12));
        assert_eq!(given.recall("anything"), Some(estimate(12)));
        given.remember(ORIGIN, estimate(3));
        assert_eq!(given.recall(ORIGIN), Some(estimate(12)));
        assert_eq!(PathMemory::Off.recall(ORIGIN), None);
        assert_eq!(PathMemory::default(), PathMemory::Off);
    }

    #[test]
    fn an_estimate_fits_the_same_part_size_on_a_similar_path() {
        let e = estimate(27);
        let ms = |n| Some(Duration::from_millis(n));
        assert!(e.fits(512 * 1024, ms(200)));
        assert!(e.fits(512 * 1024, ms(600)));
        assert!(e.fits(512 * 1024, None));
        assert!(!e.fits(10 << 20, ms(200)), "another part size");
        assert!(!e.fits(512 * 1024, ms(900)), "another network");
        assert!(!e.fits(512 * 1024, ms(40)));
        assert!(!e.fits(512 * 1024, ms(2)), "a short path now");
        let near = PathEstimate::new(6, 10 << 20, 1e9, 1e8, Duration::from_millis(1), true);
        assert!(near.fits(10 << 20, ms(0)));
        assert!(!near.fits(10 << 20, ms(30)));
        let broken = PathEstimate::new(0, 10 << 20, 1e9, 1e8, Duration::ZERO, true);
        assert!(!broken.fits(10 << 20, ms(1)));
        let nan = PathEstimate::new(3, 10 << 20, f64::NAN, 1e8, Duration::ZERO, true);
        assert!(!nan.fits(10 << 20, ms(1)));
    }
}
