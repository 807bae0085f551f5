//! Answers kept in memory for a short time: who a session, a staff id, a customer account or
//! an API token stands for, which stores and catalog versions there are, what a measurement
//! set holds. Every page and API call asks some of these; keeping the answer saves a database
//! round trip (and a hand-off to the blocking pool) on nearly every request.
//!
//! An answer is used only while both hold:
//! - no change of its topic has committed in this process since it was loaded
//!   ([`crate::store::epoch`]): disabling an account, signing out, revoking a token take
//!   effect on this instance at once;
//! - it is younger than the configured time (`ATELIER_CACHE_MS`): changes made by
//!   another process (a second instance on PostgreSQL) take effect within that time.
//!
//! A small map behind a lock rather than a caching crate: the rule "loaded before the change
//! committed" needs the counter kept with each entry, which is the whole of the logic here.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::store::epoch::{self, Topic};

/// At most this many answers are kept; past it, the stale ones go, and if that is not enough,
/// all of them (a bound on memory, not a policy worth more code).
const CAPACITY: usize = 20_000;

pub struct Memo<K, V> {
    topic: Topic,
    ttl: Duration,
    entries: RwLock<HashMap<K, Entry<V>>>,
}

struct Entry<V> {
    value: V,
    epoch: u64,
    at: Instant,
}

/// Taken before a load: what the loaded answer is kept with.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    epoch: u64,
    at: Instant,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    /// A zero `ttl` keeps nothing.
    pub fn new(topic: Topic, ttl: Duration) -> Self {
        Self { topic, ttl, entries: RwLock::new(HashMap::new()) }
    }

    /// To be taken before loading what will be [`Memo::keep`]-ed.
    pub fn stamp(&self) -> Stamp {
        Stamp { epoch: epoch::current(self.topic), at: Instant::now() }
    }

    /// The kept answer, else `load`'s, which is kept when it is `Some` (an unknown or refused
    /// identity is asked again every time: nothing to keep, and nothing to forget later).
    pub async fn get_or_load<E, Fut>(&self, key: K, load: impl FnOnce() -> Fut) -> Result<Option<V>, E>
    where
        Fut: Future<Output = Result<Option<V>, E>>,
    {
        if let Some(kept) = self.get(&key) {
            return Ok(Some(kept));
        }
        let stamp = self.stamp();
        let loaded = load().await?;
        if let Some(value) = &loaded {
            self.keep(key, value.clone(), stamp);
        }
        Ok(loaded)
    }

    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = entries.get(key)?;
        self.is_fresh(entry, epoch::current(self.topic)).then(|| entry.value.clone())
    }

    pub fn keep(&self, key: K, value: V, stamp: Stamp) {
        if self.ttl.is_zero() || stamp.epoch != epoch::current(self.topic) {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= CAPACITY {
            let now = epoch::current(self.topic);
            entries.retain(|_, e| self.is_fresh(e, now));
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, Entry { value, epoch: stamp.epoch, at: stamp.at });
    }

    /// Replaces a kept answer in place (this instance changed it and knows the new value),
    /// keeping its age: it still goes back to the database within the configured time.
    pub fn update<Q>(&self, key: &Q, f: impl FnOnce(&mut V))
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entry) = entries.get_mut(key) {
            f(&mut entry.value);
        }
    }

    pub fn forget<Q>(&self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(key);
    }

    fn is_fresh(&self, entry: &Entry<V>, epoch: u64) -> bool {
        entry.epoch == epoch && entry.at.elapsed() < self.ttl
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.read().map(|e| e.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memo(ttl_ms: u64) -> Memo<i64, &'static str> {
        Memo::new(Topic::TestMemo, Duration::from_millis(ttl_ms))
    }

    #[test]
    fn a_kept_answer_is_used_until_it_is_too_old() {
        let m = memo(50);
        m.keep(1, "a", m.stamp());
        assert_eq!(m.get(&1), Some("a"));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(m.get(&1), None);
    }

    #[test]
    fn a_committed_change_refuses_every_answer_loaded_before_it() {
        let m = memo(60_000);
        let stamp = m.stamp();
        m.keep(1, "before", stamp);
        epoch::mark(Topic::TestMemo);
        epoch::publish();
        assert_eq!(m.get(&1), None, "kept before the change");
        // Loaded while the change was being committed: not kept at all.
        m.keep(2, "loaded during", stamp);
        assert_eq!(m.get(&2), None);
        let fresh = m.stamp();
        m.keep(2, "after", fresh);
        assert_eq!(m.get(&2), Some("after"));
    }

    #[test]
    fn a_zero_time_keeps_nothing() {
        let m = memo(0);
        m.keep(1, "a", m.stamp());
        assert_eq!(m.get(&1), None);
        assert_eq!(m.len(), 0);
    }

    #[test]
    fn memory_stays_bounded() {
        let m = memo(60_000);
        for i in 0..(CAPACITY as i64 + 10) {
            m.keep(i, "x", m.stamp());
        }
        assert!(m.len() <= CAPACITY);
    }
}
