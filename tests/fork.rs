//! Parallel batches work in a process forked after parallel batches ran (the pre-fork server
//! pattern: warm up, then fork workers), and in its children: a forked child keeps rayon's
//! global pool's bookkeeping but not its threads, so the library must notice the fork and use a
//! pool of the child's own rather than wait on threads that do not exist.
//!
//! Each child runs under `alarm()`, so a hang ends as SIGALRM, and the parent waits with a
//! deadline of its own; a child reports by exit status only (no output, no unwinding across
//! the fork). This binary holds a single test on purpose: fork() copies only the calling
//! thread, and no other test's thread may hold a lock the child needs.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread;
use std::time::{Duration, Instant};

use common::capi as ffi;
use common::{oracle, Rng};
use wsaccept::{accept_batch, accept_scattered, verify_batch, Accept, BatchOptions};

/// Far above `PARALLEL_CUTOFF`, so `threads = 0` and `threads = 2` really fan out.
const N: usize = 50_000;
/// A child killed by SIGALRM after this long was hung (its work takes milliseconds).
const CHILD_ALARM_SECS: u32 = 10;

struct Fixture {
    keys: Vec<u8>,
    want: Vec<u8>,
}

impl Fixture {
    fn new() -> Fixture {
        let mut rng = Rng(8);
        let (mut keys, mut want) = (Vec::new(), Vec::new());
        for _ in 0..N {
            let key = rng.valid_key();
            keys.extend_from_slice(&key);
            want.extend_from_slice(oracle(&key).as_bytes());
        }
        Fixture { keys, want }
    }

    /// Every parallel entry point, Rust and C, with `threads`; true if all results are right.
    fn all_batches_right(&self, threads: usize) -> bool {
        let opts = BatchOptions::default().threads(threads);
        let mut out = vec![0u8; N * 28];
        if accept_batch(&self.keys, &mut out, None, &opts) != Ok(0) || out != self.want {
            return false;
        }
        let verified = verify_batch(&self.keys, &self.want, None, &opts);
        if verified.map(|s| s.matched) != Ok(N) {
            return false;
        }
        let slices: Vec<&[u8]> = self.keys.chunks(24).collect();
        let mut accepts = vec![Accept::ZEROED; N];
        if accept_scattered(&slices, &mut accepts, None, &opts) != Ok(0)
            || accepts
                .iter()
                .map(|a| a.as_bytes().as_slice())
                .ne(self.want.chunks(28))
        {
            return false;
        }
        let mut out = vec![0u8; N * 28];
        // SAFETY: `keys` holds N keys of 24 bytes and `out` N slots of 28; no status buffer.
        let rc = unsafe {
            ffi::wsaccept_accept_batch(
                self.keys.as_ptr().cast(),
                N,
                out.as_mut_ptr().cast(),
                std::ptr::null_mut(),
                threads,
            )
        };
        rc == 0 && out == self.want
    }
}

/// How a forked child ended.
#[derive(Debug, PartialEq)]
enum Ended {
    Exited(i32),
    Signal(i32),
    /// Still running at the parent's deadline (then killed).
    Hung,
}

/// Runs `body` in a forked child under `alarm(CHILD_ALARM_SECS)`; the child exits with the
/// code `body` returns (101 if it panicked). Waits at most twice the alarm.
fn in_child(body: impl FnOnce() -> i32) -> Ended {
    // SAFETY: fork() has no preconditions; the child only runs `body` (the library and the
    // allocator, whose locks glibc resets in the child) and leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed: {}", std::io::Error::last_os_error());
    if pid == 0 {
        // SAFETY: alarm and _exit are async-signal-safe; _exit skips the parent's atexit
        // handlers and the test harness, which belong to the parent.
        unsafe {
            libc::alarm(CHILD_ALARM_SECS);
            let code = catch_unwind(AssertUnwindSafe(body)).unwrap_or(101);
            libc::_exit(code);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(2 * u64::from(CHILD_ALARM_SECS));
    loop {
        let mut status = 0;
        // SAFETY: waits for our own child; `status` is a valid int.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        assert!(done >= 0, "waitpid: {}", std::io::Error::last_os_error());
        if done == pid {
            return if libc::WIFEXITED(status) {
                Ended::Exited(libc::WEXITSTATUS(status))
            } else {
                Ended::Signal(libc::WTERMSIG(status))
            };
        }
        if Instant::now() > deadline {
            // SAFETY: our own child, still unreaped.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return Ended::Hung;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn parallel_batches_work_in_forked_children_and_grandchildren() {
    let fixture = Fixture::new();
    // The parent starts rayon's global pool, as a pre-fork server warming up would.
    assert!(fixture.all_batches_right(0), "parent, before fork");

    let started = Instant::now();
    let child = in_child(|| {
        for threads in [0, 2, 1, 0] {
            if !fixture.all_batches_right(threads) {
                return 10 + threads as i32;
            }
        }
        // A grandchild: the child's own pool has no threads there either.
        match in_child(|| {
            if fixture.all_batches_right(0) && fixture.all_batches_right(3) {
                0
            } else {
                20
            }
        }) {
            Ended::Exited(0) => {}
            Ended::Exited(code) => return code,
            Ended::Signal(sig) => return 30 + sig,
            Ended::Hung => return 29,
        }
        // The child's pool still serves the child after its own fork.
        if fixture.all_batches_right(0) {
            0
        } else {
            40
        }
    });
    assert_eq!(
        child,
        Ended::Exited(0),
        "forked child after a threads=0 batch (SIGALRM = {}: hung; 10+threads: wrong results \
         in the child; 20: wrong results in the grandchild; 29, 30+signal: grandchild hung or \
         killed)",
        libc::SIGALRM
    );
    eprintln!("child and grandchild done in {:?}", started.elapsed());

    // The parent's pool is untouched by its children.
    assert!(fixture.all_batches_right(0), "parent, after fork");

    // A second child, forked later, gets a pool of its own as well.
    assert_eq!(
        in_child(|| if fixture.all_batches_right(2) { 0 } else { 1 }),
        Ended::Exited(0),
        "second child"
    );
}
