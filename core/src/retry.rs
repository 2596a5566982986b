//! Waiting between attempts: exponential backoff with jitter, so that many streams or writers
//! that lost the same server do not all come back at the same instant.

use std::time::Duration;

/// The first pause after a failure, by default.
const FIRST: Duration = Duration::from_millis(100);
/// The longest pause between two attempts, by default.
const LONGEST: Duration = Duration::from_secs(5);

/// Pauses that double from `first` up to `longest` (by default 100 ms up to 5 s), each
/// jittered by ±25%.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    first: Duration,
    longest: Duration,
    failures: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(FIRST, LONGEST)
    }
}

impl Backoff {
    pub(crate) fn new(first: Duration, longest: Duration) -> Backoff {
        Backoff {
            first,
            longest,
            failures: 0,
        }
    }

    /// The pause before the next attempt; each call counts one more failure.
    pub(crate) fn next(&mut self) -> Duration {
        let pause = self
            .first
            .saturating_mul(1 << self.failures.min(16))
            .min(self.longest);
        self.failures = self.failures.saturating_add(1);
        jittered(pause)
    }

    /// Back to the first pause, after a success.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

/// `wait`, moved at random by up to a quarter either way.
pub(crate) fn jittered(wait: Duration) -> Duration {
    wait.mul_f64(0.75 + rand::random::<f64>() * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_are_capped() {
        let mut backoff = Backoff::default();
        let pauses: Vec<Duration> = (0..12).map(|_| backoff.next()).collect();
        assert!(pauses[0] >= Duration::from_millis(75) && pauses[0] <= Duration::from_millis(125));
        assert!(
            pauses[3] >= Duration::from_millis(600) && pauses[3] <= Duration::from_millis(1000)
        );
        for pause in &pauses[8..] {
            assert!(*pause >= LONGEST.mul_f64(0.75) && *pause <= LONGEST.mul_f64(1.25));
        }
    }

    #[test]
    fn a_reset_starts_again_from_the_first_pause() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(8));
        for _ in 0..5 {
            backoff.next();
        }
        backoff.reset();
        assert!(backoff.next() <= Duration::from_millis(1250));
    }

    #[test]
    fn jitter_stays_within_a_quarter() {
        for _ in 0..1000 {
            let wait = jittered(Duration::from_secs(2));
            assert!(wait >= Duration::from_millis(1500) && wait <= Duration::from_millis(2500));
        }
    }
}
