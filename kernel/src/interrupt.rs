//! Interrupting the running cell: SIGINT to the child first, so runtime loops
//! stop with an `Interrupted` error and keep the session's variables; SIGKILL
//! only if the cell ignores it for [`KILL_AFTER`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a cell may ignore an interrupt before its process is killed.
pub const KILL_AFTER: Duration = Duration::from_secs(5);

/// Signal the kernel sends before each cell so the runtime forgets an old interrupt.
pub const RESET_SIGNAL: libc::c_int = libc::SIGUSR2;

/// How an interrupted cell ended, as far as interrupts go.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct InterruptRecord {
    /// An interrupt was requested while the cell ran.
    pub interrupted: bool,
    /// The cell ignored it and its process was killed.
    pub killed: bool,
}

struct RunningCell {
    id: u64,
    pid: u32,
    record: InterruptRecord,
}

/// Tracks the cell that is running in the child, for interrupts from any thread.
#[derive(Default)]
pub struct CellWatch {
    running: Mutex<Option<RunningCell>>,
    next_id: AtomicU64,
}

impl CellWatch {
    /// Marks a cell as running in the child process `pid`.
    pub fn start(&self, pid: u32) {
        send_signal(pid, RESET_SIGNAL);
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        *self.lock() = Some(RunningCell {
            id,
            pid,
            record: InterruptRecord::default(),
        });
    }

    /// Marks the cell as finished and tells whether it was interrupted.
    pub fn finish(&self) -> InterruptRecord {
        self.lock()
            .take()
            .map(|cell| cell.record)
            .unwrap_or_default()
    }

    /// Interrupts the running cell, if any; returns whether one was running.
    pub fn interrupt(self: &Arc<Self>) -> bool {
        let (id, pid) = {
            let mut running = self.lock();
            let Some(cell) = running.as_mut() else {
                return false;
            };
            cell.record.interrupted = true;
            (cell.id, cell.pid)
        };
        send_signal(pid, libc::SIGINT);
        let watch = Arc::clone(self);
        std::thread::spawn(move || {
            std::thread::sleep(KILL_AFTER);
            let mut running = watch.lock();
            if let Some(cell) = running.as_mut().filter(|cell| cell.id == id) {
                tracing::warn!(
                    "cell ignored the interrupt for {KILL_AFTER:?}: killing its process"
                );
                cell.record.killed = true;
                send_signal(cell.pid, libc::SIGKILL);
            }
        });
        true
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<RunningCell>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Sends `signal` to `pid`; a process that is already gone is not an error here.
pub fn send_signal(pid: u32, signal: libc::c_int) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    // SAFETY: kill(2) has no memory effects; pid is the child we started.
    unsafe {
        libc::kill(pid, signal);
    }
}
