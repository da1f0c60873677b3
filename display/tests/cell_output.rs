//! What a cell's process really writes to stdout (envelopes and evcxr content, with both
//! preludes in scope as in the kernel): the test binary re-runs itself as the
//! "cell" with the output mode forced, and reads the lines back as the kernel would.

use std::process::Command;

use born::prelude::*;
use born_display::envelope::{ENVELOPE_PREFIX, OUTPUT_MODE_VAR};
use born_display::prelude::*;

/// Set in the child run so that `cell` emits instead of doing nothing.
const CHILD_VAR: &str = "BORN_DISPLAY_TEST_CHILD";

/// Runs the `cell` test in a child process with `mode`, returning its stdout.
fn run_cell(mode: &str) -> String {
    let exe = std::env::current_exe().expect("test binary path");
    let output = Command::new(exe)
        .args(["--exact", "cell", "--nocapture", "--test-threads=1"])
        .env(OUTPUT_MODE_VAR, mode)
        .env(CHILD_VAR, "1")
        .output()
        .expect("child test runs");
    assert!(output.status.success(), "child failed: {output:?}");
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

#[test]
fn cell() {
    if std::env::var_os(CHILD_VAR).is_none() {
        return; // Only meaningful as the child of the tests below.
    }
    // The kernel's session hooks install the tensor renderer before any user cell.
    born_display::evcxr::install_cell_renderers();
    let handle = display(&Html::new("<b>multi\nline</b>"));
    handle.update(&Markdown::new("*done*"));
    clear_output(true);
    let mut stream = TextStream::new();
    stream.push("tok");
    stream.push("en"); // held back by the rate limit until finish()
    stream.finish();
    // What evcxr compiles for a cell ending with a value: `(value).evcxr_display();`.
    let tensor = Tensor::from_vec(vec![1.5f32, -2.0], 2).expect("valid tensor");
    (tensor).evcxr_display();
    (Markdown::new("# end")).evcxr_display();
    // Values without a rich form show their Debug text, integers left to inference too.
    (1 + 2).evcxr_display();
    (vec![Some("a"), None]).evcxr_display();
}

#[test]
fn envelope_mode_writes_one_json_line_per_event() {
    let stdout = run_cell("envelope");
    let events: Vec<serde_json::Value> = stdout
        .lines()
        // The test harness's own "test cell ... " has no newline before the first
        // envelope: a partial line printed by the cell looks the same to the kernel.
        .filter_map(|line| {
            line.find(ENVELOPE_PREFIX)
                .map(|at| &line[at + ENVELOPE_PREFIX.len()..])
        })
        .map(|json| serde_json::from_str(json).expect("envelope is one JSON line"))
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(stdout.contains(
        "EVCXR_BEGIN_CONTENT text/plain\ntensor([ 1.5000, -2.0000])\nEVCXR_END_CONTENT\n"
    ));
    assert!(stdout.contains("EVCXR_BEGIN_CONTENT text/html\n<div class=\"born-tensor\">"));
    assert!(stdout.contains("EVCXR_BEGIN_CONTENT text/markdown\n# end\nEVCXR_END_CONTENT\n"));
    assert!(stdout.contains("EVCXR_BEGIN_CONTENT text/plain\n3\nEVCXR_END_CONTENT\n"));
    assert!(
        stdout.contains("EVCXR_BEGIN_CONTENT text/plain\n[Some(\"a\"), None]\nEVCXR_END_CONTENT\n")
    );
    assert_eq!(kinds, ["display", "update", "clear", "display", "update"]);
    assert_eq!(events[0]["data"]["text/html"], "<b>multi\nline</b>");
    assert_eq!(events[0]["display_id"], events[1]["display_id"]);
    assert_eq!(events[1]["data"]["text/markdown"], "*done*");
    assert_eq!(events[2]["wait"], true);
    assert_ne!(events[3]["display_id"], events[0]["display_id"]);
    assert_eq!(events[3]["data"]["text/plain"], "tok");
    assert_eq!(events[4]["data"]["text/plain"], "token");
}

#[test]
fn text_mode_prints_plain_renderings() {
    let stdout = run_cell("text");
    assert!(!stdout.contains(ENVELOPE_PREFIX));
    assert!(
        stdout.contains("<b>multi\nline</b>\n*done*\ntok\ntoken\n"),
        "{stdout}"
    );
}
