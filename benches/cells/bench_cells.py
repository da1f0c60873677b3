"""Cell round-trip benchmark: the Born kernel against evcxr_jupyter 0.22, the
same cells through jupyter_client, medians and ratios printed side by side.

    .venv/bin/python benches/cells/bench_cells.py [--install-evcxr] [--skip-evcxr]

--install-evcxr runs `cargo install evcxr_jupyter --version 0.22.0 --locked`
(a 20-minute build on 2 cores) and `evcxr_jupyter --install`. Both kernels get
the runtime loaded first: Born by itself, evcxr through the same `:dep` lines.
Not a test: it prints figures.
"""

import argparse
import pathlib
import shutil
import statistics
import subprocess
import sys
import time

from jupyter_client.manager import start_new_kernel

ROOT = pathlib.Path(__file__).resolve().parents[2]
TRIVIAL = ["1 + 2"] * 10
VARIABLES = ["let a = 40;", "let b = a + 2;", "let v: Vec<i32> = (0..b).collect();", "v.len()", "a * b"]
RUNTIME_CALL = "Tensor::ones((64, 64))?.matmul(&Tensor::ones((64, 64))?)?.sum_all()?.to_scalar::<f32>()?"
EVCXR_LOAD = (
    f':dep born = {{ path = "{ROOT / "runtime"}" }}\n'
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


def measure(kernel_name, load_code=None):
    started = time.monotonic()
    km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=120)
    try:
        if load_code:
            timed(kc, load_code)
        timed(kc, "1 + 2")  # waits for the runtime to finish loading
        ready = time.monotonic() - started
        first = timed(kc, "let first_cell = 1;")
        trivial = statistics.median(timed(kc, c) for c in TRIVIAL)
        variables = statistics.median(timed(kc, c) for c in VARIABLES)
        runtime = timed(kc, RUNTIME_CALL)
        return {"ready": ready, "first cell": first, "trivial": trivial, "variables": variables, "runtime call": runtime}
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
    results = {"born": measure("born")}
    if not args.skip_evcxr and shutil.which("evcxr_jupyter"):
        results["evcxr"] = measure("rust", EVCXR_LOAD)
    print(f"{'seconds':<14}" + "".join(f"{name:>10}" for name in results) + ("     ratio" if len(results) == 2 else ""))
    for key in results["born"]:
        row = f"{key:<14}" + "".join(f"{r[key]:>10.2f}" for r in results.values())
        if len(results) == 2:
            row += f"{results['born'][key] / results['evcxr'][key]:>10.2f}"
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
