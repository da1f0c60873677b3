"""PyTorch CUDA figures for the GPU benchmark: fp32 matmul with TF32 off, and LeNet
training samples/s on random 28x28 batches of 64. Writes them as JSON to argv[1]."""

import json
import sys
import time

import torch


def matmul_tflops(n: int) -> float:
    a = torch.randn(n, n, device="cuda")
    b = torch.randn(n, n, device="cuda")
    a @ b
    torch.cuda.synchronize()
    calls, start = 0, time.perf_counter()
    while calls < 2 or time.perf_counter() - start < 1.0:
        a @ b
        calls += 1
    torch.cuda.synchronize()
    return 2 * n**3 / ((time.perf_counter() - start) / calls) / 1e12


class LeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 16, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(16, 32, 5)
        self.fc1 = torch.nn.Linear(32 * 5 * 5, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)

    def forward(self, x):
        pool = torch.nn.functional.max_pool2d
        x = pool(torch.relu(self.conv1(x)), 2)
        x = pool(torch.relu(self.conv2(x)), 2)
        x = torch.relu(self.fc1(x.flatten(1)))
        return self.fc3(torch.relu(self.fc2(x)))


def cnn_samples_per_s(steps: int = 50) -> float:
    model = LeNet().cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(64, 1, 28, 28, device="cuda")
    y = torch.arange(64, device="cuda") % 10

    def step():
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    step()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    return steps * 64 / (time.perf_counter() - start)


def main() -> None:
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    out = {f"matmul_{n}": matmul_tflops(n) for n in (1024, 2048, 4096, 8192)}
    out["cnn_samples_per_s"] = cnn_samples_per_s()
    out["device"] = torch.cuda.get_device_name()
    with open(sys.argv[1], "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
