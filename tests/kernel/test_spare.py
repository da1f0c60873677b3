"""Spare kernels: a kernel start hands its connection to a spare that loaded
the runtime ahead of time, in the starting process's directory and
environment, and the spare goes when that process is killed."""

import os
import signal
import subprocess
import time

from born_client import of_type, run, start

SPARE_WAIT = 180


def text_result(kc, code):
    reply, messages = run(kc, code)
    assert reply["content"]["status"] == "ok", reply["content"]
    return of_type(messages, "execute_result")[0]["content"]["data"]["text/plain"]


def process_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def test_a_spare_serves_the_next_start_in_its_surroundings(tmp_path):
    spare_dir = tmp_path / "spares"
    env = {**os.environ, "BORN_SPARE": "1", "BORN_SPARE_DIR": str(spare_dir)}
    km_a, kc_a = start(env=env)
    km_b = kc_b = None
    try:
        # A cold start serves its own connection.
        assert int(text_result(kc_a, "std::os::unix::process::parent_id()")) == km_a.provisioner.pid
        wait_for(lambda: list(spare_dir.glob("*.sock")), SPARE_WAIT, "a spare kernel's socket")

        notebook_dir = tmp_path / "notebook"
        notebook_dir.mkdir()
        env_b = {**env, "BORN_SPARE_TEST_MARK": "from the start of B"}
        started = time.monotonic()
        km_b, kc_b = start(env=env_b, cwd=str(notebook_dir))
        print(f"kernel B ready in {time.monotonic() - started:.1f} s")

        server = int(text_result(kc_b, "std::os::unix::process::parent_id()"))
        assert server != km_b.provisioner.pid, "B's own process served the cells"
        cwd = text_result(kc_b, "std::env::current_dir().unwrap().display().to_string()")
        assert cwd == f'"{notebook_dir.resolve()}"'
        assert text_result(kc_b, 'std::env::var("BORN_SPARE_TEST_MARK").unwrap()') == '"from the start of B"'
        assert run(kc_b, "let kept = 21;")[0]["content"]["status"] == "ok"
        assert text_result(kc_b, "kept * 2") == "42"

        # Killing the process Jupyter started ends the spare that served it.
        os.kill(km_b.provisioner.pid, signal.SIGKILL)
        wait_for(lambda: not process_exists(server), 30, "the spare to exit after its launcher died")
    finally:
        for km, kc in ((km_b, kc_b), (km_a, kc_a)):
            if kc is not None:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
        argv = km_a.kernel_spec.argv
        template = argv[argv.index("--template") + 1:][:1]
        stop = [argv[0], "spare", "--stop"] + (["--template", template[0]] if template else [])
        subprocess.run(stop, env=env, check=False)
