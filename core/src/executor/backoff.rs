//! Exponential backoff with jitter, for the executor's loop when the server fails.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Waits that double from `first` up to `max`, each one a random point in its upper half, so
/// that executors restarted together do not retry in step.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    first: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    pub(crate) fn new(first: Duration, max: Duration) -> Backoff {
        Backoff {
            first,
            max,
            failures: 0,
        }
    }

    /// The wait before the next attempt; each call counts one more failure.
    pub(crate) fn next_wait(&mut self) -> Duration {
        let doubled = self
            .first
            .saturating_mul(1u32 << self.failures.min(16))
            .min(self.max);
        self.failures = self.failures.saturating_add(1);
        let half = doubled / 2;
        half + half.mul_f64(random_fraction())
    }

    /// Back to the first wait, after a success.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

/// A number in `[0, 1)`, random enough for jitter (each `RandomState` has fresh keys).
fn random_fraction() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_within_bounds_and_reset() {
        let first = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        let mut backoff = Backoff::new(first, max);
        let mut ceiling = first;
        for _ in 0..10 {
            let wait = backoff.next_wait();
            assert!(
                wait >= ceiling / 2 && wait <= ceiling,
                "{wait:?} for {ceiling:?}"
            );
            ceiling = (ceiling * 2).min(max);
        }
        backoff.reset();
        assert!(backoff.next_wait() <= first);
    }

    #[test]
    fn waits_are_jittered() {
        let mut waits: Vec<Duration> = (0..20)
            .map(|_| Backoff::new(Duration::from_secs(1), Duration::from_secs(1)).next_wait())
            .collect();
        waits.dedup();
        assert!(waits.len() > 1, "twenty identical waits: {waits:?}");
    }
}
