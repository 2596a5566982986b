//! The id of this process, without a system call each time it is asked for.
//!
//! What a child made by `fork` must not share with its parent (the pool's connections, a
//! thread's runtime and poller, the pacer's task) is kept with the id of the process that made
//! it, which every call compares with this one. `getpid` is a system call (glibc does not cache
//! it), which a call made several times: the id is read once, and read again in a child made by
//! `fork` (a `pthread_atfork` handler forgets it there). That is the `fork` of the C library,
//! which Python's `os.fork` and `multiprocessing` call; a child made by the bare system call
//! (`clone` without the C library) runs no handler, and would take its parent's id for its own.

use std::sync::atomic::{AtomicU32, Ordering};

/// The id read, or 0: not read yet, or forgotten in a child made by `fork`.
static PID: AtomicU32 = AtomicU32::new(0);

/// The id of this process (`std::process::id`), read again after a `fork`.
pub fn pid() -> u32 {
    match PID.load(Ordering::Relaxed) {
        0 => read(),
        pid => pid,
    }
}

fn read() -> u32 {
    let pid = std::process::id();
    // Kept only once a child is sure to forget it; until then, read every time.
    if forgotten_in_children() {
        PID.store(pid, Ordering::Relaxed);
    }
    pid
}

/// Whether a child made by `fork` forgets the id: the handler is registered by the first call
/// here. Never waits (a child may have been made while another thread registered it: it then
/// reads its id every time).
#[cfg(unix)]
fn forgotten_in_children() -> bool {
    use std::sync::atomic::AtomicU8;

    const NOT_YET: u8 = 0;
    const UNDER_WAY: u8 = 1;
    const REGISTERED: u8 = 2;
    const FAILED: u8 = 3;
    static HANDLER: AtomicU8 = AtomicU8::new(NOT_YET);
    match HANDLER.compare_exchange(NOT_YET, UNDER_WAY, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => {
            // SAFETY: `forget` only stores an atomic, which is async-signal-safe, as a handler
            // run in the child of a multi-threaded process must be.
            let registered = unsafe { libc::pthread_atfork(None, None, Some(forget)) } == 0;
            HANDLER.store(
                if registered { REGISTERED } else { FAILED },
                Ordering::Release,
            );
            registered
        }
        Err(state) => state == REGISTERED,
    }
}

/// No `fork` here: the id never changes.
#[cfg(not(unix))]
fn forgotten_in_children() -> bool {
    true
}

#[cfg(unix)]
extern "C" fn forget() {
    PID.store(0, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::pid;

    #[test]
    fn is_the_process_id() {
        assert_eq!(pid(), std::process::id());
        assert_eq!(pid(), std::process::id(), "kept");
    }

    #[cfg(unix)]
    #[test]
    fn a_forked_child_reads_its_own() {
        let parent = pid();
        // SAFETY: the child only compares two ids (atomics and `getpid`) and exits at once.
        let child = unsafe { libc::fork() };
        assert!(child >= 0, "fork failed");
        if child == 0 {
            let own = pid() == std::process::id() && pid() != parent;
            unsafe { libc::_exit(if own { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: waits for the child made above.
        assert_eq!(unsafe { libc::waitpid(child, &mut status, 0) }, child);
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "status {status}"
        );
        assert_eq!(pid(), parent);
    }
}
