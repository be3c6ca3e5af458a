//! The progress file shared with every worker: slot 0 is the stop flag, slot
//! `1 + i` the chunks worker `i` has finished (little-endian `u64`s, as
//! `python/gil_lab/experiments/live.py` writes them). Mapped here, it is read without the GIL.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use memmap2::MmapMut;

pub struct Slots {
    path: PathBuf,
    map: MmapMut,
}

impl Slots {
    /// A zeroed file for `workers` workers in `dir`.
    pub fn create(dir: &Path, name: &str, workers: usize) -> Result<Slots> {
        let path = dir.join(name);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        file.set_len(8 * (1 + workers as u64))?;
        // SAFETY: the file is private to this run; every writer stores whole aligned u64s.
        let map = unsafe { MmapMut::map_mut(&file)? };
        Ok(Slots { path, map })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn slot(&self, index: usize) -> &AtomicU64 {
        let bytes = &self.map[8 * index..8 * index + 8];
        // SAFETY: the mapping is page-aligned, so every 8-byte slot is aligned, and it
        // lives as long as `self`; other processes only store whole u64s to it.
        unsafe { &*(bytes.as_ptr() as *const AtomicU64) }
    }

    pub fn workers(&self) -> usize {
        self.map.len() / 8 - 1
    }

    /// Chunks finished so far by each worker.
    pub fn counts(&self) -> Vec<u64> {
        (0..self.workers())
            .map(|w| u64::from_le(self.slot(1 + w).load(Ordering::Relaxed)))
            .collect()
    }

    /// For workers in this process.
    pub fn set_done(&self, worker: usize, chunks: u64) {
        self.slot(1 + worker)
            .store(chunks.to_le(), Ordering::Relaxed);
    }

    pub fn stop(&self) {
        self.slot(0).store(1u64.to_le(), Ordering::SeqCst);
    }

    pub fn stopped(&self) -> bool {
        self.slot(0).load(Ordering::Relaxed) != 0
    }
}

impl Drop for Slots {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_the_stop_flag_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let slots = Slots::create(dir.path(), "s", 3).unwrap();
        assert_eq!(slots.counts(), vec![0, 0, 0]);
        slots.set_done(2, 7);
        assert!(!slots.stopped());
        slots.stop();
        assert!(slots.stopped());
        let bytes = std::fs::read(slots.path()).unwrap();
        assert_eq!(bytes.len(), 32);
        assert_eq!(bytes[0], 1);
        assert_eq!(u64::from_le_bytes(bytes[24..32].try_into().unwrap()), 7);
        assert_eq!(slots.counts(), vec![0, 0, 7]);
    }
}
