//! Which rayon pool a parallel batch hands its work to, so that a forked child never waits
//! for threads it does not have.
//!
//! `fork()` copies only the calling thread. Once rayon's global pool has started, a child
//! keeps its bookkeeping (queues, thread count, sleep state) but none of its threads: work
//! injected there is never picked up and the caller blocks forever. Pre-fork servers (warm up,
//! then fork the workers, as nginx does) are the users who hit it, from Rust or through the C
//! ABI without knowing that rayon exists.
//!
//! So the library counts forks: a `pthread_atfork` child handler, registered before the first
//! parallel batch, bumps a generation counter, and the generation in which the library first
//! used the global pool is recorded. A parallel batch in any later generation (a child, a
//! grandchild) runs on a pool built in that process instead, one per generation, kept for the
//! batches that follow; if no thread can be started there, it runs on the calling thread. The
//! global pool itself is never touched in a child: even asking it for its size could wait on
//! a lock held by a thread that did not survive the fork.
//!
//! The library knows only about its own use of the global pool: if a program started that pool
//! itself before forking, and the library had not yet run a parallel batch, a child cannot
//! tell the pool is dead. Callers inside a rayon pool (a worker thread) use that pool, which is
//! alive since the caller runs on it.
//!
//! A counter rather than a cached process id: ids are reused, and a grandchild could get the
//! id of the long-gone process that started the pool. Only batches that go parallel (at
//! least `PARALLEL_CUTOFF` keys and `threads != 1`) come here, and the check is an atomic load
//! and a compare; a thread-local read tells whether the caller is already a pool worker.

use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use rayon::ThreadPool;

/// `GLOBAL_POOL_GENERATION` before the library first hands work to rayon's global pool.
const UNUSED: u64 = u64::MAX;

/// The fork generation in which this library first used rayon's global pool.
static GLOBAL_POOL_GENERATION: AtomicU64 = AtomicU64::new(UNUSED);

/// A pool started by this library in a forked process, and the generation it belongs to.
struct OwnPool {
    generation: u64,
    pool: ThreadPool,
}

/// The newest [`OwnPool`] (null: none yet). A pool is leaked, never freed: one of an older
/// generation belongs to an ancestor process whose threads are not here to be joined.
static OWN_POOL: AtomicPtr<OwnPool> = AtomicPtr::new(std::ptr::null_mut());

/// Runs `work` where a parallel batch may fan out. `work` gets the thread count of the pool it
/// runs in (its `rayon::join` calls go to that pool), or `None` when no pool can be used in
/// this process: it must then stay on the calling thread.
pub(crate) fn install<R: Send>(work: impl FnOnce(Option<usize>) -> R + Send) -> R {
    // Already a worker of some pool (a caller's own, or ours): joins stay in that pool, whose
    // threads exist, since this one is running.
    if rayon::current_thread_index().is_some() {
        return work(Some(rayon::current_num_threads()));
    }
    let Some(generation) = fork::generation() else {
        return work(None);
    };
    let mut recorded = GLOBAL_POOL_GENERATION.load(Ordering::Acquire);
    if recorded == UNUSED {
        // Recorded before the first use, so that a fork racing with that first use already
        // counts as "after": its child never touches the global pool.
        recorded = match GLOBAL_POOL_GENERATION.compare_exchange(
            UNUSED,
            generation,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => generation,
            Err(first) => first,
        };
    }
    if recorded == generation {
        return work(Some(rayon::current_num_threads()));
    }
    match own_pool(generation) {
        Some(pool) => pool.install(|| work(Some(pool.current_num_threads()))),
        None => work(None),
    }
}

/// This process's own pool, started on first use in each fork generation; `None` if its
/// threads cannot be started (thread limits, memory).
fn own_pool(generation: u64) -> Option<&'static ThreadPool> {
    loop {
        let current = OWN_POOL.load(Ordering::Acquire);
        // SAFETY: a non-null OWN_POOL came from `Box::into_raw` below and is never freed.
        if let Some(own) = unsafe { current.as_ref() } {
            if own.generation == generation {
                return Some(&own.pool);
            }
        }
        // Default size (RAYON_NUM_THREADS, else every core), as the global pool would have.
        let pool = rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("wsaccept-{i}"))
            .build()
            .ok()?;
        let fresh = Box::into_raw(Box::new(OwnPool { generation, pool }));
        match OWN_POOL.compare_exchange(current, fresh, Ordering::AcqRel, Ordering::Acquire) {
            // SAFETY: `fresh` is now owned by OWN_POOL and never freed.
            Ok(_) => return Some(unsafe { &(*fresh).pool }),
            Err(_) => {
                // Another thread of this process installed one first: drop ours (its threads
                // are ours to stop) and take that one.
                // SAFETY: `fresh` came from `Box::into_raw` above and was never shared.
                drop(unsafe { Box::from_raw(fresh) });
            }
        }
    }
}

/// The fork generation: how many `fork()`s lie between the process that first ran a parallel
/// batch and this one.
#[cfg(unix)]
mod fork {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    static GENERATION: AtomicU64 = AtomicU64::new(0);
    static HANDLER_REGISTERED: AtomicBool = AtomicBool::new(false);

    /// Runs in the child of every fork(), on its only thread: one atomic add, which is
    /// async-signal-safe as a handler there must be.
    extern "C" fn on_fork_child() {
        GENERATION.fetch_add(1, Ordering::Relaxed);
    }

    /// The current generation, once the fork handler is registered; `None` if it cannot be
    /// (then forks would go unnoticed, and no pool may be used).
    pub(super) fn generation() -> Option<u64> {
        if !HANDLER_REGISTERED.load(Ordering::Acquire) {
            // Threads racing through here may each register the handler: harmless, a fork
            // then adds more than one, and only a change matters. A lock or a `Once` instead
            // could be caught mid-registration by a fork and never released in the child.
            // SAFETY: pthread_atfork only records the handler, a plain function that lives as
            // long as the program.
            if unsafe { libc::pthread_atfork(None, None, Some(on_fork_child)) } != 0 {
                return None;
            }
            HANDLER_REGISTERED.store(true, Ordering::Release);
        }
        Some(GENERATION.load(Ordering::Acquire))
    }
}

/// Without fork() there is one generation.
#[cfg(not(unix))]
mod fork {
    pub(super) fn generation() -> Option<u64> {
        Some(0)
    }
}
