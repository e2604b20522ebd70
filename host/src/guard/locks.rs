//! Serialized writes: the locks a confirmed apply holds.
//!
//! A plan's effect may declare a lock key (WIT 0.3 `lock`, e.g. `hosting:42`): Infomaniak
//! answers `operation_in_progress` when two writes on one hosting overlap, so the host
//! runs confirmed applies that hold one key on one role one after the other, and applies
//! on other keys at once. The guard takes every lock of a plan before it checks that the
//! plan is still fresh, and holds them until the apply ends: an apply that waited is
//! checked against the world the other one left (and refused as stale if that changed
//! what was approved). Keys are taken in one global order, so two applies sharing
//! several keys cannot deadlock.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::contract::Plan;

/// One lock: the role and the key a plugin declared on it.
pub type LockKey = (String, String);

/// The locks of the process, shared by every client session.
#[derive(Default)]
pub struct WriteLocks {
    slots: Mutex<HashMap<LockKey, Weak<AsyncMutex<()>>>>,
}

/// The locks one apply holds, released when dropped.
pub struct Held {
    keys: Vec<LockKey>,
    _guards: Vec<OwnedMutexGuard<()>>,
}

impl Held {
    /// The keys held, in the order taken.
    pub fn keys(&self) -> &[LockKey] {
        &self.keys
    }
}

/// Every lock `plan` declares, each once, in the order they are taken.
pub fn plan_keys(plan: &Plan) -> Vec<LockKey> {
    plan.effects
        .iter()
        .filter_map(|e| e.lock.as_ref().map(|k| (e.role.clone(), k.clone())))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

impl WriteLocks {
    /// The mutex of `key`, created on first use; unused ones are forgotten.
    fn slot(&self, key: &LockKey) -> Arc<AsyncMutex<()>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = slots.get(key).and_then(Weak::upgrade) {
            return slot;
        }
        slots.retain(|_, weak| weak.strong_count() > 0);
        let slot = Arc::new(AsyncMutex::new(()));
        slots.insert(key.clone(), Arc::downgrade(&slot));
        slot
    }

    /// Every lock of `keys` if none is held now, else `None` (and none taken).
    pub fn try_take(&self, keys: &[LockKey]) -> Option<Held> {
        let mut guards = Vec::with_capacity(keys.len());
        for key in keys {
            guards.push(self.slot(key).try_lock_owned().ok()?);
        }
        Some(Held {
            keys: keys.to_vec(),
            _guards: guards,
        })
    }

    /// Every lock of `keys`, waiting for each in turn (in the given, global order).
    pub async fn take(&self, keys: &[LockKey]) -> Held {
        let mut guards = Vec::with_capacity(keys.len());
        for key in keys {
            guards.push(self.slot(key).lock_owned().await);
        }
        Held {
            keys: keys.to_vec(),
            _guards: guards,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{HttpMethod, PlannedEffect};

    fn key(role: &str, k: &str) -> LockKey {
        (role.to_owned(), k.to_owned())
    }

    #[test]
    fn a_plan_holds_each_declared_key_once_in_one_order() {
        let locked = |role: &str, lock: Option<&str>| PlannedEffect {
            lock: lock.map(str::to_owned),
            ..PlannedEffect::new(role, HttpMethod::Post, "/x", None)
        };
        let plan = Plan {
            summary: String::new(),
            changes: vec![],
            snapshot: serde_json::Value::Null,
            effects: vec![
                locked("m", Some("hosting:9")),
                locked("api", None),
                locked("m", Some("hosting:1")),
                locked("m", Some("hosting:9")),
                locked("api", Some("hosting:9")),
            ],
        };
        assert_eq!(
            plan_keys(&plan),
            [
                key("api", "hosting:9"),
                key("m", "hosting:1"),
                key("m", "hosting:9")
            ]
        );
    }

    #[tokio::test]
    async fn one_key_is_held_once_and_other_keys_are_free() {
        let locks = WriteLocks::default();
        let a = [key("m", "hosting:1")];
        let held = locks.try_take(&a).expect("free");
        assert!(locks.try_take(&a).is_none(), "held by the first apply");
        assert!(
            locks.try_take(&[key("m", "hosting:2")]).is_some(),
            "another key is free"
        );
        assert!(
            locks.try_take(&[key("api", "hosting:1")]).is_some(),
            "the same key on another role is another lock"
        );
        // All or nothing: a set that includes a held key takes none of the others.
        let both = [key("m", "hosting:0"), key("m", "hosting:1")];
        assert!(locks.try_take(&both).is_none());
        assert!(locks.try_take(&[key("m", "hosting:0")]).is_some());

        let waiting = {
            let locks = &locks;
            let a = &a;
            async move { locks.take(a).await.keys().to_vec() }
        };
        drop(held);
        assert_eq!(waiting.await, a);
    }

    #[tokio::test]
    async fn a_waiting_apply_gets_the_lock_when_the_holder_ends() {
        let locks = Arc::new(WriteLocks::default());
        let a = vec![key("m", "hosting:1")];
        let held = locks.try_take(&a).unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let waiter = {
            let (locks, a, tx) = (locks.clone(), a.clone(), tx.clone());
            tokio::spawn(async move {
                let _held = locks.take(&a).await;
                tx.send("waiter has it").unwrap();
            })
        };
        tokio::task::yield_now().await;
        tx.send("holder releases").unwrap();
        drop(held);
        waiter.await.unwrap();
        assert_eq!(rx.recv().await, Some("holder releases"));
        assert_eq!(rx.recv().await, Some("waiter has it"));
        assert!(locks.try_take(&a).is_some(), "released after the waiter");
        let _other = locks.try_take(&[key("m", "hosting:2")]).unwrap();
        assert_eq!(
            locks.slots.lock().unwrap().len(),
            1,
            "the unused slot of hosting:1 is forgotten"
        );
    }
}
