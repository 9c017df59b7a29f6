#!/usr/bin/env python3
"""What this torch build does with bf16 on this CPU: run under ONEDNN_VERBOSE=1 (bench/cpu-isa.ts does).

One 3x3 conv (2x64x33x33, as in a ResNet stage) forward + backward in fp32, under CPU bf16 autocast, and
under bf16 autocast channels-last; oneDNN prints its version, detected ISA and each convolution's
implementation on stdout. The last stdout line is JSON: torch's version, whether oneDNN (mkldnn) is
available, ATen's own CPU kernel level (torch 1.13 makes AVX512 opt-in: ATEN_CPU_CAPABILITY=avx512).
"""
import json
import sys


def main():
    import torch

    torch.manual_seed(0)
    print("probe fp32", flush=True)
    conv = torch.nn.Conv2d(64, 64, 3, padding=1)
    x = torch.randn(2, 64, 33, 33, requires_grad=True)
    conv(x).sum().backward()
    print("probe bf16", flush=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = conv(x)
    y.float().sum().backward()
    print("probe bf16-nhwc", flush=True)
    conv = conv.to(memory_format=torch.channels_last)
    xc = x.detach().contiguous(memory_format=torch.channels_last).requires_grad_(True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = conv(xc)
    y.float().sum().backward()
    capability = next(
        (line.split(":", 1)[1].strip() for line in torch.__config__.show().splitlines() if "CPU capability usage" in line),
        None,
    )
    print(json.dumps({
        "ok": True,
        "torch": torch.__version__,
        "mkldnnAvailable": torch.backends.mkldnn.is_available(),
        "atenCapability": capability,
    }), flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the harness prints the reason in the report header
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
        sys.exit(1)
