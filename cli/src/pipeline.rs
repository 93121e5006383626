//! The ordered pipeline the streaming subcommands run on: a source fills items (blocks of
//! input, or generated keys), workers turn each into its output, and a sink writes the outputs
//! in input order.
//!
//! With one worker everything runs on the calling thread, one item after another. With more,
//! the workers run on threads of their own and the calling thread both fills items (reads) and
//! writes the finished ones in order, so reading, computing and writing overlap and every core
//! computes. The calling thread waits only when every item is with the workers, so a block
//! costs about one thread wake-up, and no thread beside the workers competes for the cores
//! but the one that reads and writes. A fixed pool of items circulates, so memory is bounded by
//! the pool whatever the input, and the items' buffers are reused, not reallocated.
//!
//! The cost of one thread for reading and writing: a finished item is written once the read in
//! progress returns, so on a slow input stream (a pipe fed a line at a time) a block's output
//! can wait for the next block to arrive. Throughput is what the pipeline is for; the blocks
//! already make a slow stream's output come in 64 KiB steps.

use std::collections::BTreeMap;
use std::io;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex};
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
        let mut item = W::Item::default();
        let mut scratch = W::Scratch::default();
        while source(&mut item)? {
            work.work(&mut item, &mut scratch);
            sink(&mut item)?;
        }
        return Ok(());
    }

    // Enough items that every worker has one while the calling thread fills one and writes
    // one.
    let pool = 2 * workers + 2;
    let (work_tx, work_rx) = sync_channel::<(u64, W::Item)>(pool);
    let (done_tx, done_rx) = sync_channel::<Done<W::Item>>(pool);
    let work_rx = Arc::new(Mutex::new(work_rx));
    for i in 0..workers {
        let work_rx = Arc::clone(&work_rx);
        let done_tx = done_tx.clone();
        let work = work.clone();
        // The threads are not scoped: when the sink fails (stdout closed) the caller returns
        // at once and the process exits.
        thread::Builder::new()
            .name(format!("wsaccept-work-{i}"))
            .spawn(move || worker(&work, &work_rx, &done_tx))?;
    }
    drop(done_tx);

    // Free items, the last one written reused first (its buffers are the most likely to be
    // in this core's cache). Channel sends never wait: a channel holds the whole pool.
    let mut free: Vec<W::Item> = (0..pool).map(|_| W::Item::default()).collect();
    let mut work_tx = Some(work_tx);
    let mut source_error = None;
    let (mut produced, mut next) = (0u64, 0u64);
    // Items finished ahead of their turn.
    let mut waiting = BTreeMap::new();
    loop {
        while let Some(mut item) = waiting.remove(&next) {
            sink(&mut item)?;
            next += 1;
            free.push(item);
        }
        if work_tx.is_none() && next == produced {
            // Every item written; the workers end as their channel closes.
            return source_error.map_or(Ok(()), Err);
        }
        // What the workers finished meanwhile, without waiting.
        match done_rx.try_recv() {
            Ok(Done::Item(seq, item)) => {
                waiting.insert(seq, item);
                continue;
            }
            Ok(Done::Panicked) | Err(TryRecvError::Disconnected) => return Err(panicked()),
            Err(TryRecvError::Empty) => {}
        }
        if let (Some(tx), Some(mut item)) = (&work_tx, free.pop()) {
            match source(&mut item) {
                Ok(true) => {
                    tx.send((produced, item)).map_err(|_| panicked())?;
                    produced += 1;
                }
                Ok(false) => work_tx = None,
                Err(e) => {
                    // The items read before the error are still written first.
                    source_error = Some(e);
                    work_tx = None;
                }
            }
            continue;
        }
        // Every item is with the workers: wait for one.
        match done_rx.recv() {
            Ok(Done::Item(seq, item)) => {
                waiting.insert(seq, item);
            }
            Ok(Done::Panicked) | Err(_) => return Err(panicked()),
        }
    }
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

/// A worker's loop: takes items until the channel closes, computes each and hands it back
/// (stops once the calling thread has stopped).
fn worker<W: Work>(
    work: &W,
    work_rx: &Mutex<Receiver<(u64, W::Item)>>,
    done: &SyncSender<Done<W::Item>>,
) {
    let _notice = PanicNotice(done);
    let mut scratch = W::Scratch::default();
    loop {
        // The lock is held only to take one item; a poisoned lock (another worker panicked)
        // still guards a sound receiver.
        let next = work_rx
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .recv();
        let Ok((seq, mut item)) = next else { return };
        work.work(&mut item, &mut scratch);
        if done.send(Done::Item(seq, item)).is_err() {
            return;
        }
    }
}
