//! The ordered pipeline the streaming subcommands run on: a source fills items (blocks of
//! input, or generated keys), workers turn each into its output, and a sink writes the outputs
//! in input order.
//!
//! With N workers, N - 1 threads are started and the calling thread is the Nth, so
//! `--threads 2` on two cores is two threads, one a core. A started worker takes a free item
//! and fills it from the source (shared under a lock, which also numbers the items); then it
//! either hands the item to the calling thread, when fewer than [`HANDED_AHEAD`] are waiting
//! there, or computes it itself. The calling thread computes the items handed to it and
//! writes the finished ones in order; it never reads, so a read that waits (a slow pipe)
//! never holds back output already computed, and it never waits but for the next message.
//! No thread exists only to read or to write, so none competes with the workers for the cores
//! and none is woken for every block; reading, computing and writing overlap. A fixed pool of
//! items circulates, so memory is bounded by the pool whatever the input, and the items'
//! buffers are reused, not reallocated.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;

/// Most workers a run starts, whatever `--threads` asks: each worker is a thread with its own
/// scratch and two more items in the pool, so this bounds threads and memory (the sink, one
/// thread writing in order, would limit long before).
const MAX_WORKERS: usize = 16;

/// How many workers `--threads N` gives: N, or for 0 the available cores, at most
/// [`MAX_WORKERS`].
pub fn workers(threads: usize) -> usize {
    let n = match threads {
        0 => thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    n.clamp(1, MAX_WORKERS)
}

/// The computing step: each worker has a clone and scratch space of its own.
pub trait Work: Clone + Send + 'static {
    type Item: Default + Send + 'static;
    type Scratch: Default;
    /// Computes `item`'s output.
    fn work(&self, item: &mut Self::Item, scratch: &mut Self::Scratch);
}

/// Runs the pipeline with `workers` workers: `source` fills an item with the next piece of
/// work (`Ok(false)`: none left), `work` computes it, and `sink` gets each finished item in
/// source order. Stops at the first error of the source or the sink; the sink has by then
/// seen every item the source produced before its error.
pub fn run<W: Work>(
    mut source: impl FnMut(&mut W::Item) -> io::Result<bool> + Send + 'static,
    work: W,
    workers: usize,
    mut sink: impl FnMut(&mut W::Item) -> io::Result<()>,
) -> io::Result<()> {
    if workers <= 1 {
        return one_thread(&mut source, &work, &mut sink);
    }

    // Enough items that every worker has one being computed and one finished ahead of its
    // turn, and two more.
    let pool = 2 * workers + 2;
    let shared = Arc::new(Shared {
        source: Mutex::new(Source {
            fill: source,
            produced: 0,
            ended: None,
        }),
        handed: AtomicUsize::new(0),
    });
    // Channels that hold the whole pool, so a send never waits.
    let (free_tx, free_rx) = sync_channel::<W::Item>(pool);
    let (to_caller, messages) = sync_channel::<Message<W::Item>>(pool);
    let free_rx = Arc::new(Mutex::new(free_rx));
    for _ in 0..pool {
        free_tx.send(W::Item::default()).map_err(|_| panicked())?;
    }
    let mut started = 0;
    for i in 1..workers {
        let (shared, free_rx, to_caller) =
            (Arc::clone(&shared), Arc::clone(&free_rx), to_caller.clone());
        let work = work.clone();
        // The threads are not scoped: when the sink fails (stdout closed) the caller returns
        // at once and the process exits, even while a worker waits in a read.
        let spawned = thread::Builder::new()
            .name(format!("wsaccept-work-{i}"))
            .spawn(move || worker(&work, &shared, &free_rx, &to_caller));
        // Fewer threads than asked (a thread limit) still run; none at all, one thread.
        if spawned.is_ok() {
            started += 1;
        }
    }
    drop(to_caller);
    if started == 0 {
        // No started thread holds a clone: a failed spawn drops its closure.
        let Some(shared) = Arc::into_inner(shared) else {
            return Err(io::Error::other("no worker thread could be started"));
        };
        let mut source = shared
            .source
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        return one_thread(&mut source.fill, &work, &mut sink);
    }

    let mut scratch = W::Scratch::default();
    // The items finished ahead of their turn.
    let mut waiting = BTreeMap::new();
    let mut next = 0u64;
    // Until every started worker has ended, which each does once the source has ended.
    while let Ok(message) = messages.recv() {
        match message {
            Message::Compute(seq, mut item) => {
                shared.handed.fetch_sub(1, Ordering::Relaxed);
                work.work(&mut item, &mut scratch);
                waiting.insert(seq, item);
            }
            Message::Done(seq, item) => {
                waiting.insert(seq, item);
            }
            Message::Panicked => return Err(panicked()),
        }
        while let Some(mut item) = waiting.remove(&next) {
            sink(&mut item)?;
            next += 1;
            free_tx.send(item).map_err(|_| panicked())?;
        }
    }
    let mut source = lock(&shared.source);
    if next != source.produced {
        // A worker ended without handing back its item.
        return Err(panicked());
    }
    source.ended.take().flatten().map_or(Ok(()), Err)
}

/// The pipeline on the calling thread alone: each item filled, computed and written in turn.
fn one_thread<W: Work>(
    source: &mut impl FnMut(&mut W::Item) -> io::Result<bool>,
    work: &W,
    sink: &mut impl FnMut(&mut W::Item) -> io::Result<()>,
) -> io::Result<()> {
    let mut item = W::Item::default();
    let mut scratch = W::Scratch::default();
    while source(&mut item)? {
        work.work(&mut item, &mut scratch);
        sink(&mut item)?;
    }
    Ok(())
}

/// How many filled items may wait for the calling thread to compute them: enough that it
/// always has the next one at hand, few enough that the started workers compute the rest.
const HANDED_AHEAD: usize = 2;

/// What the started workers share.
struct Shared<F> {
    source: Mutex<Source<F>>,
    /// Items handed to the calling thread to compute and not yet taken.
    handed: AtomicUsize,
}

/// The source, shared by the workers: whoever holds the lock fills the next item.
struct Source<F> {
    fill: F,
    /// Items filled so far: the next item's sequence number.
    produced: u64,
    /// Once the source has ended: `None` inside at its end, `Some` after an error, which is
    /// reported once every item filled before it is written.
    ended: Option<Option<io::Error>>,
}

/// Fills `item` with the source's next piece of work and gives its sequence number; `None`
/// once the source has ended (at its end or at an error).
fn fill<T, F: FnMut(&mut T) -> io::Result<bool>>(
    source: &Mutex<Source<F>>,
    item: &mut T,
) -> Option<u64> {
    let mut source = lock(source);
    if source.ended.is_some() {
        return None;
    }
    match (source.fill)(item) {
        Ok(true) => {
            source.produced += 1;
            Some(source.produced - 1)
        }
        Ok(false) => {
            source.ended = Some(None);
            None
        }
        Err(e) => {
            source.ended = Some(Some(e));
            None
        }
    }
}

/// A poisoned lock (a worker panicked while holding it) still guards sound data: the panic
/// itself is reported through [`Done::Panicked`].
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn panicked() -> io::Error {
    io::Error::other("a worker thread panicked")
}

/// What a started worker sends the calling thread.
enum Message<T> {
    /// A filled item for the calling thread to compute.
    Compute(u64, T),
    /// A computed item, to be written in its turn.
    Done(u64, T),
    /// The worker panicked: its item will never come, so the sink must not wait for it.
    Panicked,
}

/// Tells the calling thread when a worker panics (dropped during the unwinding).
struct PanicNotice<'a, T>(&'a SyncSender<Message<T>>);

impl<T> Drop for PanicNotice<'_, T> {
    fn drop(&mut self) {
        if thread::panicking() {
            let _ = self.0.try_send(Message::Panicked);
        }
    }
}

/// A started worker's loop: takes a free item, fills it from the source, and hands it to the
/// calling thread or computes it itself, until the source ends or the calling thread has
/// stopped.
fn worker<W: Work, F: FnMut(&mut W::Item) -> io::Result<bool>>(
    work: &W,
    shared: &Shared<F>,
    free: &Mutex<Receiver<W::Item>>,
    to_caller: &SyncSender<Message<W::Item>>,
) {
    let _notice = PanicNotice(to_caller);
    let mut scratch = W::Scratch::default();
    loop {
        // The lock is held only to take one item.
        let Ok(mut item) = lock(free).recv() else {
            return;
        };
        let Some(seq) = fill(&shared.source, &mut item) else {
            return;
        };
        let message = if shared.handed.load(Ordering::Relaxed) < HANDED_AHEAD {
            shared.handed.fetch_add(1, Ordering::Relaxed);
            Message::Compute(seq, item)
        } else {
            work.work(&mut item, &mut scratch);
            Message::Done(seq, item)
        };
        if to_caller.send(message).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Squares a number, pausing on some items so they finish out of order.
    #[derive(Clone)]
    struct Square {
        /// Panic on a started worker's thread (never on the calling thread).
        panic_on_started: bool,
    }

    impl Work for Square {
        type Item = (u64, u64);
        type Scratch = u64;

        fn work(&self, item: &mut (u64, u64), calls: &mut u64) {
            *calls += 1;
            let started = thread::current()
                .name()
                .is_some_and(|n| n.starts_with("wsaccept-work-"));
            assert!(!(self.panic_on_started && started), "a test panic");
            if item.0 % 7 == 3 {
                thread::sleep(Duration::from_micros(200));
            }
            item.1 = item.0 * item.0;
        }
    }

    /// Items 0..n through `workers` workers; the source fails after `fail_after` items if set.
    fn squares(
        n: u64,
        workers: usize,
        fail_after: Option<u64>,
        work: Square,
    ) -> (io::Result<()>, Vec<u64>) {
        let mut next = 0;
        let source = move |item: &mut (u64, u64)| {
            if Some(next) == fail_after {
                return Err(io::Error::other("source failed"));
            }
            if next == n {
                return Ok(false);
            }
            *item = (next, 0);
            next += 1;
            Ok(true)
        };
        let mut seen = vec![];
        let result = run(source, work, workers, |item| {
            assert_eq!(item.1, item.0 * item.0, "computed before it is written");
            seen.push(item.0);
            Ok(())
        });
        (result, seen)
    }

    const CALM: Square = Square {
        panic_on_started: false,
    };

    #[test]
    fn every_item_is_written_once_in_source_order() {
        for workers in [1, 2, 3, 5, MAX_WORKERS] {
            for n in [0, 1, 2, 13, 500] {
                let (result, seen) = squares(n, workers, None, CALM);
                result.unwrap();
                assert_eq!(
                    seen,
                    (0..n).collect::<Vec<_>>(),
                    "{workers} workers, {n} items"
                );
            }
        }
    }

    #[test]
    fn a_source_error_comes_after_every_item_read_before_it() {
        for workers in [1, 2, 4] {
            let (result, seen) = squares(1000, workers, Some(300), CALM);
            assert_eq!(result.unwrap_err().to_string(), "source failed");
            assert_eq!(seen, (0..300).collect::<Vec<_>>(), "{workers} workers");
        }
    }

    #[test]
    fn a_sink_error_stops_the_run() {
        for workers in [1, 2, 4] {
            let mut written = 0;
            let source = |item: &mut (u64, u64)| {
                item.0 += 1;
                Ok(true)
            };
            let result = run(source, CALM, workers, |_| {
                written += 1;
                if written == 50 {
                    Err(io::Error::other("sink failed"))
                } else {
                    Ok(())
                }
            });
            assert_eq!(result.unwrap_err().to_string(), "sink failed");
            assert_eq!(written, 50);
        }
    }

    /// A source that waits (a slow pipe) does not hold back what was read before it: like a
    /// coprocess's input, each read after the first waits until the item before it has been
    /// written.
    #[test]
    fn output_is_written_while_the_source_waits() {
        const ITEMS: u64 = 50;
        for workers in [2, 3] {
            let (written_tx, written_rx) = mpsc::channel::<u64>();
            let mut filled = 0;
            let source = move |item: &mut (u64, u64)| {
                if filled > 0 {
                    match written_rx.recv_timeout(Duration::from_secs(10)) {
                        Ok(seq) => assert_eq!(seq, filled - 1),
                        Err(_) => return Err(io::Error::other("an item was held back")),
                    }
                }
                if filled == ITEMS {
                    return Ok(false);
                }
                *item = (filled, 0);
                filled += 1;
                Ok(true)
            };
            let mut seen = vec![];
            let result = run(source, CALM, workers, |item| {
                seen.push(item.0);
                let _ = written_tx.send(item.0);
                Ok(())
            });
            result.unwrap();
            assert_eq!(seen, (0..ITEMS).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_panicking_worker_is_reported_not_waited_for() {
        let noisy = Square {
            panic_on_started: true,
        };
        for workers in [2, 4] {
            let (result, _) = squares(10_000, workers, None, noisy.clone());
            let err = result.unwrap_err();
            assert_eq!(
                err.to_string(),
                "a worker thread panicked",
                "{workers} workers"
            );
        }
    }
}
