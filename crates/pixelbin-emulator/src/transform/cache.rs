//! A bounded least-recently-used cache of rendered outputs, keyed by URL.

use std::collections::{HashMap, VecDeque};

use super::Output;

/// Default bound on the bytes the cache holds: 64 MiB.
pub const DEFAULT_CACHE_BYTES: usize = 64 << 20;

/// A cached output and its `ETag`.
#[derive(Debug, Clone)]
pub struct Cached {
    /// The output.
    pub output: Output,
    /// Its entity tag, quoted.
    pub etag: String,
}

/// Outputs by key, the least recently used dropped first once over `max_bytes`.
#[derive(Debug)]
pub struct RenderCache {
    max_bytes: usize,
    bytes: usize,
    entries: HashMap<String, Cached>,
    /// Keys from least to most recently used.
    order: VecDeque<String>,
}

impl RenderCache {
    /// An empty cache holding at most `max_bytes` of outputs.
    pub fn new(max_bytes: usize) -> RenderCache {
        RenderCache {
            max_bytes,
            bytes: 0,
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// The output cached under `key`, now the most recently used.
    pub fn get(&mut self, key: &str) -> Option<Cached> {
        let found = self.entries.get(key)?.clone();
        self.touch(key);
        Some(found)
    }

    /// Caches `value` under `key`; an output larger than the whole cache is not kept.
    pub fn insert(&mut self, key: String, value: Cached) {
        let size = value.output.bytes.len();
        if size > self.max_bytes {
            return;
        }
        if let Some(old) = self.entries.remove(&key) {
            self.bytes -= old.output.bytes.len();
            self.order.retain(|k| *k != key);
        }
        while self.bytes + size > self.max_bytes {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(old) = self.entries.remove(&oldest) {
                self.bytes -= old.output.bytes.len();
            }
        }
        self.bytes += size;
        self.order.push_back(key.clone());
        self.entries.insert(key, value);
    }

    fn touch(&mut self, key: &str) {
        if let Some(at) = self.order.iter().position(|k| k == key)
            && let Some(k) = self.order.remove(at)
        {
            self.order.push_back(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(size: usize) -> Cached {
        Cached {
            output: Output {
                bytes: bytes::Bytes::from(vec![0; size]),
                content_type: "image/png".into(),
            },
            etag: "\"x\"".into(),
        }
    }

    #[test]
    fn drops_the_least_recently_used_over_the_bound() {
        let mut cache = RenderCache::new(100);
        cache.insert("a".into(), entry(40));
        cache.insert("b".into(), entry(40));
        assert!(cache.get("a").is_some());
        cache.insert("c".into(), entry(40));
        assert!(cache.get("b").is_none(), "b was the least recently used");
        assert!(cache.get("a").is_some());
        assert!(cache.get("c").is_some());
        cache.insert("huge".into(), entry(101));
        assert!(cache.get("huge").is_none());
        assert_eq!(cache.bytes, 80);
    }
}
