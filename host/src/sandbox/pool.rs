//! The instance pool: every call still gets a fresh instance, but its linear memory,
//! tables, instance metadata and fiber stack come from slots mapped once at start-up
//! instead of being mapped, faulted in and unmapped for each call (the unmap alone costs
//! a TLB shootdown on every CPU). Wasmtime resets a slot to the module's initial image
//! when the instance is dropped, so nothing of one call is visible to the next.
//!
//! The pool has a fixed number of slots; [`Slots`] makes a call beyond them wait for one
//! to be free instead of failing, and resets a finished call's slot off the call's path.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime::{Config, Enabled, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::limits::{MEMORIES, TABLE_ELEMENTS};
use crate::background::Batches;

/// Core instances (and tables) one component instance may hold; the store limiter allows
/// the same number.
pub(crate) const CORE_INSTANCES: u32 = 16;

/// Bytes of each linear memory kept mapped between calls. A slot's dirty pages within
/// it are zeroed in place (only those: Linux tells which, with `PAGEMAP_SCAN`) instead of
/// being dropped and faulted in again by the next call; the rest is returned to the OS.
const KEEP_RESIDENT: usize = 2 << 20;

/// Room for one core instance's metadata (the default, 1 MiB, is tight for a large
/// plugin; a plugin that does not fit is refused at load, when `describe` runs).
const MAX_CORE_INSTANCE_SIZE: usize = 8 << 20;

/// Sets `config` to allocate from a pool of `slots` component instances.
pub(crate) fn configure(config: &mut Config, slots: u32) {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(slots)
        .total_core_instances(slots * CORE_INSTANCES)
        .total_memories(slots * MEMORIES as u32)
        .total_tables(slots * CORE_INSTANCES)
        .total_stacks(slots)
        .max_core_instances_per_component(CORE_INSTANCES)
        .max_tables_per_component(CORE_INSTANCES)
        .max_memories_per_component(MEMORIES as u32)
        .max_core_instance_size(MAX_CORE_INSTANCE_SIZE)
        .table_elements(TABLE_ELEMENTS)
        .linear_memory_keep_resident(KEEP_RESIDENT)
        // Off by default in wasmtime 48: without it every reset zeroes the whole resident
        // part (~1 MiB for a first-party plugin), not the few pages the call dirtied.
        .pagemap_scan(Enabled::Auto)
        .table_keep_resident(TABLE_ELEMENTS * 8);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
}

/// The pool's slots as a count calls wait on, and the thread that gives them back; without
/// a pool, nothing to wait for.
#[derive(Clone, Default)]
pub(crate) struct Slots {
    free: Option<Arc<Semaphore>>,
    reaper: Option<Arc<Batches<Retired>>>,
}

/// One call's slot, from [`Slots::take`] until [`Slots::retire`]; freed when dropped.
pub(crate) struct Slot(
    #[allow(dead_code, reason = "held for its Drop")] Option<OwnedSemaphorePermit>,
);

/// A finished call's store, and its slot to free once the store is dropped.
type Retired = (Box<dyn Send>, Slot);

impl Slots {
    /// `n` slots.
    pub(crate) fn new(n: u32) -> Self {
        // Store first, slot second.
        let reaper = Batches::spawn("ikmcp-instance-reaper", |queue| {
            drop_retired(queue.take());
        })
        .map_err(|e| tracing::warn!(error = %e, "no reaper thread; stores are dropped by the call"))
        .ok()
        .map(Arc::new);
        Slots {
            free: Some(Arc::new(Semaphore::new(n as usize))),
            reaper,
        }
    }

    /// Waits for a free slot; the call holds it until its store is dropped.
    pub(crate) async fn take(&self) -> Slot {
        // The semaphore is never closed.
        let Some(free) = &self.free else {
            return Slot(None);
        };
        if let Ok(permit) = free.clone().try_acquire_owned() {
            return Slot(Some(permit));
        }
        // None free: the reaper may hold some (it runs at the lowest priority, and a busy
        // machine may not give it the CPU); drop them here rather than wait for it.
        if let Some(reaper) = &self.reaper {
            drop_retired(reaper.queue().take());
        }
        Slot(free.clone().acquire_owned().await.ok())
    }

    /// Drops a finished call's `store`, then frees its `slot`. With a pool this happens on
    /// the reaper thread: resetting the slot (zeroing the pages the call dirtied) takes
    /// tens of microseconds the call's answer need not wait for ([`crate::background`]).
    pub(crate) fn retire<S: Send + 'static>(&self, store: S, slot: Slot) {
        match &self.reaper {
            Some(reaper) => {
                reaper.push((Box::new(store), slot));
            }
            None => {
                drop(store);
                drop(slot);
            }
        }
    }
}

/// Drops retired stores, each before its slot is freed.
fn drop_retired(retired: Vec<Retired>) {
    for (store, slot) in retired {
        drop(store);
        drop(slot);
    }
}
