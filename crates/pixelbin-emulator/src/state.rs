//! State shared by every handler of one emulator.

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;

use tokio_util::sync::CancellationToken;

use crate::jobs::credits::Credits;
use crate::jobs::webhooks::Webhooks;
use crate::network::faults::FaultPlan;
use crate::network::limits::Limits;
use crate::options::EmulatorOptions;
use crate::store::Store;
use crate::wire::record::Recorder;

/// Handle to the shared state, cloned into every handler.
pub type AppState = Arc<Shared>;

/// Organisation id of the emulated account.
pub const ORG_ID: u64 = 1;
/// Cloud name of the emulated account, used in CDN URLs.
pub const CLOUD_NAME: &str = "emulator-cloud";

/// Everything one emulator knows.
pub struct Shared {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    /// The only accepted secret, if any.
    pub api_secret: Option<String>,
    /// Time from ACCEPTED to the final status of a prediction.
    pub prediction_delay: Duration,
    /// Key that signs presigned upload URLs (random per emulator, never shown).
    pub signing_key: String,
    /// Fault configuration and its random numbers.
    pub faults: RwLock<FaultPlan>,
    /// Counters and recorded requests.
    pub recorder: Recorder,
    /// In-memory platform data.
    pub store: Mutex<Store>,
    /// Per-token request rate and running-job limits.
    pub limits: Limits,
    /// Predictions created since start or the last reset (refused creates not counted).
    pub predictions_created: AtomicU64,
    /// Webhook sender and its log of attempts.
    pub webhooks: Webhooks,
    /// Credit balances per token.
    pub credits: Credits,
    /// Cancelled when the emulator stops: background work (webhook deliveries) ends with it.
    pub shutdown: CancellationToken,
    /// Random numbers for generated ids (seeded, so ids repeat across runs).
    id_rng: Mutex<StdRng>,
    /// Directory holding upload parts, stored files and links to recorded content (see
    /// `record`): a temporary one removed on drop, or the kept `--data-dir`.
    dir: WorkDir,
    /// Held while the store is written to the data directory, so saves never interleave.
    save_lock: Mutex<()>,
}

/// Where an emulator keeps its files.
enum WorkDir {
    /// Removed with the emulator.
    Temporary(tempfile::TempDir),
    /// `--data-dir`: kept, with the records in `store.json` (see `persist`).
    Kept(PathBuf),
}

impl WorkDir {
    fn path(&self) -> &std::path::Path {
        match self {
            WorkDir::Temporary(dir) => dir.path(),
            WorkDir::Kept(dir) => dir,
        }
    }
}

impl Shared {
    /// Builds the state for an emulator listening at `base_url`.
    pub fn new(options: &EmulatorOptions, base_url: String) -> std::io::Result<Shared> {
        let dir = match &options.data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                WorkDir::Kept(std::path::absolute(dir)?)
            }
            None => WorkDir::Temporary(
                tempfile::Builder::new()
                    .prefix("pixelbin-emulator-")
                    .tempdir()?,
            ),
        };
        std::fs::create_dir_all(dir.path().join("uploads"))?;
        std::fs::create_dir_all(dir.path().join("blobs"))?;
        std::fs::create_dir_all(dir.path().join("records"))?;
        let signing_key = {
            use rand::Rng;
            let mut key = [0u8; 32];
            rand::rng().fill(&mut key);
            hex::encode(key)
        };
        let mut id_rng = StdRng::seed_from_u64(options.seed ^ 0x5049_5845_4c42_494e);
        let kept = match &dir {
            WorkDir::Kept(path) => crate::store::persist::load(path, &base_url)?,
            WorkDir::Temporary(_) => None,
        };
        let store = kept.unwrap_or_else(|| Store::seeded(&mut id_rng));
        Ok(Shared {
            base_url,
            api_secret: options.api_secret.clone(),
            prediction_delay: options.prediction_delay,
            signing_key,
            faults: RwLock::new(FaultPlan::new(options.faults.clone(), options.seed)),
            recorder: Recorder::new(
                Some(dir.path().join("records")),
                crate::wire::record::PENDING_HASH_BUDGET,
            ),
            store: Mutex::new(store),
            limits: Limits::new(options.rate_limit, options.max_running_jobs),
            predictions_created: AtomicU64::new(0),
            webhooks: Webhooks::new(options)?,
            credits: Credits::new(options.credits),
            shutdown: CancellationToken::new(),
            id_rng: Mutex::new(id_rng),
            dir,
            save_lock: Mutex::new(()),
        })
    }

    /// With a data directory, writes the store there; without one, does nothing.
    pub fn save(&self) {
        let WorkDir::Kept(dir) = &self.dir else {
            return;
        };
        let _saving = self.save_lock.lock().unwrap_or_else(|e| e.into_inner());
        let result = crate::store::persist::save(&self.store(), dir, &self.base_url);
        if let Err(error) = result {
            tracing::warn!(%error, dir = %dir.display(), "could not save the store");
        }
    }

    /// Locks the store; a panic elsewhere never makes the store unusable.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh UUIDv7.
    pub fn new_id(&self) -> String {
        let mut rng = self.id_rng.lock().unwrap_or_else(|e| e.into_inner());
        crate::store::ids::uuid_v7(&mut *rng, crate::store::ids::now_millis())
    }

    /// Directory of upload parts.
    pub fn uploads_dir(&self) -> PathBuf {
        self.dir.path().join("uploads")
    }

    /// Directory of stored file contents.
    pub fn blobs_dir(&self) -> PathBuf {
        self.dir.path().join("blobs")
    }

    /// A new unique path for a stored file's content.
    pub fn new_blob_path(&self) -> PathBuf {
        self.blobs_dir().join(self.new_id())
    }
}
