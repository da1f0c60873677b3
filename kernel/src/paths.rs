//! Where Jupyter keeps per-user data: `$JUPYTER_DATA_DIR` when set, as Jupyter
//! itself reads it, else the platform's default.

use std::path::PathBuf;

/// The user's Jupyter data directory.
pub fn jupyter_data_dir() -> Option<PathBuf> {
    match std::env::var_os("JUPYTER_DATA_DIR") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => jupyter_zmq_client::user_data_dir().ok(),
    }
}
