"""A tutorial notebook runs in JupyterLab in a real browser: headless Chromium opens
it, runs every cell on the Born kernel, and the page shows a plot and a tensor table."""

import contextlib
import json
import os
import pathlib
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
OUT = ROOT / "tests" / "out" / "browser"
DRIVER = HERE / "run_notebook.mjs"
NOTEBOOKS = ["00-welcome.ipynb", "01-tensors-and-autograd.ipynb"]

# JupyterLab answering on its port, on a busy 2-core machine.
SERVER_START_TIMEOUT = 120
# Opening the notebook, loading the runtime into the kernel and running every cell.
RUN_TIMEOUT = 900
# The driver's own work after its deadline: the screenshot and closing the browser.
DRIVER_GRACE = 60
# Stopping the server, which shuts its kernels down first.
SERVER_STOP_TIMEOUT = 60

# User settings for a fresh JupyterLab: every cell stays in the page (so the checks
# and the screenshot see them all) and nothing is fetched from the network.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "scrollPastEnd": False},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


class Lab:
    """A running JupyterLab server: where it answers, its token and its log."""

    def __init__(self, url, token, log_path):
        self.url = url
        self.token = token
        self.log_path = log_path

    def api(self, path, method="GET"):
        """Calls the server's REST API; returns the decoded JSON answer (or None)."""
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_settings(settings_dir):
    for plugin, values in LAB_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def wait_until_answering(lab, process):
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode} before answering")
        with contextlib.suppress(OSError):
            lab.api("/api/status")
            return
        time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer on {lab.url} within {SERVER_START_TIMEOUT} s")


def stop(lab, process):
    """Shuts the kernels down through the API, then stops the server."""
    with contextlib.suppress(OSError, ValueError):
        for session in lab.api("/api/sessions"):
            lab.api(f"/api/sessions/{session['id']}", method="DELETE")
    process.terminate()
    try:
        process.wait(SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def jupyterlab(workdir):
    """Starts JupyterLab on a free localhost port with a random token, fresh Jupyter
    directories and a copy of the tutorials as its root; stops it on exit."""
    root = workdir / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    jupyter = workdir / "jupyter"
    write_settings(jupyter / "settings")
    env = os.environ | {
        "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
        "JUPYTER_DATA_DIR": str(jupyter / "data"),
        "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(jupyter / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(jupyter / "workspaces"),
    }
    port = free_port()
    lab = Lab(f"http://127.0.0.1:{port}", secrets.token_hex(24), workdir / "jupyterlab.log")
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        # CI runs as root.
        "--ServerApp.allow_root=True",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={lab.token}",
        # The browser driver reads output types from the notebook's model.
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    ]
    with open(lab.log_path, "w") as log:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_until_answering(lab, process)
            yield lab
        finally:
            stop(lab, process)


def assert_born_kernelspec(lab):
    specs = lab.api("/api/kernelspecs")["kernelspecs"]
    assert "born" in specs, (
        f"JupyterLab finds no Born kernelspec (it has {sorted(specs)}): install it into the "
        f"Python environment running the tests with `born-kernel install --prefix {sys.prefix}` "
        "(tests/run.sh does)"
    )


def drive(lab, notebook, screenshot):
    """Runs the browser driver; returns its report of what the page showed."""
    assert (HERE / "node_modules" / "playwright-core").is_dir(), (
        f"playwright-core is not installed: run `npm ci` in {HERE} (tests/run.sh does)"
    )
    driver = subprocess.Popen(
        ["node", str(DRIVER), lab.url, notebook, str(screenshot), str(RUN_TIMEOUT)],
        env=os.environ | {"JUPYTERLAB_TOKEN": lab.token},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = driver.communicate(timeout=RUN_TIMEOUT + DRIVER_GRACE)
    except subprocess.TimeoutExpired:
        # SIGTERM lets Playwright close the browser it started.
        driver.terminate()
        stdout, stderr = driver.communicate(timeout=DRIVER_GRACE)
    lines = stdout.strip().splitlines()
    assert lines, f"the browser driver reported nothing (exit {driver.returncode}): {stderr}"
    report = json.loads(lines[-1])
    assert driver.returncode == 0, f"the browser driver failed: {report.get('driver_error')}\n{stderr}"
    return report


def check(report):
    page = report["page"]
    assert page, f"the driver could not read the notebook on the page: {report['steps']}"
    assert report["finished"], f"the run did not finish within {RUN_TIMEOUT} s; cells: {page['prompts']}"
    for moment in ("session_kernel_at_start", "session_kernel_at_end"):
        assert (report[moment] or {}).get("name") == "born", f"{moment}: {report[moment]}"
    assert "Born" in page["kernel_name"], f"toolbar kernel: {page['kernel_name']}"
    assert page["prompts"], "no code cells on the page"
    assert page["dialog"] is None, f"a dialog is open: {page['dialog']}"
    assert not page["error_outputs"], f"error outputs shown: {page['error_outputs']}"
    assert all(re.fullmatch(r"\[\d+\]:", p) for p in page["prompts"]), (
        f"not every cell ran: {page['prompts']}"
    )
    plots = [s for s in page["svg_images"] if s["loaded"] and s["root"] == "svg" and s["drawn_shapes"] > 0]
    assert plots, f"no rendered SVG plot on the page: {page['svg_images']}"
    tables = [t for t in page["tensor_tables"] if t["tables"] > 0 and t["cells"] > 0]
    assert tables, f"no tensor table on the page: {page['tensor_tables']}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.removesuffix(".ipynb") for n in NOTEBOOKS])
def test_notebook_runs_in_jupyterlab(notebook, tmp_path):
    OUT.mkdir(parents=True, exist_ok=True)
    stem = notebook.removesuffix(".ipynb")
    screenshot = OUT / f"{stem}.png"
    saved_log = OUT / f"{stem}-jupyterlab.log"
    screenshot.unlink(missing_ok=True)
    saved_log.unlink(missing_ok=True)
    try:
        with jupyterlab(tmp_path) as lab:
            assert_born_kernelspec(lab)
            report = drive(lab, notebook, screenshot)
        (OUT / f"{stem}.json").write_text(json.dumps(report, indent=1))
        check(report)
        assert screenshot.stat().st_size > 0
    except BaseException:
        if (tmp_path / "jupyterlab.log").exists():
            shutil.copy(tmp_path / "jupyterlab.log", saved_log)
        raise
