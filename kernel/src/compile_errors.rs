//! Turns evcxr's compiler diagnostics into a Jupyter traceback: the message,
//! the cell line and a caret under the problem.

use evcxr::{CompilationError, Theme};

/// The name the cell's source carries in diagnostics.
const CELL_NAME: &str = "cell";

/// A readable error for a failed compilation: (evalue, traceback lines).
pub fn describe(errors: &[CompilationError], code: &str) -> (String, Vec<String>) {
    let evalue = errors
        .first()
        .map(|error| error.message())
        .unwrap_or_else(|| "the cell did not compile".to_owned());
    let mut traceback = Vec::new();
    for error in errors {
        traceback.extend(render(error, code).lines().map(str::to_owned));
    }
    (evalue, traceback)
}

fn render(error: &CompilationError, code: &str) -> String {
    let report = error.build_report(CELL_NAME.to_owned(), code.to_owned(), Theme::Light);
    if let Some(report) = report {
        let mut out = Vec::new();
        let source = (CELL_NAME.to_owned(), ariadne::Source::from(code.to_owned()));
        if report.write(source, &mut out).is_ok() {
            return String::from_utf8_lossy(&out).into_owned();
        }
    }
    // Non-ASCII cells and errors outside the cell: the compiler's own rendering.
    let rendered = error.rendered();
    if rendered.trim().is_empty() {
        error.message()
    } else {
        rendered
    }
}
