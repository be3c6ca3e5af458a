//! The GIL contention probe: a thread that, at a set interval, times how long it
//! waits to attach to the interpreter (the method of gilknocker). The share of
//! its time spent waiting is `gil_contention`: near 1 when some thread always
//! holds the GIL, near 0 when it is free (processes, free-threaded builds).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pyo3::ffi;

/// Default time between two attach attempts.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(1);

pub struct Probe {
    stop: Arc<AtomicBool>,
    /// Nanoseconds waited and elapsed so far, for readings while it runs.
    so_far: Arc<[AtomicU64; 2]>,
    thread: Option<JoinHandle<(Duration, Duration)>>,
}

impl Probe {
    /// Starts probing the embedded interpreter every `interval`.
    pub fn start(interval: Duration) -> std::io::Result<Probe> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let so_far = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
        let publish = so_far.clone();
        let thread = std::thread::Builder::new()
            .name("gil-lab-probe".into())
            .spawn(move || {
                let begun = Instant::now();
                let mut waited = Duration::ZERO;
                while !flag.load(Ordering::Relaxed) {
                    let asked = Instant::now();
                    // SAFETY: the interpreter is initialized while a Probe lives; the
                    // thread state is released at once.
                    unsafe {
                        let state = ffi::PyGILState_Ensure();
                        waited += asked.elapsed();
                        ffi::PyGILState_Release(state);
                    }
                    publish[0].store(waited.as_nanos() as u64, Ordering::Relaxed);
                    publish[1].store(begun.elapsed().as_nanos() as u64, Ordering::Relaxed);
                    std::thread::sleep(interval);
                }
                (waited, begun.elapsed())
            })?;
        Ok(Probe {
            stop,
            so_far,
            thread: Some(thread),
        })
    }

    /// `(waited, elapsed)` so far: the share over a window is the ratio of two readings' differences.
    pub fn reading(&self) -> (Duration, Duration) {
        (
            Duration::from_nanos(self.so_far[0].load(Ordering::Relaxed)),
            Duration::from_nanos(self.so_far[1].load(Ordering::Relaxed)),
        )
    }

    /// Stops the probe; returns the share of its time spent waiting for the GIL.
    pub fn finish(mut self) -> Option<f64> {
        self.stop.store(true, Ordering::Relaxed);
        let (waited, total) = self.thread.take()?.join().ok()?;
        (total > Duration::ZERO).then(|| (waited.as_secs_f64() / total.as_secs_f64()).min(1.0))
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
