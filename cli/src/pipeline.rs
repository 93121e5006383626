//! The ordered pipeline the streaming subcommands run on: a source fills items (blocks of
//! input, or generated keys), workers turn each into its output, and a sink writes the outputs
//! in input order.
//!
//! With N workers the calling thread is one of them and N - 1 more threads are started, so
//! `--threads 2` on two cores is two threads, one a core. Every worker takes a free item,
//! fills it from the source (the source is shared under a lock, which also numbers the items)
//! and computes it. The calling thread also writes the finished items in order, between its
//! own items: it waits only when it has no free item or the source has ended and some item is
//! still being computed. No thread exists only to read or write, so no thread is woken for
//! every block and none competes with the workers for the cores; reading, computing and
//! writing still overlap. A fixed pool of items circulates, so memory is bounded by the pool
//! whatever the input, and the items' buffers are reused, not reallocated.
//!
//! The cost of writing on a worker: a finished item is written once the calling thread is
//! between two items of its own, so on a slow input stream (a pipe fed a line at a time) a
//! block's output can wait while the calling thread waits for the next block. Throughput is
//! what the pipeline is for; the blocks already make a slow stream's output come in 64 KiB
//! steps.

use std::collections::BTreeMap;
use std::io;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex, MutexGuard};
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
    let mut scratch = W::Scratch::default();
    if workers <= 1 {
        let mut item = W::Item::default();
        while source(&mut item)? {
            work.work(&mut item, &mut scratch);
            sink(&mut item)?;
        }
        return Ok(());
    }

    // Enough items that every worker has one being computed and one finished ahead of its
    // turn, and two more.
    let pool = 2 * workers + 2;
    let source = Arc::new(Mutex::new(Source {
        fill: source,
        produced: 0,
        ended: None,
    }));
    // Channels that hold the whole pool, so a send never waits.
    let (free_tx, free_rx) = sync_channel::<W::Item>(pool);
    let (done_tx, done_rx) = sync_channel::<Done<W::Item>>(pool);
    let free_rx = Arc::new(Mutex::new(free_rx));
    for _ in 1..pool {
        free_tx.send(W::Item::default()).map_err(|_| panicked())?;
    }
    for i in 1..workers {
        let (source, free_rx, done_tx) =
            (Arc::clone(&source), Arc::clone(&free_rx), done_tx.clone());
        let work = work.clone();
        // The threads are not scoped: when the sink fails (stdout closed) the caller returns
        // at once and the process exits, even while a worker waits in a read.
        thread::Builder::new()
            .name(format!("wsaccept-work-{i}"))
            .spawn(move || worker(&work, &source, &free_rx, &done_tx))?;
    }
    drop(done_tx);

    // The calling thread's own item, and the items finished ahead of their turn.
    let mut mine = Some(W::Item::default());
    let mut waiting = BTreeMap::new();
    let mut next = 0u64;
    loop {
        // What the other workers finished meanwhile, without waiting.
        loop {
            match done_rx.try_recv() {
                Ok(Done::Item(seq, item)) => {
                    waiting.insert(seq, item);
                }
                Ok(Done::Panicked) => return Err(panicked()),
                // Disconnected: every other worker has ended, after the source did.
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        while let Some(mut item) = waiting.remove(&next) {
            sink(&mut item)?;
            next += 1;
            // The item just written is reused first (its buffers are in this core's cache).
            match mine {
                None => mine = Some(item),
                Some(_) => free_tx.send(item).map_err(|_| panicked())?,
            }
        }
        // A free item from the pool when this thread's own is waiting for its turn (not
        // waiting for the lock: a worker holds it only while the pool is empty).
        let free = mine.take().or_else(|| {
            let pool = free_rx.try_lock().ok()?;
            pool.try_recv().ok()
        });
        if let Some(mut item) = free {
            if let Some(seq) = fill(&source, &mut item) {
                work.work(&mut item, &mut scratch);
                waiting.insert(seq, item);
                continue;
            }
            mine = Some(item);
        }
        // No free item, or the source has ended.
        let (ended, produced) = {
            let source = lock(&source);
            (source.ended.is_some(), source.produced)
        };
        if ended && next == produced {
            // Every item written; the other workers end as the source has.
            return lock(&source)
                .ended
                .take()
                .expect("ended")
                .map_or(Ok(()), Err);
        }
        // Item `next` is with another worker: wait for what it finishes.
        match done_rx.recv() {
            Ok(Done::Item(seq, item)) => {
                waiting.insert(seq, item);
            }
            Ok(Done::Panicked) | Err(_) => return Err(panicked()),
        }
    }
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

/// What a worker hands back.
enum Done<T> {
    Item(u64, T),
    /// The worker panicked: its item will never come, so the sink must not wait for it.
    Panicked,
}

/// Tells the calling thread when a worker panics (dropped during the unwinding).
struct PanicNotice<'a, T>(&'a SyncSender<Done<T>>);

impl<T> Drop for PanicNotice<'_, T> {
    fn drop(&mut self) {
        if thread::panicking() {
            let _ = self.0.try_send(Done::Panicked);
        }
    }
}

/// A started worker's loop: takes a free item, fills it from the source, computes it and hands
/// it back, until the source ends or the calling thread has stopped.
fn worker<W: Work, F: FnMut(&mut W::Item) -> io::Result<bool>>(
    work: &W,
    source: &Mutex<Source<F>>,
    free: &Mutex<Receiver<W::Item>>,
    done: &SyncSender<Done<W::Item>>,
) {
    let _notice = PanicNotice(done);
    let mut scratch = W::Scratch::default();
    loop {
        // The lock is held only to take one item.
        let Ok(mut item) = lock(free).recv() else {
            return;
        };
        let Some(seq) = fill(source, &mut item) else {
            return;
        };
        work.work(&mut item, &mut scratch);
        if done.send(Done::Item(seq, item)).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
