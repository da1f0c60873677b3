"""The Born kernel against jupyter_kernel_test's protocol conformance suite."""

import unittest

import jupyter_kernel_test as jkt

from born_client import READY_TIMEOUT, wait_until_ready

# A live display envelope as born-display writes it (see kernel/src/envelope.rs).
DISPLAY_HTML = (
    'println!("\\u{1e}BORN {{\\"type\\":\\"display\\",\\"display_id\\":\\"kt-1\\",'
    '\\"data\\":{{\\"text/html\\":\\"<b>born</b>\\",\\"text/plain\\":\\"born\\"}}}}");'
)
CLEAR = 'println!("\\u{1e}BORN {{\\"type\\":\\"clear\\",\\"wait\\":false}}");'


class BornKernelTests(jkt.KernelTests):
    kernel_name = "born"
    language_name = "rust"
    file_extension = ".rs"

    code_hello_world = 'println!("hello, world");'
    code_stderr = 'eprintln!("to stderr");'
    completion_samples = [
        {"text": "let born_value = 1; born_va", "matches": {"born_value"}},
    ]
    complete_code_samples = ["1 + 2", "fn f() {}", "let s = \"{\";"]
    incomplete_code_samples = ["fn f() {", "let s = \"abc", "foo(1,"]
    invalid_code_samples = ["fn f() { )", "}"]
    code_generate_error = 'let x: u32 = "not a number";'
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "\"born\".len() * 2", "result": "8"},
    ]
    code_display_data = [{"code": DISPLAY_HTML, "mime": "text/html"}]
    code_history_pattern = "1 + 2"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "std::vec::Vec::new"
    code_clear_output = CLEAR

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        wait_until_ready(cls.kc, READY_TIMEOUT)


class BornIopubWelcomeTests(jkt.IopubWelcomeTests):
    kernel_name = "born"
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
