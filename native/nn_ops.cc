// torch.nn.functional counterparts. Arguments arrive normalised by src/tensor/functional.ts
// (pairs as [h, w], defaults filled in), so each entry is one ATen call.
#include "common.h"

namespace shapeseg {

void initNnOps(Napi::Env env, Napi::Object exports) {
  // conv2d(x, weight, bias?, stride[2], padding[2], dilation[2], groups)
  reg(env, exports, "conv2d", [](const Args& a) {
    return wrap(a.env(), at::conv2d(a.t(0), a.t(1), a.optT(2), a.ints(3), a.ints(4), a.ints(5), a.i64(6)));
  });
  // batchNorm(x, runningMean?, runningVar?, weight?, bias?, training, momentum, eps)
  reg(env, exports, "batchNorm", [](const Args& a) {
    return wrap(a.env(), at::batch_norm(a.t(0), a.optT(3), a.optT(4), a.optT(1), a.optT(2), a.b(5), a.d(6), a.d(7),
                                        at::globalContext().userEnabledCuDNN()));
  });
  // maxPool2d(x, kernel[2], stride[2], padding[2], dilation[2], ceilMode)
  reg(env, exports, "maxPool2d", [](const Args& a) {
    return wrap(a.env(), at::max_pool2d(a.t(0), a.ints(1), a.ints(2), a.ints(3), a.ints(4), a.b(5)));
  });
  reg(env, exports, "adaptiveAvgPool2d", [](const Args& a) { return wrap(a.env(), at::adaptive_avg_pool2d(a.t(0), a.ints(1))); });
  // interpolate(x, mode, size[2]?, scaleFactor?, alignCorners): the vec overloads F.interpolate uses.
  reg(env, exports, "interpolate", [](const Args& a) {
    const at::Tensor& x = a.t(0);
    const std::string mode = a.s(1);
    c10::optional<std::vector<int64_t>> size;
    if (a.has(2)) size = a.ints(2);
    c10::optional<std::vector<double>> scales;
    if (a.has(3)) scales = std::vector<double>{a.d(3), a.d(3)};
    at::OptionalIntArrayRef sizeRef = size ? at::OptionalIntArrayRef(*size) : c10::nullopt;
    c10::optional<at::ArrayRef<double>> scaleRef = scales ? c10::optional<at::ArrayRef<double>>(*scales) : c10::nullopt;
    if (mode == "bilinear") return wrap(a.env(), at::upsample_bilinear2d(x, sizeRef, a.b(4), scaleRef));
    if (mode == "nearest") return wrap(a.env(), at::upsample_nearest2d(x, sizeRef, scaleRef));
    throw std::invalid_argument("interpolate: unknown mode '" + mode + "' (expected bilinear or nearest)");
  });
  reg(env, exports, "cat", [](const Args& a) { return wrap(a.env(), at::cat(a.tensors(0), a.i64(1, 0))); });
  reg(env, exports, "stack", [](const Args& a) { return wrap(a.env(), at::stack(a.tensors(0), a.i64(1, 0))); });
  // crossEntropy(logits, target, weight?, reduction (0 none, 1 mean, 2 sum), ignoreIndex, labelSmoothing)
  reg(env, exports, "crossEntropy", [](const Args& a) {
    return wrap(a.env(), at::cross_entropy_loss(a.t(0), a.t(1), a.optT(2), a.i64(3), a.i64(4), a.d(5)));
  });
  reg(env, exports, "logSoftmax", [](const Args& a) { return wrap(a.env(), at::log_softmax(a.t(0), a.i64(1))); });
  reg(env, exports, "softmax", [](const Args& a) { return wrap(a.env(), at::softmax(a.t(0), a.i64(1))); });
  reg(env, exports, "dropout", [](const Args& a) { return wrap(a.env(), at::dropout(a.t(0), a.d(1), a.b(2))); });
  reg(env, exports, "flip", [](const Args& a) { return wrap(a.env(), at::flip(a.t(0), a.ints(1))); });
  // pad(x, pads, mode, value?)
  reg(env, exports, "pad", [](const Args& a) { return wrap(a.env(), at::pad(a.t(0), a.ints(1), a.s(2), a.optD(3))); });
  // where(cond, a, b, aIsNumber, bIsNumber)
  reg(env, exports, "where", [](const Args& a) {
    const at::Tensor& c = a.t(0);
    const bool ta = !a.b(3, false), tb = !a.b(4, false);
    if (ta && tb) return wrap(a.env(), at::where(c, a.t(1), a.t(2)));
    if (ta) return wrap(a.env(), at::where(c, a.t(1), a.scalar(2)));
    if (tb) return wrap(a.env(), at::where(c, a.scalar(1), a.t(2)));
    return wrap(a.env(), at::where(c, a.scalar(1), a.scalar(2)));
  });
  // bincount(x, weights?, minlength)
  reg(env, exports, "bincount", [](const Args& a) { return wrap(a.env(), at::bincount(a.t(0), a.optT(1), a.i64(2, 0))); });
  reg(env, exports, "oneHot", [](const Args& a) { return wrap(a.env(), at::one_hot(a.t(0), a.i64(1, -1))); });
}

}  // namespace shapeseg
