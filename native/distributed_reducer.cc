// Gradient all-reduce overlapped with backward, the core of torch DDP's Reducer: a hook on every parameter copies
// its gradient into a flat bucket as autograd produces it, and a bucket whose gradients are all in is all-reduced
// asynchronously while backward goes on. Buckets are launched strictly in order, so every rank issues the same
// collectives in the same order whatever order its hooks fire in. finish() launches what is left (a parameter
// that got no gradient contributes its accumulated gradient or zeros), waits, and writes the sums into .grad.
// Only an armed backward (the last micro-batch of a step) reduces; earlier micro-batches just accumulate.
#include <torch/csrc/autograd/variable.h>

#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "common.h"
#include "distributed_internal.h"

namespace shapeseg {

namespace {

struct Bucket {
  std::vector<size_t> params;  // indices into Reducer::params
  std::vector<int64_t> offsets;
  at::Tensor flat;
  size_t pending = 0;  // hooks still to fire in this backward
  bool launched = false;
  PendingCollective work{"allReduce (gradients)", 0, {}};
};

struct Reducer {
  std::vector<at::Tensor> params;
  std::vector<size_t> bucketOf, slotOf;
  std::vector<bool> ready;
  std::vector<Bucket> buckets;
  size_t nextLaunch = 0;
  bool armed = false;
  std::mutex mu;  // hooks run on autograd's threads (one per CUDA device)

  /**
   * Buckets as planned by the caller (src/distributed/buckets.ts, the one planner): consecutive runs of
   * bucketSizes[i] parameters, given in the order backward roughly produces their gradients.
   */
  Reducer(std::vector<at::Tensor> ps, const std::vector<int64_t>& bucketSizes) : params(std::move(ps)) {
    bucketOf.resize(params.size());
    slotOf.resize(params.size());
    ready.assign(params.size(), false);
    size_t k = 0;
    for (const int64_t n : bucketSizes) {
      TORCH_CHECK(n > 0, "distributed reducer: a bucket of ", n, " parameters");
      Bucket& b = buckets.emplace_back();
      for (int64_t i = 0; i < n; ++i, ++k) {
        TORCH_CHECK(k < params.size(), "distributed reducer: the bucket plan names more than ", params.size(), " parameters");
        bucketOf[k] = buckets.size() - 1;
        slotOf[k] = b.params.size();
        b.offsets.push_back(b.params.empty() ? 0 : b.offsets.back() + params[b.params.back()].numel());
        b.params.push_back(k);
      }
    }
    TORCH_CHECK(k == params.size(), "distributed reducer: the bucket plan covers ", k, " of ", params.size(), " parameters");
    for (auto& b : buckets) {
      const auto& last = params[b.params.back()];
      b.flat = at::zeros({b.offsets.back() + last.numel()}, last.options().requires_grad(false));
    }
  }

  at::Tensor slice(const Bucket& b, size_t slot) {
    const auto& p = params[b.params[slot]];
    return b.flat.narrow(0, b.offsets[slot], p.numel()).view(p.sizes());
  }

  void arm() {
    std::lock_guard<std::mutex> lock(mu);
    TORCH_CHECK(!armed, "distributed reducer: armed twice without finish()");
    armed = true;
    nextLaunch = 0;
    ready.assign(params.size(), false);
    for (auto& b : buckets) {
      b.pending = b.params.size();
      b.launched = false;
    }
  }

  /** Hook body: the gradient g of parameter k arrives (before autograd accumulates it into .grad). */
  void onGradient(size_t k, const at::Tensor& g) {
    std::lock_guard<std::mutex> lock(mu);
    if (!armed || ready[k]) return;
    at::NoGradGuard noGrad;
    Bucket& b = buckets[bucketOf[k]];
    const at::Tensor& acc = params[k].grad();
    // earlier micro-batches of this step accumulated into .grad: reduce their sum with this one
    at::Tensor dst = slice(b, slotOf[k]);
    if (acc.defined()) at::add_out(dst, acc, g);
    else dst.copy_(g);
    ready[k] = true;
    if (--b.pending == 0) launchReady();
  }

  /** Launches ready buckets in order (a bucket never overtakes an earlier one). */
  void launchReady() {
    while (nextLaunch < buckets.size() && buckets[nextLaunch].pending == 0) launch(buckets[nextLaunch++]);
  }

  void launch(Bucket& b) {
    std::vector<at::Tensor> flat{b.flat};
    b.work = startCollective("allReduce (gradients)", [&](compat::C10dBackend& pg) { return pg.allreduce(flat); });
    b.launched = true;
  }

  /** Completes the step's reduction and writes the summed gradients into .grad; returns how many buckets
   * backward had already launched (the overlap). */
  size_t finish() {
    std::lock_guard<std::mutex> lock(mu);
    TORCH_CHECK(armed, "distributed reducer: finish() without arm()");
    armed = false;
    const size_t duringBackward = nextLaunch;
    at::NoGradGuard noGrad;
    // parameters backward did not reach: what they accumulated before, or zeros
    for (size_t k = 0; k < params.size(); ++k) {
      if (ready[k]) continue;
      Bucket& b = buckets[bucketOf[k]];
      const at::Tensor& acc = params[k].grad();
      if (acc.defined()) slice(b, slotOf[k]).copy_(acc);
      else slice(b, slotOf[k]).zero_();
      --b.pending;
    }
    launchReady();
    for (auto& b : buckets) waitCollective(b.work);
    for (size_t k = 0; k < params.size(); ++k) {
      Bucket& b = buckets[bucketOf[k]];
      auto& grad = params[k].mutable_grad();
      if (grad.defined()) grad.copy_(slice(b, slotOf[k]));
      else grad = slice(b, slotOf[k]).clone();
    }
    return duringBackward;
  }
};

std::shared_ptr<Reducer> reducer;
// the current reducer's index of each parameter, found by the hooks through its TensorImpl
std::unordered_map<c10::TensorImpl*, size_t> hooked;
// parameters already carrying our hook: one hook serves every later attach() (a hook is never removed; it does
// nothing without a live reducer). attach() runs on the JS thread only.
std::unordered_set<c10::TensorImpl*> registered;

void attach(std::vector<at::Tensor> params, const std::vector<int64_t>& bucketSizes) {
  auto r = std::make_shared<Reducer>(std::move(params), bucketSizes);
  for (size_t k = 0; k < r->params.size(); ++k) {
    auto* impl = r->params[k].unsafeGetTensorImpl();
    hooked[impl] = k;
    if (!r->params[k].requires_grad() || r->params[k].grad_fn() || !registered.insert(impl).second) continue;
    r->params[k].register_hook([impl](const at::Tensor& g) {
      auto cur = reducer;
      if (!cur) return;
      auto it = hooked.find(impl);
      if (it == hooked.end()) return;
      cur->onGradient(it->second, g);
    });
  }
  reducer = r;
}

}  // namespace

void initReducer(Napi::Env env, Napi::Object exports) {
  // distReducerAttach(params, bucketSizes): gradients of params (leaf tensors requiring grad, in bucket order) are
  // reduced by the next armed backward in buckets of bucketSizes[i] consecutive params; replaces any earlier reducer.
  reg(env, exports, "distReducerAttach", [](const Args& a) {
    hooked.clear();
    reducer.reset();
    attach(a.tensors(0), a.ints(1));
    return a.env().Undefined();
  });
  reg(env, exports, "distReducerArm", [](const Args& a) {
    TORCH_CHECK(reducer, "distributed reducer: arm() before attach()");
    reducer->arm();
    return a.env().Undefined();
  });
  reg(env, exports, "distReducerFinish", [](const Args& a) {
    TORCH_CHECK(reducer, "distributed reducer: finish() before attach()");
    const size_t overlapped = reducer->finish();
    auto o = Napi::Object::New(a.env());
    o.Set("buckets", Napi::Number::New(a.env(), static_cast<double>(reducer->buckets.size())));
    o.Set("launchedDuringBackward", Napi::Number::New(a.env(), static_cast<double>(overlapped)));
    return o;
  });
  reg(env, exports, "distReducerDetach", [](const Args& a) {
    hooked.clear();
    reducer.reset();
    return a.env().Undefined();
  });
}

}  // namespace shapeseg
