//! The session's interrupt flag. The notebook kernel sends SIGINT to the
//! process running the cells; long runtime loops (training, generation, data
//! loading) call [`check`] and stop with [`Error::Interrupted`], so the
//! user's variables survive. The kernel clears the flag (SIGUSR2) before each cell.

use crate::{Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Returns `Err(Error::Interrupted)` once an interrupt was requested (and clears it).
pub fn check() -> Result<()> {
    if REQUESTED.swap(false, Ordering::SeqCst) {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// Whether an interrupt is pending, without clearing it.
pub fn is_requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Requests an interrupt, as SIGINT does.
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Forgets a pending interrupt.
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}

/// Routes SIGINT to [`request`] and SIGUSR2 to [`clear`] for this process.
#[cfg(unix)]
pub fn install_signal_handlers() {
    extern "C" fn on_interrupt(_: libc::c_int) {
        REQUESTED.store(true, Ordering::SeqCst);
    }
    extern "C" fn on_reset(_: libc::c_int) {
        REQUESTED.store(false, Ordering::SeqCst);
    }
    // SAFETY: the handlers only store to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_interrupt as *const () as libc::sighandler_t,
        );
        libc::signal(libc::SIGUSR2, on_reset as *const () as libc::sighandler_t);
    }
}

/// Signals are a Unix mechanism; elsewhere interrupts come through [`request`] only.
#[cfg(not(unix))]
pub fn install_signal_handlers() {}
