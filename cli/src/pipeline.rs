//! The ordered pipeline the streaming subcommands run on: a source fills items (blocks of
//! input, or generated keys), workers turn each into its output, and a sink writes the outputs
//! in input order.
//!
//! With one worker everything runs on the calling thread, one item after another. With more,
//! the source runs on a thread of its own, the workers on theirs, and the sink on the calling
//! thread, so reading, computing and writing overlap and every core computes. A fixed pool of
//! items circulates source -> workers -> sink -> source through bounded channels, so memory is
//! bounded by the pool whatever the input, and the items' buffers are reused, not reallocated.

use std::collections::BTreeMap;
use std::io;
use std::sync::mpsc::{sync_channel, Receiver};
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

    // Enough items that every worker has one while the source fills one and the sink
    // drains one.
    let pool = 2 * workers + 2;
    let (free_tx, free_rx) = sync_channel::<W::Item>(pool);
    for _ in 0..pool {
        free_tx.send(W::Item::default()).expect("receiver alive");
    }
    let (work_tx, work_rx) = sync_channel::<(u64, W::Item)>(pool);
    let (done_tx, done_rx) = sync_channel::<(u64, W::Item)>(pool);

    // The threads are not scoped: when the sink fails (stdout closed) the caller returns at
    // once and the process exits, even if the source is blocked reading a terminal.
    let source =
        thread::Builder::new()
            .name("wsaccept-read".into())
            .spawn(move || -> io::Result<u64> {
                let mut seq = 0;
                while let Ok(mut item) = free_rx.recv() {
                    if !source(&mut item)? || work_tx.send((seq, item)).is_err() {
                        break;
                    }
                    seq += 1;
                }
                Ok(seq)
            })?;
    let work_rx = Arc::new(Mutex::new(work_rx));
    for i in 0..workers {
        let work_rx = Arc::clone(&work_rx);
        let done_tx = done_tx.clone();
        let work = work.clone();
        thread::Builder::new()
            .name(format!("wsaccept-work-{i}"))
            .spawn(move || worker(&work, &work_rx, |item| done_tx.send(item).is_ok()))?;
    }
    drop(done_tx);

    // In order: an item that finishes early waits here until those before it are written.
    let mut next = 0u64;
    let mut waiting = BTreeMap::new();
    for (seq, item) in done_rx {
        waiting.insert(seq, item);
        while let Some(mut item) = waiting.remove(&next) {
            sink(&mut item)?;
            next += 1;
            // The source may have stopped; the item is then simply dropped.
            let _ = free_tx.send(item);
        }
    }
    let produced = source
        .join()
        .map_err(|_| io::Error::other("the input thread panicked"))??;
    if produced != next {
        return Err(io::Error::other("a worker thread panicked"));
    }
    Ok(())
}

/// A worker's loop: takes items until the source is done, computes each and passes it on
/// (`pass` returns false once the sink has stopped).
fn worker<W: Work>(
    work: &W,
    work_rx: &Mutex<Receiver<(u64, W::Item)>>,
    mut pass: impl FnMut((u64, W::Item)) -> bool,
) {
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
        if !pass((seq, item)) {
            return;
        }
    }
}
