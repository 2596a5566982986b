//! The id of this process, for the code that must notice it runs in a child made by `fork` (the
//! connection pool, the runtimes of the bindings): read once, and again in each child, so that
//! checking costs no system call (a call checks several times).

use std::sync::atomic::{AtomicU32, Ordering};

/// This process's id; 0 until it is first read, and where a child would not update it.
static PROCESS_ID: AtomicU32 = AtomicU32::new(0);

/// The id of this process (as `std::process::id`), also in a child made by `fork`.
pub fn process_id() -> u32 {
    match PROCESS_ID.load(Ordering::Relaxed) {
        0 => first_read(),
        id => id,
    }
}

#[cfg(unix)]
fn first_read() -> u32 {
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: `in_child` only makes a system call and stores to an atomic, which is allowed
        // in a child between `fork` and anything else it runs.
        if unsafe { libc::pthread_atfork(None, None, Some(in_child)) } == 0 {
            PROCESS_ID.store(std::process::id(), Ordering::Relaxed);
        }
    });
    // Not registered: read each time.
    std::process::id()
}

#[cfg(not(unix))]
fn first_read() -> u32 {
    // No `fork` here: the id never changes.
    let id = std::process::id();
    PROCESS_ID.store(id, Ordering::Relaxed);
    id
}

#[cfg(unix)]
extern "C" fn in_child() {
    PROCESS_ID.store(std::process::id(), Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_this_process_id() {
        assert_eq!(process_id(), std::process::id());
        assert_eq!(process_id(), std::process::id());
    }
}
