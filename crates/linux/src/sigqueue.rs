//! Queues of caught signals waiting for delivery to the guest.
//!
//! The host handler fills a queue and the dispatcher side empties it, possibly interrupted by
//! the handler on the same thread, so a queue is made of atomics only: per signal a ring of
//! `siginfo_t` instances with a head the handler advances and a tail the dispatcher advances,
//! plus a summary word with a bit per non-empty ring. A standard signal's ring holds one
//! instance (signals merge, as in the kernel); a real-time signal's holds [`RING`].
//!
//! The process has one queue for signals sent to the process (kill, timers, SIGCHLD), which any
//! guest thread that does not block them may take, and each thread one for signals sent to it
//! alone (tgkill, pthread_kill), which only it takes: the kernel's shared and private pending
//! sets.

use std::sync::atomic::{AtomicU64, Ordering};

/// Highest signal number.
const NSIG: usize = 64;
/// Size of `siginfo_t` in 64-bit words.
const INFO_WORDS: usize = 16;
/// Instances a real-time signal's ring holds.
const RING: usize = 8;

/// Bit of signal `sig` in a sigset.
fn bit(sig: i32) -> u64 {
    1u64 << (sig - 1)
}

/// How many instances of `sig` may wait at once.
fn capacity(sig: i32) -> u64 {
    if sig >= 32 { RING as u64 } else { 1 }
}

/// One queue of caught signals (see the module docs).
pub(crate) struct SigQueue {
    /// Bit set when a signal's ring is not empty.
    queued: AtomicU64,
    /// Per signal, the `siginfo_t` of each queued instance.
    info: [[[AtomicU64; INFO_WORDS]; RING]; NSIG],
    /// Per signal, instances ever queued (written by the handler only).
    head: [AtomicU64; NSIG],
    /// Per signal, instances ever taken (written by the dispatcher side only).
    tail: [AtomicU64; NSIG],
}

impl SigQueue {
    /// An empty queue.
    pub(crate) const fn new() -> SigQueue {
        SigQueue {
            queued: AtomicU64::new(0),
            info: [const { [const { [const { AtomicU64::new(0) }; INFO_WORDS] }; RING] }; NSIG],
            head: [const { AtomicU64::new(0) }; NSIG],
            tail: [const { AtomicU64::new(0) }; NSIG],
        }
    }

    /// The signals with at least one instance queued.
    pub(crate) fn queued(&self) -> u64 {
        self.queued.load(Ordering::SeqCst)
    }

    /// Queues one instance of `sig` with its siginfo words (handler side). Standard signals
    /// merge; a full real-time ring drops the instance, as the kernel does past
    /// RLIMIT_SIGPENDING.
    pub(crate) fn enqueue(&self, sig: i32, words: Option<&[u64]>) {
        let i = (sig - 1) as usize;
        let head = self.head[i].load(Ordering::SeqCst);
        let tail = self.tail[i].load(Ordering::SeqCst);
        if head - tail < capacity(sig) {
            let slot = &self.info[i][(head % RING as u64) as usize];
            for (k, d) in slot.iter().enumerate() {
                d.store(words.map_or(0, |w| w[k]), Ordering::Relaxed);
            }
            self.head[i].store(head + 1, Ordering::SeqCst);
        }
        self.queued.fetch_or(bit(sig), Ordering::SeqCst);
    }

    /// Takes the oldest instance of `sig`, if any (dispatcher side).
    fn dequeue(&self, sig: i32) -> Option<[u8; INFO_WORDS * 8]> {
        let i = (sig - 1) as usize;
        let tail = self.tail[i].load(Ordering::SeqCst);
        if self.head[i].load(Ordering::SeqCst) == tail {
            return None;
        }
        let mut info = [0u8; INFO_WORDS * 8];
        for (k, w) in self.info[i][(tail % RING as u64) as usize]
            .iter()
            .enumerate()
        {
            info[8 * k..8 * k + 8].copy_from_slice(&w.load(Ordering::Relaxed).to_le_bytes());
        }
        self.tail[i].store(tail + 1, Ordering::SeqCst);
        // Clear the summary bit when empty, then look again: the handler sets the bit after
        // filling the ring, so an instance queued in between keeps (or regains) its bit.
        self.settle(sig);
        Some(info)
    }

    /// Clears `sig`'s summary bit if its ring is empty, keeping it if the handler queued an
    /// instance meanwhile.
    fn settle(&self, sig: i32) {
        let i = (sig - 1) as usize;
        if self.head[i].load(Ordering::SeqCst) == self.tail[i].load(Ordering::SeqCst) {
            self.queued.fetch_and(!bit(sig), Ordering::SeqCst);
            if self.head[i].load(Ordering::SeqCst) != self.tail[i].load(Ordering::SeqCst) {
                self.queued.fetch_or(bit(sig), Ordering::SeqCst);
            }
        }
    }

    /// Drops every queued instance of `sig`.
    pub(crate) fn discard(&self, sig: i32) {
        while self.dequeue(sig).is_some() {}
    }

    /// Takes the lowest-numbered signal not in `mask` with an instance queued.
    pub(crate) fn take(&self, mask: u64) -> Option<(i32, [u8; INFO_WORDS * 8])> {
        loop {
            let ready = self.queued() & !mask;
            if ready == 0 {
                return None;
            }
            let sig = ready.trailing_zeros() as i32 + 1;
            match self.dequeue(sig) {
                Some(info) => return Some((sig, info)),
                // A stale summary bit: the ring is empty.
                None => self.settle(sig),
            }
        }
    }
}
