"""The Born kernel driven through jupyter_client as a frontend would: live
output, interrupts, crashes, hostile messages, input and restarts."""

import os
import re
import tempfile
import time

import pytest
from jupyter_client.session import Session

from born_client import CELL_TIMEOUT, collect_until_idle, of_type, run, shell_reply, start, stdout_text


@pytest.fixture(scope="module")
def kernel():
    km, kc = start()
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def envelope(kind, display_id, html):
    body = (
        f'{{{{\\"type\\":\\"{kind}\\",\\"display_id\\":\\"{display_id}\\",'
        f'\\"data\\":{{{{\\"text/html\\":\\"{html}\\"}}}}}}}}'
    )
    return f'println!("\\u{{1e}}BORN {body}");'


def test_live_updates_arrive_while_the_cell_runs(kernel):
    _, kc = kernel
    code = "\n".join(
        [envelope("display", "live-1", "step 0")]
        + [
            f"std::thread::sleep(std::time::Duration::from_millis(400)); {envelope('update', 'live-1', f'step {i}')}"
            for i in range(1, 4)
        ]
        + ["std::thread::sleep(std::time::Duration::from_millis(1500));"]
    )
    msg_id = kc.execute(code)
    received = []
    while True:
        msg = kc.get_iopub_msg(timeout=CELL_TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        received.append((time.monotonic(), msg))
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    assert shell_reply(kc, msg_id, CELL_TIMEOUT)["content"]["status"] == "ok"
    updates = [(t, m) for t, m in received if m["msg_type"] == "update_display_data"]
    assert [m["content"]["data"]["text/html"] for _, m in updates] == ["step 1", "step 2", "step 3"]
    assert all(m["content"]["transient"]["display_id"] == "live-1" for _, m in updates)
    idle_at = received[-1][0]
    # The first update left while the cell still had over a second to run.
    assert idle_at - updates[0][0] > 1.0


def test_a_runtime_loop_stops_on_interrupt_and_keeps_variables(kernel):
    km, kc = kernel
    assert run(kc, "let kept = 41;")[0]["content"]["status"] == "ok"
    msg_id = kc.execute(
        "loop { born::interrupt::check()?; std::thread::sleep(std::time::Duration::from_millis(5)); }"
    )
    time.sleep(3)
    asked = time.monotonic()
    km.interrupt_kernel()
    messages = collect_until_idle(kc, msg_id, 30)
    stopped = time.monotonic() - asked
    reply = shell_reply(kc, msg_id, 30)
    assert stopped < 1.5, f"the loop took {stopped:.2f} s to stop"
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Interrupted"
    assert of_type(messages, "error")
    reply, messages = run(kc, "kept + 1")
    assert reply["content"]["status"] == "ok"
    assert of_type(messages, "execute_result")[0]["content"]["data"]["text/plain"] == "42"


def test_a_cell_ignoring_the_interrupt_is_killed_and_names_lost_variables(kernel):
    km, kc = kernel
    assert run(kc, "let doomed = 7;")[0]["content"]["status"] == "ok"
    msg_id = kc.execute("loop { std::thread::sleep(std::time::Duration::from_millis(50)); }")
    time.sleep(2)
    km.interrupt_kernel()
    collect_until_idle(kc, msg_id, 60)
    reply = shell_reply(kc, msg_id, 60)
    assert reply["content"]["status"] == "error"
    assert "doomed" in reply["content"]["evalue"]
    reply, messages = run(kc, "40 + 2")
    assert of_type(messages, "execute_result")[0]["content"]["data"]["text/plain"] == "42"


def test_a_panic_is_an_error_and_earlier_variables_survive(kernel):
    _, kc = kernel
    assert run(kc, "let survivor = 5;")[0]["content"]["status"] == "ok"
    reply, messages = run(kc, 'panic!("boom in a cell");')
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Panic"
    assert "boom in a cell" in reply["content"]["evalue"]
    reply, messages = run(kc, "survivor * 2")
    assert of_type(messages, "execute_result")[0]["content"]["data"]["text/plain"] == "10"


def test_an_abort_resets_the_session_and_says_so(kernel):
    _, kc = kernel
    reply, _ = run(kc, "std::process::abort();")
    assert reply["content"]["status"] == "error"
    assert "reset" in reply["content"]["evalue"]
    reply, messages = run(kc, "1 + 1")
    assert of_type(messages, "execute_result")[0]["content"]["data"]["text/plain"] == "2"


def test_a_compile_error_shows_the_line_and_a_caret(kernel):
    _, kc = kernel
    reply, messages = run(kc, 'let x: u32 = "text";')
    assert reply["content"]["status"] == "error"
    traceback = "\n".join(of_type(messages, "error")[0]["content"]["traceback"])
    traceback = re.sub(r"\x1b\[[0-9;]*m", "", traceback)  # frontends render the colours
    assert 'let x: u32 = "text";' in traceback
    assert "mismatched types" in traceback
    assert "^" in traceback or "─" in traceback


def marker_code(path):
    """A cell that appends one "x" to `path` each time it runs."""
    return (
        "{ use std::io::Write; std::fs::OpenOptions::new().create(true).append(true)"
        f'.open("{path}").unwrap().write_all(b"x").unwrap(); }}'
    )


def test_forged_and_replayed_messages_are_never_run(kernel):
    _, kc = kernel
    target = os.path.join(tempfile.mkdtemp(), "runs.txt")
    code = marker_code(target)
    socket = kc.shell_channel.socket

    forger = Session(key=b"not-the-key", username="mallory")
    forger.send(socket, forger.msg("execute_request", {"code": code, "silent": False}))
    time.sleep(2)
    assert not os.path.exists(target), "a message with a wrong signature was executed"

    honest = kc.session.msg("execute_request", {"code": code, "silent": False, "store_history": False,
                                                 "user_expressions": {}, "allow_stdin": False})
    frames = kc.session.serialize(honest)
    socket.send_multipart(frames)
    collect_until_idle(kc, honest["header"]["msg_id"], CELL_TIMEOUT)
    socket.send_multipart(frames)
    time.sleep(3)
    with open(target) as f:
        assert f.read() == "x", "a replayed message was executed again"
    # The kernel still serves honest requests.
    reply, messages = run(kc, "2 + 3")
    assert of_type(messages, "execute_result")[0]["content"]["data"]["text/plain"] == "5"


def test_input_request_round_trip(kernel):
    _, kc = kernel
    msg_id = kc.execute('let answer = born_display::input("your name? "); answer.len()', allow_stdin=True)
    request = kc.get_stdin_msg(timeout=CELL_TIMEOUT)
    assert request["msg_type"] == "input_request"
    assert "your name?" in request["content"]["prompt"]
    kc.input("Ada")
    messages = collect_until_idle(kc, msg_id, CELL_TIMEOUT)
    assert of_type(messages, "execute_result")[0]["content"]["data"]["text/plain"] == "3"


def test_restart_gives_a_working_fresh_kernel():
    km, kc = start()
    try:
        assert run(kc, "let before_restart = 1;")[0]["content"]["status"] == "ok"
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=60)
        reply, messages = run(kc, "1 + 2", timeout=300)
        assert of_type(messages, "execute_result")[0]["content"]["data"]["text/plain"] == "3"
        reply, _ = run(kc, "before_restart")
        assert reply["content"]["status"] == "error"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_stdout_arrives_before_idle_with_stderr(kernel):
    _, kc = kernel
    reply, messages = run(kc, 'for i in 0..3 { println!("out {i}"); eprintln!("err {i}"); }')
    assert stdout_text(messages) == "out 0\nout 1\nout 2\n"
    stderr = "".join(m["content"]["text"] for m in of_type(messages, "stream") if m["content"]["name"] == "stderr")
    assert stderr == "err 0\nerr 1\nerr 2\n"
