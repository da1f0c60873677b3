"""Helpers for driving the Born kernel with jupyter_client, as a frontend does."""

import queue
import time

from jupyter_client.manager import start_new_kernel

# Loading the runtime into a fresh kernel (evcxr's analysis of the dependency tree).
READY_TIMEOUT = 180
# One cell after the runtime is loaded; generous for a busy 2-core machine.
CELL_TIMEOUT = 120


def wait_until_ready(kc, timeout=READY_TIMEOUT):
    """Runs a trivial cell, which waits for the runtime to finish loading."""
    reply = kc.execute_interactive("1 + 2", timeout=timeout)
    assert reply["content"]["status"] == "ok", reply["content"]


def start(kernel_name="born", **kwargs):
    """Starts a kernel and returns (manager, client) once the runtime is loaded;
    `kwargs` go to the kernel manager's start (env, cwd)."""
    km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=60, **kwargs)
    wait_until_ready(kc)
    return km, kc


def run(kc, code, timeout=CELL_TIMEOUT, **kwargs):
    """Executes `code`; returns (reply, iopub messages of that request in order)."""
    msg_id = kc.execute(code, **kwargs)
    messages = collect_until_idle(kc, msg_id, timeout)
    reply = shell_reply(kc, msg_id, timeout)
    return reply, messages


def collect_until_idle(kc, msg_id, timeout):
    messages = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no idle for {msg_id} within {timeout} s; got {messages}")
        try:
            msg = kc.get_iopub_msg(timeout=left)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages


def shell_reply(kc, msg_id, timeout):
    deadline = time.monotonic() + timeout
    while True:
        reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def of_type(messages, msg_type):
    return [m for m in messages if m["msg_type"] == msg_type]


def stdout_text(messages):
    return "".join(
        m["content"]["text"] for m in of_type(messages, "stream") if m["content"]["name"] == "stdout"
    )
