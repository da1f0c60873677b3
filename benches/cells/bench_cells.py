"""Cell round-trip benchmark: the Born kernel against evcxr_jupyter 0.22, the
same cells through jupyter_client, medians and ratios printed side by side.

    .venv/bin/python benches/cells/bench_cells.py [--install-evcxr] [--skip-evcxr]

--install-evcxr runs `cargo install evcxr_jupyter --version 0.22.0 --locked`
(a 20-minute build on 2 cores) and `evcxr_jupyter --install`. Both kernels get
the runtime loaded first: Born by itself, evcxr through the same `:dep` lines.
Not a test: it prints figures.
"""

import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel

ROOT = pathlib.Path(__file__).resolve().parents[2]
TRIVIAL = ["1 + 2"] * 10
VARIABLES = ["let a = 40;", "let b = a + 2;", "let v: Vec<i32> = (0..b).collect();", "v.len()", "a * b"]
RUNTIME_CALL = "Tensor::ones((64, 64))?.matmul(&Tensor::ones((64, 64))?)?.sum_all()?.to_scalar::<f32>()?"
# How long a kernel idles before it starts a spare (5 s in the kernel), with margin.
SPARE_IDLE_WAIT = 8
# How long the spare gets to load the runtime after its socket appears.
SPARE_LOAD_WAIT = 60
EVCXR_LOAD = (
    f':dep born = {{ path = "{ROOT / "runtime"}", default-features = false }}\n'
    f':dep born-display = {{ path = "{ROOT / "display"}" }}\n'
    "use born::prelude::*;\nuse born_display::prelude::*;\n"
)


def timed(kc, code, timeout=900):
    start = time.monotonic()
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=lambda msg: None)
    elapsed = time.monotonic() - start
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"{code!r} failed: {reply['content']}")
    return elapsed


def measure(kernel_name, load_code=None, env=None, linger=0):
    started = time.monotonic()
    km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=120, **({"env": env} if env else {}))
    try:
        if load_code:
            timed(kc, load_code)
        timed(kc, "1 + 2")  # waits for the runtime to finish loading
        ready = time.monotonic() - started
        first = timed(kc, "let first_cell = 1;")
        trivial = statistics.median(timed(kc, c) for c in TRIVIAL)
        variables = statistics.median(timed(kc, c) for c in VARIABLES)
        runtime = timed(kc, RUNTIME_CALL)
        result = {"ready": ready, "first cell": first, "trivial": trivial, "variables": variables, "runtime call": runtime}
        print(kernel_name, {k: round(v, 2) for k, v in result.items()}, flush=True)
        time.sleep(linger)
        return result
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--install-evcxr", action="store_true")
    parser.add_argument("--skip-evcxr", action="store_true")
    args = parser.parse_args()
    if args.install_evcxr:
        subprocess.run(["cargo", "install", "evcxr_jupyter", "--version", "0.22.0", "--locked"], check=True)
        subprocess.run(["evcxr_jupyter", "--install"], check=True)
    # Born twice: a cold start (idle a few seconds at the end, so it starts a
    # spare kernel loading the runtime), then a start that the loaded spare serves.
    spare_dir = tempfile.mkdtemp(prefix="born-bench-spares-")
    env = {**os.environ, "BORN_SPARE": "1", "BORN_SPARE_DIR": spare_dir, "BORN_SPARE_IDLE_SECS": "600"}
    results = {"born cold": measure("born", env=env, linger=SPARE_IDLE_WAIT)}
    deadline = time.monotonic() + 300
    while not list(pathlib.Path(spare_dir).glob("*.sock")) and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(SPARE_LOAD_WAIT)
    results["born spare"] = measure("born", env=env)
    if not args.skip_evcxr and shutil.which("evcxr_jupyter"):
        results["evcxr"] = measure("rust", EVCXR_LOAD)
    print(f"{'seconds':<14}" + "".join(f"{name:>12}" for name in results) + ("  spare/evcxr" if "evcxr" in results else ""))
    for key in results["born cold"]:
        row = f"{key:<14}" + "".join(f"{r[key]:>12.2f}" for r in results.values())
        if "evcxr" in results:
            row += f"{results['born spare'][key] / results['evcxr'][key]:>13.2f}"
        print(row)
    argv = KernelSpecManager().get_kernel_spec("born").argv
    subprocess.run([argv[0], "spare", "--stop", *argv[argv.index("--template"):][:2]], env=env, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
