//! The code the kernel runs in a fresh session before any user cell: it loads
//! the runtime crates with their prelude and installs the session's hooks.

use std::path::{Path, PathBuf};

/// Where the `born` and `born-display` crates live.
#[derive(Debug, Clone)]
pub struct RuntimeCrates {
    /// The `runtime/` directory (crate `born`).
    pub runtime: PathBuf,
    /// The `display/` directory (crate `born-display`).
    pub display: PathBuf,
}

impl RuntimeCrates {
    /// The crates of the workspace this kernel was built from, or of `$BORN_HOME`.
    pub fn locate() -> RuntimeCrates {
        let root = std::env::var_os("BORN_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
        let root = root.canonicalize().unwrap_or(root);
        RuntimeCrates {
            runtime: root.join("runtime"),
            display: root.join("display"),
        }
    }

    /// The cell that adds both crates and their prelude to the session.
    pub fn load_cell(&self) -> String {
        format!(
            ":dep born = {{ path = {runtime:?}, default-features = false }}\n\
             :dep born-display = {{ path = {display:?} }}\n\
             use born::prelude::*;\n\
             use born_display::prelude::*;\n",
            runtime = self.runtime.display().to_string(),
            display = self.display.display().to_string(),
        )
    }
}

/// The cell that installs the interrupt handlers and the panic reporter; it
/// runs after loading and again whenever the child process is replaced.
pub const SESSION_HOOKS_CELL: &str = r#"
born::interrupt::install_signal_handlers();
born_display::evcxr::install_cell_renderers();
{
    let print_default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        print_default(info);
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let mut escaped = String::new();
        for c in format!("{payload}{location}").chars() {
            match c {
                '"' => escaped.push_str("\\\""),
                '\\' => escaped.push_str("\\\\"),
                c if (c as u32) < 0x20 => escaped.push_str(&format!("\\u{:04x}", c as u32)),
                c => escaped.push(c),
            }
        }
        println!("\u{1e}BORN {{\"type\":\"panic\",\"message\":\"{escaped}\"}}");
    }));
}
let born_session_ready = true;
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_cell_names_both_crates_by_path() {
        let crates = RuntimeCrates {
            runtime: "/x/runtime".into(),
            display: "/x/display".into(),
        };
        let cell = crates.load_cell();
        assert!(cell.contains(":dep born = { path = \"/x/runtime\", default-features = false }"));
        assert!(cell.contains(":dep born-display = { path = \"/x/display\" }"));
        assert!(cell.contains("use born_display::prelude::*;"));
    }

    #[test]
    fn the_workspace_crates_are_found() {
        let crates = RuntimeCrates::locate();
        assert!(crates.runtime.join("Cargo.toml").is_file());
        assert!(crates.display.join("Cargo.toml").is_file());
    }
}
