//! The interrupt flag is process-wide, so its test runs alone in this binary.

use born::interrupt::{check, clear, install_signal_handlers, is_requested, request};
use born::Error;

#[test]
fn requests_are_reported_once_and_signals_drive_the_flag() {
    clear();
    assert!(check().is_ok());
    request();
    assert!(is_requested());
    assert!(matches!(check(), Err(Error::Interrupted)));
    assert!(check().is_ok());

    install_signal_handlers();
    // SAFETY: raising signals in our own process, whose handlers were just installed.
    unsafe { libc::raise(libc::SIGINT) };
    assert!(is_requested());
    unsafe { libc::raise(libc::SIGUSR2) };
    assert!(!is_requested());
}
