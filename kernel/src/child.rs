//! What the binary does when evcxr starts it as the process that runs the cells.

/// The line the child writes to its stderr when asked to, so the kernel knows
/// that every earlier stderr line of a cell has arrived.
pub const STDERR_SYNC_MARKER: &str = "\u{1e}BORN-STDERR-SYNC";

/// Signal the kernel sends to ask for [`STDERR_SYNC_MARKER`].
pub const STDERR_SYNC_SIGNAL: libc::c_int = libc::SIGUSR1;

/// Installs the child's signal handlers when this process is evcxr's child.
///
/// SIGINT and the interrupt-reset signal are ignored until the Born runtime
/// installs its own handlers, so neither can kill the session before then.
pub fn prepare_if_child() {
    if std::env::var_os("EVCXR_IS_RUNTIME").is_none() {
        return;
    }
    // SAFETY: the handler only calls write(2), which is async-signal-safe.
    unsafe {
        libc::signal(
            STDERR_SYNC_SIGNAL,
            write_stderr_marker as *const () as libc::sighandler_t,
        );
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(crate::interrupt::RESET_SIGNAL, libc::SIG_IGN);
    }
}

extern "C" fn write_stderr_marker(_: libc::c_int) {
    let line = format_marker_line();
    // SAFETY: write(2) on fd 2 with a valid static buffer is async-signal-safe.
    unsafe {
        libc::write(2, line.as_ptr().cast(), line.len());
    }
}

const fn format_marker_line() -> &'static [u8] {
    "\u{1e}BORN-STDERR-SYNC\n".as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_line_is_the_marker_and_a_newline() {
        assert_eq!(
            format_marker_line(),
            format!("{STDERR_SYNC_MARKER}\n").as_bytes()
        );
    }
}
