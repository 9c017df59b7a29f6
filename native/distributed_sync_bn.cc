// SyncBatchNorm's forward and backward as torch.nn.SyncBatchNorm defines them (torch/nn/modules/_functions.py):
// batch statistics over the inputs of all ranks (per-rank mean, biased variance and count, all-gathered and
// combined), running statistics updated with the unbiased global variance, and in backward the per-channel sums
// of dy and dy·(x − mean) all-reduced, so every rank's input gradient is the one of the whole global batch.
// libtorch 1.13's batch_norm_stats/_gather_stats/_backward_reduce kernels are CUDA-only, so this composes ATen ops.
#include <torch/csrc/autograd/custom_function.h>

#include "common.h"
#include "distributed_internal.h"

namespace shapeseg {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::vector<int64_t> reduceDims(const at::Tensor& x) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

/** [1, C, 1, ...]: a per-channel vector broadcast over x. */
std::vector<int64_t> channelShape(const at::Tensor& x) {
  std::vector<int64_t> shape(x.dim(), 1);
  shape[1] = x.size(1);
  return shape;
}

struct SyncBatchNormFn : public torch::autograd::Function<SyncBatchNormFn> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                            at::Tensor runningMean, at::Tensor runningVar, double momentum, double eps) {
    const int64_t channels = input.size(1);
    TORCH_CHECK(input.numel() > 0, "SyncBatchNorm: empty input");
    // statistics in float32 whatever the input dtype (torch's batch_norm_stats accumulates in float too)
    const at::Tensor x = input.to(at::kFloat);
    auto [var, mean] = at::var_mean(x, reduceDims(x), /*unbiased=*/false, /*keepdim=*/false);
    const auto local = at::cat({mean, var, at::full({1}, static_cast<double>(x.numel() / channels), mean.options())});
    std::vector<at::Tensor> in{local};
    std::vector<std::vector<at::Tensor>> out(1);
    for (int r = 0; r < groupSize("syncBatchNorm"); ++r) out[0].push_back(at::empty_like(local));
    runCollective("syncBatchNorm", [&](compat::C10dBackend& pg) { return pg.allgather(out, in); });
    const auto all = at::stack(out[0]);  // world × (2C + 1)
    const auto means = all.narrow(1, 0, channels);
    const auto vars = all.narrow(1, channels, channels);
    const auto counts = all.narrow(1, 2 * channels, 1);
    const double total = counts.sum().item<double>();
    // the parallel-variance combination (Chan et al.): exact, without E[x²] − E[x]² cancellation
    const auto globalMean = (means * counts).sum(0) / total;
    const auto globalVar = ((vars + (means - globalMean).pow(2)) * counts).sum(0) / total;
    const auto invstd = (globalVar + eps).rsqrt();
    if (runningMean.defined() && runningVar.defined()) {
      TORCH_CHECK(total > 1, "SyncBatchNorm: expected more than 1 value per channel when training, got ", total);
      runningMean.mul_(1 - momentum).add_(globalMean.to(runningMean.scalar_type()), momentum);
      runningVar.mul_(1 - momentum).add_((globalVar * (total / (total - 1))).to(runningVar.scalar_type()), momentum);
    }
    const auto shape = channelShape(x);
    auto y = (x - globalMean.view(shape)) * invstd.view(shape);
    if (weight.defined()) y = y * weight.to(at::kFloat).view(shape);
    if (bias.defined()) y = y + bias.to(at::kFloat).view(shape);
    ctx->save_for_backward({x, weight, globalMean, invstd});
    ctx->saved_data["total"] = total;
    ctx->saved_data["hasBias"] = bias.defined();
    return y.to(input.scalar_type());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor& weight = saved[1];
    const at::Tensor& mean = saved[2];
    const at::Tensor& invstd = saved[3];
    const double total = ctx->saved_data["total"].toDouble();
    const int64_t channels = x.size(1);
    const auto shape = channelShape(x);
    const auto dims = reduceDims(x);
    const auto dy = grads[0].to(at::kFloat);
    const auto xmu = x - mean.view(shape);
    const auto sumDy = dy.sum(dims);
    const auto sumDyXmu = (dy * xmu).sum(dims);
    // weight and bias gradients stay local: data-parallel training sums them with the other parameters' grads
    at::Tensor gradWeight = weight.defined() ? (sumDyXmu * invstd).to(weight.scalar_type()) : at::Tensor();
    at::Tensor gradBias = ctx->saved_data["hasBias"].toBool() ? sumDy.clone() : at::Tensor();
    std::vector<at::Tensor> combined{at::cat({sumDy, sumDyXmu})};
    runCollective("syncBatchNorm backward",
                  [&](compat::C10dBackend& pg) { return pg.allreduce(combined, c10d::AllreduceOptions()); });
    const auto meanDy = combined[0].narrow(0, 0, channels) / total;
    const auto meanDyXmu = combined[0].narrow(0, channels, channels) / total;
    auto scale = invstd;
    if (weight.defined()) scale = scale * weight.to(at::kFloat);
    const auto gradInput =
        (dy - meanDy.view(shape) - xmu * (invstd * invstd * meanDyXmu).view(shape)) * scale.view(shape);
    if (gradBias.defined() && weight.defined()) gradBias = gradBias.to(weight.scalar_type());
    return {gradInput.to(grads[0].scalar_type()), gradWeight, gradBias, at::Tensor(), at::Tensor(), at::Tensor(),
            at::Tensor()};
  }
};

}  // namespace

void initSyncBatchNorm(Napi::Env env, Napi::Object exports) {
  // distSyncBatchNorm(x, runningMean?, runningVar?, weight?, bias?, momentum, eps): training-mode SyncBatchNorm
  reg(env, exports, "distSyncBatchNorm", [](const Args& a) {
    const auto undefinedIfAbsent = [&](size_t i) { return a.has(i) ? a.t(i) : at::Tensor(); };
    return wrap(a.env(), SyncBatchNormFn::apply(a.t(0), undefinedIfAbsent(3), undefinedIfAbsent(4), undefinedIfAbsent(1),
                                                undefinedIfAbsent(2), a.d(5), a.d(6)));
  });
}

}  // namespace shapeseg
