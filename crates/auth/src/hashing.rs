//! The threads argon2id hashes run on. One hash holds a core for tens of milliseconds; run on
//! the blocking pool, hundreds would run side by side and a burst of logins would take every
//! core from the requests that need only microseconds each. So hashes queue (first come, first
//! served) for a fixed set of threads, and those threads run at a lower scheduling priority
//! (nice 10, on Linux): whenever a request thread wants a core it gets it first, and hashing
//! takes what is left. A burst of logins then waits longer, and nothing else does.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, mpsc};

use crate::password::PasswordError;

/// How much lower the hashing threads run than everything else (Linux nice value; others 0).
pub const NICENESS: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    queue: mpsc::Sender<Job>,
    threads: usize,
}

static POOL: OnceLock<Pool> = OnceLock::new();

/// Starts `threads` hashing threads (`auth.hashing_threads`); 0 means one per core. Only the
/// first call counts, and only before the first hash.
pub fn start(threads: usize) {
    POOL.get_or_init(|| Pool::start(threads));
}

fn pool() -> &'static Pool {
    POOL.get_or_init(|| Pool::start(0))
}

/// How many hashes may run at once in this process.
#[must_use]
pub fn threads() -> usize {
    pool().threads
}

impl Pool {
    fn start(threads: usize) -> Pool {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
        } else {
            threads
        };
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..threads {
            let jobs = Arc::clone(&jobs);
            let started = std::thread::Builder::new()
                .name(format!("peitao-hash-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        // One idle thread waits on the queue; the others wait for the lock.
                        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        match job {
                            Ok(job) => job(),
                            Err(mpsc::RecvError) => return,
                        }
                    }
                });
            if let Err(e) = started {
                // Fewer threads than asked still hash; none would leave every login waiting.
                // This crate logs nothing itself; this is worth a line on stderr.
                eprintln!("peitao-auth: hashing thread {n} not started: {e}");
            }
        }
        Pool { queue, threads }
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // On Linux a nice value belongs to the thread (the task id), not to the whole process.
    let me = rustix::thread::gettid();
    let _ = rustix::process::setpriority_process(Some(me), NICENESS);
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

/// Runs `work` on a hashing thread in its turn. Work whose caller stopped waiting before its
/// turn came (the client went away) is skipped.
///
/// # Errors
/// `Cancelled` if the work panicked or the pool is gone.
pub async fn turn<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        if done.is_closed() {
            return;
        }
        if let Ok(out) = catch_unwind(AssertUnwindSafe(work)) {
            let _ = done.send(out);
        }
    });
    pool()
        .queue
        .send(job)
        .map_err(|_| PasswordError::Cancelled)?;
    result.await.map_err(|_| PasswordError::Cancelled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hashes_wait_for_a_thread() {
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static PEAK: AtomicUsize = AtomicUsize::new(0);
        let threads = threads();
        assert!(threads >= 1);
        let tasks: Vec<_> = (0..(threads * 4 + 4))
            .map(|_| {
                tokio::spawn(turn(|| {
                    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                    PEAK.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    RUNNING.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        // Other tests of this process hash meanwhile on the same threads, so the peak of these
        // tasks alone is at most the thread count.
        let peak = PEAK.load(Ordering::SeqCst);
        assert!(
            peak >= 1 && peak <= threads,
            "peak {peak} with {threads} threads"
        );
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashes_run_below_every_other_thread() {
        let (theirs, ours) = turn(|| {
            let me = rustix::thread::gettid();
            (
                rustix::process::getpriority_process(Some(me)).unwrap(),
                std::thread::current().name().map(str::to_owned),
            )
        })
        .await
        .unwrap();
        let here = rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap();
        assert_eq!(theirs, here + NICENESS, "the hashing thread's nice value");
        assert!(ours.is_some_and(|n| n.starts_with("peitao-hash-")));
    }

    #[tokio::test]
    async fn a_panicking_hash_is_an_error_and_the_thread_lives_on() {
        let panicked = turn(|| -> u8 { panic!("argon2 blew up") }).await;
        assert!(matches!(panicked, Err(PasswordError::Cancelled)));
        for _ in 0..threads() + 1 {
            assert_eq!(turn(|| 7).await.unwrap(), 7);
        }
    }
}
