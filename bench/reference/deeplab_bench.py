#!/usr/bin/env python3
"""torchvision side of shapeseg's benchmark: one config per process (clean peak-RSS numbers).

Usage: /usr/bin/python3 bench/reference/deeplab_bench.py '<json args>'   (or the JSON on stdin)

Args (all optional except where noted):
  model        "deeplabv3_resnet101" | "deeplabv3_resnet50" | "deeplabv3_resnet18" | "deeplabv3_resnet34"
  os           output stride: 8 (torchvision's default: dilate layer3+layer4, ASPP 12,24,36),
               16 (dilate layer4 only, ASPP 6,12,18) or 32 (no dilation, ASPP 3,6,9). ResNet-18/34 at 8/16
               dilate both 3x3 convs of a BasicBlock, as shapeseg does (torchvision's BasicBlock refuses dilation)
  mode         "train" | "infer"
  batch, crop  batch size; crop as int or [h, w]  (infer uses batch 1 by default and the crop as the image size)
  steps        timed iterations; warmup: untimed iterations before them
  threads      torch.set_num_threads (0 = leave torch's default)
  device       "cpu" | "cuda"
  amp          null | "bf16" | "fp16"  (torch.autocast around forward+loss)
  channelsLast convert model and input to channels_last
  cudnnBenchmark  torch.backends.cudnn.benchmark
  numClasses   (default 21), aux (default true, loss = ce(out) + 0.5 * ce(aux), ignore_index 255)
  zeroGrad     unset: optimizer.zero_grad() (torch 1.13: zero in place; 2.x: set to None) |
               "zero" (set_to_none=False) | "none" (set_to_none=True)
  foreach      SGD foreach (unset: torch's default; 1.13: off)
  foldBn       infer only: fold BatchNorm into the preceding conv (measures the option shapeseg offers)
  countFlops   count conv FLOPs with forward hooks (2*Cin/groups*kh*kw*Cout*Hout*Wout per output image)
  profile      print torch.autograd.profiler op table (top 25 by self CPU time) to stderr

Prints one JSON object on stdout: {"ok": true, "timesMs": [...], "maxRssKb": ..., ...}.
"""
import json
import resource
import statistics
import sys
import time


PHASES = ("forward", "zeroGrad", "backward", "step", "item")


def parse_args():
    text = sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read()
    args = json.loads(text)
    crop = args.get("crop", 129)
    args["crop"] = [crop, crop] if isinstance(crop, int) else list(crop)
    return args


def rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def aspp_rates(os_):
    return {8: [12, 24, 36], 16: [6, 12, 18], 32: [3, 6, 9]}[os_]


def build_model(args):
    from torch import nn
    from torchvision.models import resnet
    from torchvision.models._utils import IntermediateLayerGetter
    from torchvision.models.segmentation.deeplabv3 import DeepLabV3, DeepLabHead, ASPP
    from torchvision.models.segmentation.fcn import FCNHead
    from torchvision.models.segmentation import deeplabv3_resnet101, deeplabv3_resnet50

    name = args.get("model", "deeplabv3_resnet101")
    os_ = int(args.get("os", 8))
    num_classes = int(args.get("numClasses", 21))
    aux = bool(args.get("aux", True))
    depth = name.rsplit("resnet", 1)[-1]
    if os_ == 8 and depth in ("50", "101"):
        # torchvision's own builder, exactly as users call it
        ctor = deeplabv3_resnet101 if depth == "101" else deeplabv3_resnet50
        return ctor(weights=None, weights_backbone=None, num_classes=num_classes, aux_loss=aux)
    dilation = {8: [False, True, True], 16: [False, False, True], 32: [False, False, False]}[os_]
    bottleneck = depth in ("50", "101", "152")
    if bottleneck or os_ == 32:
        backbone = getattr(resnet, "resnet" + depth)(weights=None, replace_stride_with_dilation=dilation)
    else:
        # torchvision's BasicBlock refuses dilation; shapeseg dilates both 3x3 convs of the block: do the same
        class DilatedBasicBlock(resnet.BasicBlock):
            def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                         norm_layer=None):
                super().__init__(inplanes, planes, stride, downsample, groups, base_width, 1, norm_layer)
                self.conv1 = resnet.conv3x3(inplanes, planes, stride, dilation=dilation)
                self.conv2 = resnet.conv3x3(planes, planes, dilation=dilation)

        layers = {"18": [2, 2, 2, 2], "34": [3, 4, 6, 3]}[depth]
        backbone = resnet.ResNet(DilatedBasicBlock, layers, replace_stride_with_dilation=dilation)
    out_ch, aux_ch = (2048, 1024) if bottleneck else (512, 256)
    return_layers = {"layer4": "out"}
    if aux:
        return_layers["layer3"] = "aux"
    backbone = IntermediateLayerGetter(backbone, return_layers=return_layers)
    head = DeepLabHead(out_ch, num_classes)
    head[0] = ASPP(out_ch, aspp_rates(os_))  # DeepLabHead hard-codes 12,24,36 (OS 8)
    return DeepLabV3(backbone, head, FCNHead(aux_ch, num_classes) if aux else None)


def fold_bn(model):
    """Folds each eval-mode BatchNorm2d into the Conv2d right before it (same Sequential / Bottleneck)."""
    import torch
    from torch import nn

    def fold(conv, bn):
        w = conv.weight
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        conv.weight = nn.Parameter(w * scale.reshape(-1, 1, 1, 1))
        b = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
        conv.bias = nn.Parameter((b - bn.running_mean) * scale + bn.bias)

    for mod in model.modules():
        names = list(mod._modules.keys())
        for a, b in zip(names, names[1:]):
            ca, cb = mod._modules[a], mod._modules[b]
            if isinstance(ca, nn.Conv2d) and isinstance(cb, nn.BatchNorm2d):
                fold(ca, cb)
                mod._modules[b] = nn.Identity()
        # Bottleneck/BasicBlock: conv1/bn1, conv2/bn2, conv3/bn3
        for i in "123":
            c, bn = getattr(mod, "conv" + i, None), getattr(mod, "bn" + i, None)
            if isinstance(c, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                fold(c, bn)
                setattr(mod, "bn" + i, nn.Identity())
    return model


def count_conv_flops(model, x):
    """Forward conv FLOPs for input x (whole batch) using hooks on every nn.Conv2d."""
    import torch
    from torch import nn
    total = [0]

    def hook(m, inp, out):
        n, cout, ho, wo = out.shape
        kh, kw = m.kernel_size
        total[0] += 2 * (m.in_channels // m.groups) * kh * kw * cout * ho * wo * n

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        was = model.training
        model.eval()
        model(x)
        model.train(was)
    for h in hs:
        h.remove()
    return total[0]


def main():
    args = parse_args()
    import torch
    import torch.nn.functional as F

    rss_import = rss_kb()
    threads = int(args.get("threads", 0))
    if threads > 0:
        torch.set_num_threads(threads)
    device = torch.device(args.get("device", "cpu"))
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = bool(args.get("cudnnBenchmark", False))
    torch.manual_seed(int(args.get("seed", 0)))
    mode = args.get("mode", "train")
    steps, warmup = int(args.get("steps", 3)), int(args.get("warmup", 1))
    num_classes = int(args.get("numClasses", 21))
    aux = bool(args.get("aux", True))
    h, w = args["crop"]
    batch = int(args.get("batch", 2 if mode == "train" else 1))
    mf = torch.channels_last if args.get("channelsLast") else torch.contiguous_format
    amp = {None: None, False: None, "bf16": torch.bfloat16, "fp16": torch.float16}[args.get("amp")]

    model = build_model(args).to(device).to(memory_format=mf)
    if mode == "infer" and args.get("foldBn"):
        model.eval()
        with torch.no_grad():
            fold_bn(model)
    x = torch.randn(batch, 3, h, w, device=device).contiguous(memory_format=mf)
    flops = count_conv_flops(model, x) if args.get("countFlops") else None
    rss_model = rss_kb()

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def autocast():
        if amp is None:
            return torch.autocast(device.type, enabled=False)
        return torch.autocast(device.type, dtype=amp)

    if mode == "train":
        model.train()
        target = torch.randint(0, num_classes, (batch, h, w), device=device)
        target[:, : h // 8] = 255  # some ignored pixels, as in real labels
        # foreach/zero_grad left at torch's defaults unless asked (1.13: per-tensor loop, zero in place;
        # 2.x: foreach on CUDA, set_to_none) so the reference is torch as users run it
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4,
                              foreach=args.get("foreach"))
        zero_kw = {} if args.get("zeroGrad") is None else {"set_to_none": args["zeroGrad"] == "none"}
        scaler = torch.cuda.amp.GradScaler() if amp == torch.float16 else None

        def step():
            t = [time.perf_counter()]

            def mark():  # phase boundaries; CUDA phases are only meaningful with the syncs
                sync()
                t.append(time.perf_counter())

            with autocast():
                out = model(x)
                loss = F.cross_entropy(out["out"], target, ignore_index=255)
                if aux:
                    loss = loss + 0.5 * F.cross_entropy(out["aux"], target, ignore_index=255)
            mark()
            opt.zero_grad(**zero_kw)
            mark()
            if scaler is not None:
                scaler.scale(loss).backward()
                mark()
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                mark()
                opt.step()
            mark()
            value = loss.item()  # torchvision's reference logs loss.item() every step
            mark()
            phases.append({k: (t[i + 1] - t[i]) * 1000.0 for i, k in enumerate(PHASES)})
            return value
    else:
        model.eval()

        def step():
            with torch.no_grad(), autocast():
                out = model(x)["out"]
            sync()
            return float(out[0, 0, 0, 0])

    losses, times, phases = [], [], []
    for i in range(warmup + steps):
        if i == warmup:  # page faults and CPU time (all threads) over the timed steps
            ru0, cpu0 = resource.getrusage(resource.RUSAGE_SELF), time.process_time()
        sync()
        t0 = time.perf_counter()
        losses.append(step())
        sync()
        t1 = time.perf_counter()
        if i >= warmup:
            times.append((t1 - t0) * 1000.0)
        else:
            phases.clear()

    ru1, cpu1 = resource.getrusage(resource.RUSAGE_SELF), time.process_time()
    per_step = max(steps, 1)
    if args.get("profile"):
        with torch.autograd.profiler.profile() as prof:
            step()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30), file=sys.stderr)
        result_ops = len(prof.function_events)
        print(f"profiler: {result_ops} op events in one step", file=sys.stderr)

    result = {
        "ok": True,
        "side": "reference",
        "mode": mode,
        "timesMs": times,
        "phasesMs": {k: statistics.median(p[k] for p in phases) for k in PHASES} if phases else None,
        "losses": losses,
        "batch": batch,
        "crop": [h, w],
        "threads": torch.get_num_threads(),
        "maxRssKb": rss_kb(),
        "minorFaultsPerStep": (ru1.ru_minflt - ru0.ru_minflt) / per_step if steps else None,
        "cpuMsPerStep": (cpu1 - cpu0) * 1000.0 / per_step if steps else None,
        "sysMsPerStep": (ru1.ru_stime - ru0.ru_stime) * 1000.0 / per_step if steps else None,
        "rssAfterImportKb": rss_import,
        "rssAfterModelKb": rss_model,
        "convFlopsForward": flops,
        "params": sum(p.numel() for p in model.parameters()),
        "versions": {"torch": torch.__version__, "torchvision": __import__("torchvision").__version__},
        "device": str(device),
    }
    if device.type == "cuda":
        result["cudaMaxMemoryAllocated"] = torch.cuda.max_memory_allocated()
    print(json.dumps(result))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # report as JSON so the harness can show it next to the config
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
        sys.exit(1)
