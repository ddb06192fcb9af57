//! State shared by every handler of one emulator.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;

use tokio_util::sync::CancellationToken;

use crate::jobs::credits::Credits;
use crate::jobs::webhooks::{WebhookAttempt, Webhooks};
use crate::network::faults::FaultPlan;
use crate::network::limits::Limits;
use crate::options::EmulatorOptions;
use crate::store::Store;
use crate::store::db::Db;
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
    /// Platform data (read through [`Shared::store`], which writes changes to `db`).
    store: Mutex<Store>,
    /// Where the store is kept (in memory without a data directory).
    db: Mutex<Db>,
    /// Per-token request rate and running-job limits.
    pub limits: Limits,
    /// Predictions created since start or the last reset (refused creates not counted).
    pub predictions_created: AtomicU64,
    /// Webhook sender and its log of attempts.
    pub webhooks: Webhooks,
    /// Credit balances per token.
    pub credits: Credits,
    /// Rendered CDN outputs by URL (bounded, least recently used dropped first).
    pub render_cache: Mutex<crate::transform::cache::RenderCache>,
    /// AI URLs answering `202` until `--transform-delay-ms` has passed.
    pub pending_transforms: crate::transform::Pending,
    /// Cancelled when the emulator stops: background work (webhook deliveries) ends with it.
    pub shutdown: CancellationToken,
    /// Random numbers for generated ids (seeded, so ids repeat across runs).
    id_rng: Mutex<StdRng>,
    /// Directory holding upload parts, stored files and links to recorded content (see
    /// `record`): a temporary one removed on drop, or the kept `--data-dir`.
    dir: WorkDir,
}

/// Where an emulator keeps its files.
enum WorkDir {
    /// Removed with the emulator.
    Temporary(tempfile::TempDir),
    /// `--data-dir`: kept, with the records in a database (see `store::db`).
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
        let kept = matches!(dir, WorkDir::Kept(_));
        let mut db = Db::open(dir.path(), kept, &base_url)?;
        let mut store = match db.load()? {
            Some(store) => {
                let removed = crate::store::db::clean(dir.path(), &store);
                if removed > 0 {
                    tracing::info!(removed, "removed leftovers of an interrupted run");
                }
                store
            }
            None => Store::seeded(&mut id_rng),
        };
        let seeded = store.take_changes();
        db.write(&store, &seeded)?;
        let past_attempts = db.webhook_attempts()?;
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
            db: Mutex::new(db),
            limits: Limits::new(options.rate_limit, options.max_running_jobs),
            predictions_created: AtomicU64::new(0),
            webhooks: Webhooks::new(options, past_attempts)?,
            credits: Credits::new(options.credits),
            render_cache: Mutex::new(crate::transform::cache::RenderCache::new(
                crate::transform::cache::DEFAULT_CACHE_BYTES,
            )),
            pending_transforms: crate::transform::Pending::new(options.transform_delay),
            shutdown: CancellationToken::new(),
            id_rng: Mutex::new(id_rng),
            dir,
        })
    }

    /// Logs a webhook attempt, in memory and in the database (so `GET /_emulator/webhooks`
    /// lists it after a restart with `--data-dir`).
    pub fn record_webhook_attempt(&self, attempt: WebhookAttempt) {
        let written = self
            .db
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .add_webhook_attempt(&attempt, crate::jobs::webhooks::LOG_CAPACITY);
        if let Err(error) = written {
            tracing::error!(%error, "could not write a webhook attempt to the database");
        }
        self.webhooks.remember(attempt);
    }

    /// Forgets the logged webhook attempts, in memory and in the database.
    pub fn clear_webhook_attempts(&self) {
        let cleared = self
            .db
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear_webhook_attempts();
        if let Err(error) = cleared {
            tracing::error!(%error, "could not clear the webhook attempts in the database");
        }
        self.webhooks.clear();
    }

    /// Locks the store; what changed under the lock is written to the database when the
    /// guard is dropped (one transaction). A panic elsewhere never makes the store unusable.
    pub fn store(&self) -> StoreGuard<'_> {
        StoreGuard {
            store: self.store.lock().unwrap_or_else(|e| e.into_inner()),
            db: &self.db,
        }
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

/// The locked store (see [`Shared::store`]).
pub struct StoreGuard<'a> {
    store: MutexGuard<'a, Store>,
    db: &'a Mutex<Db>,
}

impl Deref for StoreGuard<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

impl DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self.store
    }
}

impl Drop for StoreGuard<'_> {
    fn drop(&mut self) {
        let changes = self.store.take_changes();
        if changes.is_empty() {
            return;
        }
        // Written while the store is still locked, so writes land in the order of the changes.
        let mut db = self.db.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(error) = db.write(&self.store, &changes) {
            // The working copy holds the change; only its durability failed (a full disk...).
            tracing::error!(%error, "could not write the store's changes to its database");
        }
    }
}
