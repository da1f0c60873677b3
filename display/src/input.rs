//! Reading a line from the notebook user: in a kernel the frontend shows an
//! input box (Jupyter's `input_request`); elsewhere the line comes from stdin.

/// Asks the user for a line of text, showing `prompt`.
pub fn input(prompt: &str) -> String {
    evcxr_input::get_string(prompt)
}

/// Asks the user for a secret (the frontend hides what is typed).
pub fn input_password(prompt: &str) -> String {
    evcxr_input::get_password(prompt)
}
