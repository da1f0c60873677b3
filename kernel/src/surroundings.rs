//! The working directory and environment of the process Jupyter started, which
//! a spare kernel takes over when it adopts that process's connection.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;

/// Variables the kernel sets for evcxr itself; they are never copied or removed.
const KERNEL_OWN_PREFIX: &str = "EVCXR_";

/// A process's working directory and (UTF-8) environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Surroundings {
    /// The working directory (a notebook's directory, for a kernel Jupyter starts).
    pub cwd: PathBuf,
    /// The environment variables, in the process's order.
    pub env: Vec<(String, String)>,
}

impl Surroundings {
    /// This process's working directory and environment.
    pub fn of_this_process() -> std::io::Result<Surroundings> {
        Ok(Surroundings {
            cwd: std::env::current_dir()?,
            env: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        })
    }

    /// What must change for this process to have these surroundings.
    pub fn changes_from_current(&self) -> Changes {
        self.changes_from(
            &std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        )
    }

    fn changes_from(&self, current: &HashMap<String, String>) -> Changes {
        let wanted: HashMap<&str, &str> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let set = self
            .env
            .iter()
            .filter(|(k, v)| !k.starts_with(KERNEL_OWN_PREFIX) && current.get(k) != Some(v))
            .cloned()
            .collect();
        let mut removed: Vec<String> = current
            .keys()
            .filter(|k| !k.starts_with(KERNEL_OWN_PREFIX) && !wanted.contains_key(k.as_str()))
            .cloned()
            .collect();
        removed.sort();
        Changes {
            cwd: self.cwd.clone(),
            set,
            removed,
        }
    }
}

/// The directory to move to and the variables to set and remove.
#[derive(Debug)]
pub struct Changes {
    cwd: PathBuf,
    set: Vec<(String, String)>,
    removed: Vec<String>,
}

impl Changes {
    /// Applies the changes to this process, so cell processes started later inherit them.
    pub fn apply_here(&self) {
        if let Err(error) = std::env::set_current_dir(&self.cwd) {
            tracing::warn!("cannot enter {}: {error}", self.cwd.display());
        }
        for (key, value) in &self.set {
            std::env::set_var(key, value);
        }
        for key in &self.removed {
            std::env::remove_var(key);
        }
    }

    /// A cell that applies the changes inside the running cell process.
    pub fn cell(&self) -> String {
        let mut code = String::from("{\n");
        if let Some(cwd) = self.cwd.to_str() {
            code.push_str(&format!("let _ = std::env::set_current_dir({cwd:?});\n"));
        }
        code.push_str("unsafe {\n");
        for (key, value) in &self.set {
            code.push_str(&format!("std::env::set_var({key:?}, {value:?});\n"));
        }
        for key in &self.removed {
            code.push_str(&format!("std::env::remove_var({key:?});\n"));
        }
        code.push_str("}\n}\n");
        code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn changes_set_what_differs_and_remove_what_is_missing() {
        let wanted = Surroundings {
            cwd: "/notebooks".into(),
            env: vec![
                ("SAME".into(), "1".into()),
                ("CHANGED".into(), "new".into()),
                ("ADDED".into(), "x".into()),
                ("EVCXR_TMPDIR".into(), "/other".into()),
            ],
        };
        let changes = wanted.changes_from(&current(&[
            ("SAME", "1"),
            ("CHANGED", "old"),
            ("GONE", "y"),
            ("EVCXR_TMPDIR", "/mine"),
        ]));
        assert_eq!(
            changes.set,
            vec![
                ("CHANGED".to_string(), "new".to_string()),
                ("ADDED".to_string(), "x".to_string())
            ]
        );
        assert_eq!(changes.removed, vec!["GONE".to_string()]);
    }

    #[test]
    fn the_cell_quotes_every_value_as_a_rust_literal() {
        let changes = Changes {
            cwd: "/a \"quoted\" dir".into(),
            set: vec![("K".into(), "line\nbreak \\ \"q\"".into())],
            removed: vec!["R".into()],
        };
        let cell = changes.cell();
        assert!(
            cell.contains(r#"set_current_dir("/a \"quoted\" dir")"#),
            "{cell}"
        );
        assert!(
            cell.contains(r#"set_var("K", "line\nbreak \\ \"q\"")"#),
            "{cell}"
        );
        assert!(cell.contains(r#"remove_var("R")"#), "{cell}");
    }

    #[test]
    fn surroundings_survive_json() {
        let here = Surroundings::of_this_process().expect("this process");
        let text = serde_json::to_string(&here).expect("serialise");
        assert_eq!(
            serde_json::from_str::<Surroundings>(&text).expect("parse"),
            here
        );
    }
}
