#!/usr/bin/env python3
"""How much of a training step the SGD update costs at DeepLabV3-ResNet-101's 61M parameters, and how much a
single-pass fused kernel could save: torch.optim.SGD (momentum 0.9, wd 1e-4) per-tensor and foreach, against
the memory-traffic floor of one pass (read p, g, buf; write p, buf).
Usage: /usr/bin/python3 bench/reference/sgd_cost.py [threads] [repeats]   -> one JSON line."""
import json
import statistics
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
torch.set_num_threads(threads)
from torchvision.models.segmentation import deeplabv3_resnet101  # noqa: E402

model = deeplabv3_resnet101(weights=None, weights_backbone=None, num_classes=21, aux_loss=True)
params = [p for p in model.parameters()]
for p in params:
    p.grad = torch.randn_like(p)
numel = sum(p.numel() for p in params)


def timed(fn):
    fn()  # creates momentum buffers / warms caches
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts)


out = {"params": numel, "threads": threads, "bytesPerTensorPass": numel * 4}
for foreach in (False, True):
    opt = torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=1e-4, foreach=foreach)
    out["sgdForeach" if foreach else "sgdPerTensorMs"] = timed(opt.step)
bufs = [torch.zeros_like(p) for p in params]
with torch.no_grad():
    # near the floor of a fused kernel (3 reads + 2 writes per element): these two ops do 4 reads + 2 writes
    out["nearFusedMs"] = timed(lambda: (torch._foreach_add_(bufs, [p.grad for p in params]), torch._foreach_add_(params, bufs)))
    out["zeroGradInPlaceMs"] = timed(lambda: [p.grad.zero_() for p in params])
    big = torch.empty(numel)
    out["memsetGBs"] = numel * 4 / 1e9 / (timed(lambda: big.zero_()) / 1000)
out["sgdForeach"] = out.pop("sgdForeach")
print(json.dumps(out))
