"""One MNIST training epoch in Born and in PyTorch (CPU), same model, batch size and
optimizer (Adam, lr 1e-3); prints samples/s of each and Born's speed ratio.

Usage (from the repository root):
    python3 runtime/benches/training/compare_pytorch.py [mlp|cnn|all] [--batch 64]
Creates a venv with torch at $BORN_TORCH_VENV (default /tmp/born-torch) on first use.
"""
import argparse
import gzip
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[3]
VENV = pathlib.Path(os.environ.get("BORN_TORCH_VENV", "/tmp/born-torch"))


def ensure_torch():
    """Re-runs this script inside a venv that has torch, creating it if needed."""
    try:
        import torch  # noqa: F401
        return
    except ImportError:
        pass
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "torch", "numpy"], check=True)
    os.execv(str(python), [str(python), *sys.argv])


def mnist_dir():
    env = os.environ.get("BORN_DATA")
    for d in ([pathlib.Path(env) / "mnist"] if env else []) + [ROOT / ".." / "shared" / "data" / "mnist"]:
        if (d / "train-images-idx3-ubyte.gz").exists():
            return d
    sys.exit("MNIST not found: put the IDX files in $BORN_DATA/mnist or ../shared/data/mnist")


def read_idx(path):
    import numpy as np
    with gzip.open(path) as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def torch_epoch(kind, batch):
    import numpy as np
    import torch
    from torch import nn

    torch.manual_seed(0)
    d = mnist_dir()
    x = read_idx(d / "train-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    y = read_idx(d / "train-labels-idx1-ubyte.gz").astype(np.int64)
    x = torch.from_numpy((x - 0.1307) / 0.3081).unsqueeze(1)
    y = torch.from_numpy(y)
    if kind == "mlp":
        x = x.reshape(len(x), -1)
        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    else:
        model = nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(800, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(x))
    start, cpu_start = time.perf_counter(), time.process_time()
    for i in range(0, len(x), batch):
        idx = order[i:i + batch]
        loss = loss_fn(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    secs = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    return dict(framework="pytorch", model=kind, batch=batch, epoch_s=round(secs, 3),
                cpu_s=round(cpu, 3),
                samples_per_s=round(len(x) / secs, 1), last_loss=round(loss.item(), 4),
                threads=torch.get_num_threads())


def born_epoch(kind, batch):
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "born", "--bench", "training"],
                   cwd=ROOT, check=True)
    out = subprocess.run(["cargo", "bench", "-q", "-p", "born", "--bench", "training", "--",
                          kind, str(batch)], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ensure_torch()
    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?", default="all", choices=["mlp", "cnn", "all"])
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()
    for kind in (["mlp", "cnn"] if args.model == "all" else [args.model]):
        born = born_epoch(kind, args.batch)
        torch = torch_epoch(kind, args.batch)
        print(json.dumps(born))
        print(json.dumps(torch))
        ratio = born["epoch_s"] / torch["epoch_s"]
        cpu_ratio = born["cpu_s"] / torch["cpu_s"]
        load = os.getloadavg()[0]
        print(f"{kind}: born {born['samples_per_s']:.0f} samples/s, pytorch "
              f"{torch['samples_per_s']:.0f} samples/s, born epoch time = {ratio:.2f}x pytorch's "
              f"(CPU time {cpu_ratio:.2f}x; load {load:.2f})")


if __name__ == "__main__":
    main()
