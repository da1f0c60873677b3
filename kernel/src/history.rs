//! Execution history: every stored cell of every session, appended to a JSON
//! Lines file in the Jupyter data directory so it survives restarts.

use jupyter_protocol::{HistoryEntry, HistoryRequest};
use serde::{Deserialize, Serialize};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

/// One executed cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Record {
    session: usize,
    line: usize,
    input: String,
    /// The cell's `text/plain` result, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    output: Option<String>,
}

/// The history file and this kernel's place in it.
pub struct History {
    path: Option<PathBuf>,
    records: Vec<Record>,
    session: usize,
}

impl History {
    /// Opens (or starts) the history at `path`; this kernel becomes a new session.
    pub fn open(path: Option<PathBuf>) -> History {
        let records: Vec<Record> = path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| {
                // A damaged line (a crash mid-write) costs that line only.
                text.lines()
                    .filter_map(|line| serde_json::from_str(line).ok())
                    .collect()
            })
            .unwrap_or_default();
        let session = records.iter().map(|r| r.session).max().unwrap_or(0) + 1;
        History {
            path,
            records,
            session,
        }
    }

    /// The default location: `<jupyter data dir>/born/history.jsonl`.
    pub fn default_path() -> Option<PathBuf> {
        crate::paths::jupyter_data_dir().map(|dir| dir.join("born").join("history.jsonl"))
    }

    /// Records an executed cell with its execution count and plain-text result.
    pub fn append(&mut self, line: usize, input: &str, output: Option<String>) {
        let record = Record {
            session: self.session,
            line,
            input: input.to_owned(),
            output,
        };
        if let Err(error) = self.persist(&record) {
            tracing::warn!("history not saved: {error}");
        }
        self.records.push(record);
    }

    fn persist(&self, record: &Record) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        let mut line = serde_json::to_string(record)?;
        line.push('\n');
        file.write_all(line.as_bytes())
    }

    /// Answers a `history_request`.
    pub fn query(&self, request: &HistoryRequest) -> Vec<HistoryEntry> {
        let with_output = match request {
            HistoryRequest::Range { output, .. }
            | HistoryRequest::Tail { output, .. }
            | HistoryRequest::Search { output, .. } => *output,
        };
        let selected: Vec<&Record> = match request {
            HistoryRequest::Tail { n, .. } => last(self.records.iter().collect(), *n),
            HistoryRequest::Range {
                session,
                start,
                stop,
                ..
            } => {
                let session = self.resolve_session(session.unwrap_or(0));
                self.records
                    .iter()
                    .filter(|r| r.session == session)
                    .filter(|r| r.line as i64 >= i64::from(*start))
                    .filter(|r| *stop <= 0 || (r.line as i64) < i64::from(*stop))
                    .collect()
            }
            HistoryRequest::Search {
                pattern, unique, n, ..
            } => {
                let mut found: Vec<&Record> = self
                    .records
                    .iter()
                    .filter(|r| glob_match(pattern, &r.input))
                    .collect();
                if *unique {
                    let mut seen = std::collections::HashSet::new();
                    found.reverse();
                    found.retain(|r| seen.insert(r.input.as_str()));
                    found.reverse();
                }
                last(found, *n)
            }
        };
        selected
            .into_iter()
            .map(|r| match with_output {
                true => HistoryEntry::InputOutput(
                    r.session,
                    r.line,
                    (r.input.clone(), r.output.clone().unwrap_or_default()),
                ),
                false => HistoryEntry::Input(r.session, r.line, r.input.clone()),
            })
            .collect()
    }

    /// Session numbers as ipykernel reads them: 0 or less is relative to this one.
    fn resolve_session(&self, session: i32) -> usize {
        if session > 0 {
            session as usize
        } else {
            self.session.saturating_sub(session.unsigned_abs() as usize)
        }
    }
}

fn last(records: Vec<&Record>, n: i32) -> Vec<&Record> {
    let n = usize::try_from(n).unwrap_or(0);
    if n == 0 {
        return records;
    }
    let skip = records.len().saturating_sub(n);
    records.into_iter().skip(skip).collect()
}

/// Shell-style glob: `*` any run, `?` one character; the whole input must match.
fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((star, matched)) = backtrack {
            p = star + 1;
            t = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(entries: Vec<HistoryEntry>) -> Vec<String> {
        entries
            .into_iter()
            .map(|e| match e {
                HistoryEntry::Input(_, _, input) => input,
                HistoryEntry::InputOutput(_, _, (input, _)) => input,
            })
            .collect()
    }

    #[test]
    fn history_survives_a_restart_as_an_earlier_session() {
        let dir = std::env::temp_dir().join(format!("born-history-{}", uuid::Uuid::new_v4()));
        let path = dir.join("history.jsonl");
        let mut first = History::open(Some(path.clone()));
        first.append(1, "let a = 1;", None);
        first.append(2, "a + 1", Some("2".into()));
        let mut second = History::open(Some(path.clone()));
        assert_eq!(second.session, first.session + 1);
        second.append(1, "let b = 2;", None);
        let tail = second.query(&HistoryRequest::Tail {
            n: 2,
            output: false,
            raw: true,
        });
        assert_eq!(inputs(tail), ["a + 1", "let b = 2;"]);
        let earlier = second.query(&HistoryRequest::Range {
            session: Some(-1),
            start: 1,
            stop: 0,
            output: false,
            raw: true,
        });
        assert_eq!(inputs(earlier), ["let a = 1;", "a + 1"]);
        let with_output = second.query(&HistoryRequest::Tail {
            n: 2,
            output: true,
            raw: true,
        });
        assert!(matches!(&with_output[0], HistoryEntry::InputOutput(_, 2, (_, out)) if out == "2"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn search_uses_globs_and_unique() {
        let mut history = History::open(None);
        for (i, input) in ["let x = 1;", "x + 1", "let x = 1;", "let y = 2;"]
            .iter()
            .enumerate()
        {
            history.append(i + 1, input, None);
        }
        let found = history.query(&HistoryRequest::Search {
            pattern: "let*".into(),
            unique: true,
            output: false,
            raw: true,
            n: 0,
        });
        assert_eq!(inputs(found), ["let x = 1;", "let y = 2;"]);
        assert!(glob_match("a?c*", "abcdef"));
        assert!(!glob_match("a?c", "abcd"));
    }
}
