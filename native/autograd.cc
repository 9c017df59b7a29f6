// Autograd: grads, backward, grad mode, autocast and the fused SGD step.
#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/autograd.h>

#include "common.h"
#include "compat.h"

namespace shapeseg {

namespace {

at::DeviceType autocastDevice(const std::string& s) {
  if (s == "cpu") return at::kCPU;
  if (s == "cuda") {
    if (!at::hasCUDA()) throw std::runtime_error("autocast('cuda'): CUDA is not available");
    return at::kCUDA;
  }
  throw std::invalid_argument("autocast: unknown device type '" + s + "' (expected cpu or cuda)");
}

/** torch.optim.SGD's _single_tensor_sgd for one parameter; returns the new buffer when one is created. */
at::Tensor sgdOne(at::Tensor& p, at::Tensor* buf, double lr, double momentum, double dampening, double weightDecay,
                  bool nesterov, bool maximize) {
  at::Tensor dp = maximize ? at::neg(p.grad()) : p.grad();
  if (weightDecay != 0) dp = dp.add(p, weightDecay);
  at::Tensor created;
  if (momentum != 0) {
    if (buf == nullptr) {
      created = at::clone(dp).detach();
      buf = &created;
    } else {
      buf->mul_(momentum).add_(dp, 1 - dampening);
    }
    if (nesterov) dp = dp.add(*buf, momentum);
    else dp = *buf;
  }
  p.add_(dp, -lr);
  return created;
}

}  // namespace

void initAutograd(Napi::Env env, Napi::Object exports) {
  reg(env, exports, "requiresGrad", [](const Args& a) { return Napi::Boolean::New(a.env(), a.t(0).requires_grad()); });
  reg(env, exports, "setRequiresGrad", [](const Args& a) {
    a.t(0).requires_grad_(a.b(1));
    return a.env().Undefined();
  });
  reg(env, exports, "grad", [](const Args& a) {
    const at::Tensor& g = a.t(0).grad();
    return g.defined() ? wrap(a.env(), g) : a.env().Null();
  });
  reg(env, exports, "setGrad", [](const Args& a) {
    at::Tensor& t = a.t(0);
    if (!a.has(1)) {
      t.mutable_grad().reset();
    } else {
      const at::Tensor& g = a.t(1);
      TORCH_CHECK(g.sizes() == t.sizes(), "setGrad: assigned grad has shape ", g.sizes(), " but the tensor has shape ", t.sizes());
      TORCH_CHECK(g.scalar_type() == t.scalar_type(), "setGrad: assigned grad has dtype ", g.scalar_type(), " but the tensor has ", t.scalar_type());
      TORCH_CHECK(g.device() == t.device(), "setGrad: assigned grad is on ", g.device(), " but the tensor is on ", t.device());
      t.mutable_grad() = g;
    }
    return a.env().Undefined();
  });
  reg(env, exports, "backward", [](const Args& a) {
    const at::Tensor& t = a.t(0);
    if (a.has(1)) t.backward(a.t(1));
    else t.backward();
    return a.env().Undefined();
  });
  reg(env, exports, "isGradEnabled", [](const Args& a) { return Napi::Boolean::New(a.env(), at::GradMode::is_enabled()); });
  reg(env, exports, "setGradEnabled", [](const Args& a) {
    at::GradMode::set_enabled(a.b(0));
    return a.env().Undefined();
  });
  // autocastEnter(device, dtype) -> [prevEnabled, prevDtype, prevCache]; mirrors torch.autocast.__enter__.
  reg(env, exports, "autocastEnter", [](const Args& a) {
    const auto dev = autocastDevice(a.s(0));
    const auto dtype = parseDtype(a.s(1));
    if (dtype != at::kHalf && dtype != at::kBFloat16)
      throw std::invalid_argument(std::string("autocast: dtype must be float16 or bfloat16, got ") + dtypeName(dtype));
    if (!compat::kCpuAutocastHalf && dev == at::kCPU && dtype != at::kBFloat16)
      throw std::invalid_argument("autocast('cpu'): only bfloat16 is supported on CPU by libtorch " TORCH_VERSION);
    auto prev = Napi::Array::New(a.env(), 3);
    prev.Set(0u, compat::autocastEnabled(dev));
    prev.Set(1u, dtypeName(compat::autocastDtype(dev)));
    prev.Set(2u, at::autocast::is_autocast_cache_enabled());
    compat::setAutocastEnabled(dev, true);
    compat::setAutocastDtype(dev, dtype);
    at::autocast::increment_nesting();
    at::autocast::set_autocast_cache_enabled(true);
    return prev;
  });
  // autocastExit(device, prevEnabled, prevDtype, prevCache)
  reg(env, exports, "autocastExit", [](const Args& a) {
    const auto dev = autocastDevice(a.s(0));
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    compat::setAutocastEnabled(dev, a.b(1));
    compat::setAutocastDtype(dev, parseDtype(a.s(2)));
    at::autocast::set_autocast_cache_enabled(a.b(3));
    return a.env().Undefined();
  });
  // sgdStep(params, buffers (null where none yet), lr, momentum, dampening, weightDecay, nesterov, maximize)
  // -> per param: a new buffer handle, or null when the buffer was updated in place / not used.
  reg(env, exports, "sgdStep", [](const Args& a) {
    auto params = a.tensors(0);
    if (!a.info()[1].IsArray()) throw Napi::TypeError::New(a.env(), "sgdStep: momentum buffers must be an array");
    auto bufArr = a.info()[1].As<Napi::Array>();
    if (bufArr.Length() != params.size())
      throw std::invalid_argument("sgdStep: " + std::to_string(params.size()) + " params but " +
                                  std::to_string(bufArr.Length()) + " momentum buffers");
    const double lr = a.d(2), momentum = a.d(3), dampening = a.d(4), weightDecay = a.d(5);
    const bool nesterov = a.b(6), maximize = a.b(7, false);
    if (nesterov && (momentum <= 0 || dampening != 0))
      throw std::invalid_argument("sgdStep: Nesterov momentum requires a momentum and zero dampening");
    at::NoGradGuard noGrad;
    std::vector<at::Tensor> created(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      if (!params[i].grad().defined()) continue;
      Napi::Value bv = bufArr.Get(static_cast<uint32_t>(i));
      at::Tensor* buf = nullptr;
      if (!bv.IsNull() && !bv.IsUndefined()) {
        buf = &tensorOf(a.env(), bv, "sgdStep: momentum buffer " + std::to_string(i));
      }
      created[i] = sgdOne(params[i], buf, lr, momentum, dampening, weightDecay, nesterov, maximize);
    }
    return wrapList(a.env(), created);
  });
}

}  // namespace shapeseg
