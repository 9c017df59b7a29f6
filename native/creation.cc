// Tensor factories and the global random generators.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <cstring>
#include <mutex>

#include "common.h"
#include "compat.h"

namespace shapeseg {

namespace {

/** Factory options from (dtype?, device?, requiresGrad?) at args i, i+1, i+2. */
at::TensorOptions options(const Args& a, size_t i, at::ScalarType defaultDtype = at::kFloat) {
  auto o = at::TensorOptions().dtype(a.has(i) ? parseDtype(a.s(i)) : defaultDtype);
  if (a.has(i + 1)) o = o.device(parseDevice(a.s(i + 1)));
  return o;
}

at::Tensor maybeRequiresGrad(at::Tensor t, const Args& a, size_t i) {
  if (a.b(i, false)) t.requires_grad_(true);
  return t;
}

std::vector<int64_t> shapeArg(const Args& a, size_t i) {
  auto s = a.ints(i);
  for (auto v : s)
    if (v < 0) throw std::invalid_argument("negative size " + std::to_string(v) + " in shape [" + c10::Join(", ", s) + "]");
  return s;
}

/** Every default generator: CPU first, then one per CUDA device. */
std::vector<at::Generator> generators() {
  std::vector<at::Generator> gens{at::detail::getDefaultCPUGenerator()};
  if (at::hasCUDA()) {
    const int n = at::detail::getCUDAHooks().getNumGPUs();
    for (int i = 0; i < n; ++i) gens.push_back(compat::cudaDefaultGenerator(i));
  }
  return gens;
}

// RNG state blob: "SSRNG1" u32 count, then per generator u32 length + bytes (little-endian host).
const char kRngMagic[6] = {'S', 'S', 'R', 'N', 'G', '1'};

}  // namespace

void initCreation(Napi::Env env, Napi::Object exports) {
  // zeros/ones/empty(shape, dtype?, device?, requiresGrad?)
  reg(env, exports, "zeros", [](const Args& a) { return wrap(a.env(), maybeRequiresGrad(at::zeros(shapeArg(a, 0), options(a, 1)), a, 3)); });
  reg(env, exports, "ones", [](const Args& a) { return wrap(a.env(), maybeRequiresGrad(at::ones(shapeArg(a, 0), options(a, 1)), a, 3)); });
  reg(env, exports, "empty", [](const Args& a) { return wrap(a.env(), maybeRequiresGrad(at::empty(shapeArg(a, 0), options(a, 1)), a, 3)); });
  // full(shape, value, dtype?, device?, requiresGrad?)
  reg(env, exports, "full", [](const Args& a) {
    return wrap(a.env(), maybeRequiresGrad(at::full(shapeArg(a, 0), a.scalar(1), options(a, 2)), a, 4));
  });
  reg(env, exports, "zerosLike", [](const Args& a) { return wrap(a.env(), at::zeros_like(a.t(0))); });
  reg(env, exports, "onesLike", [](const Args& a) { return wrap(a.env(), at::ones_like(a.t(0))); });
  // arange(start, end, step, dtype, device?, requiresGrad?)
  reg(env, exports, "arange", [](const Args& a) {
    return wrap(a.env(), maybeRequiresGrad(at::arange(a.scalar(0), a.scalar(1), a.scalar(2), options(a, 3)), a, 5));
  });
  reg(env, exports, "rand", [](const Args& a) { return wrap(a.env(), maybeRequiresGrad(at::rand(shapeArg(a, 0), options(a, 1)), a, 3)); });
  reg(env, exports, "randn", [](const Args& a) { return wrap(a.env(), maybeRequiresGrad(at::randn(shapeArg(a, 0), options(a, 1)), a, 3)); });
  // randint(low, high, shape, dtype?, device?)
  reg(env, exports, "randint", [](const Args& a) {
    return wrap(a.env(), at::randint(a.i64(0), a.i64(1), shapeArg(a, 2), options(a, 3, at::kLong)));
  });
  reg(env, exports, "manualSeed", [](const Args& a) {
    const auto seed = static_cast<uint64_t>(a.i64(0));
    for (auto& g : generators()) {
      std::lock_guard<std::mutex> lock(g.mutex());
      g.set_current_seed(seed);
    }
    return a.env().Undefined();
  });
  reg(env, exports, "getRngState", [](const Args& a) {
    std::vector<at::Tensor> states;
    size_t total = sizeof(kRngMagic) + 4;
    for (auto& g : generators()) {
      std::lock_guard<std::mutex> lock(g.mutex());
      states.push_back(g.get_state().contiguous());
      total += 4 + states.back().numel();
    }
    auto buf = Napi::Uint8Array::New(a.env(), total);
    uint8_t* p = buf.Data();
    std::memcpy(p, kRngMagic, sizeof(kRngMagic));
    p += sizeof(kRngMagic);
    const uint32_t count = static_cast<uint32_t>(states.size());
    std::memcpy(p, &count, 4);
    p += 4;
    for (const auto& s : states) {
      const uint32_t len = static_cast<uint32_t>(s.numel());
      std::memcpy(p, &len, 4);
      std::memcpy(p + 4, s.data_ptr(), len);
      p += 4 + len;
    }
    return buf;
  });
  reg(env, exports, "setRngState", [](const Args& a) {
    if (!a.info()[0].IsTypedArray()) throw Napi::TypeError::New(a.env(), "setRngState: expected a Uint8Array");
    auto ta = a.info()[0].As<Napi::TypedArray>();
    const uint8_t* p = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    const uint8_t* end = p + ta.ByteLength();
    auto need = [&](size_t n) {
      if (static_cast<size_t>(end - p) < n) throw std::invalid_argument("setRngState: truncated RNG state");
    };
    need(sizeof(kRngMagic) + 4);
    if (std::memcmp(p, kRngMagic, sizeof(kRngMagic)) != 0)
      throw std::invalid_argument("setRngState: not an RNG state from getRngState()");
    p += sizeof(kRngMagic);
    uint32_t count;
    std::memcpy(&count, p, 4);
    p += 4;
    auto gens = generators();
    for (uint32_t k = 0; k < count; ++k) {
      need(4);
      uint32_t len;
      std::memcpy(&len, p, 4);
      need(4 + len);
      // States for CUDA devices this machine lacks are skipped (resuming a GPU run on CPU).
      if (k < gens.size()) {
        at::Tensor s = at::empty({static_cast<int64_t>(len)}, at::kByte);
        std::memcpy(s.data_ptr(), p + 4, len);
        std::lock_guard<std::mutex> lock(gens[k].mutex());
        gens[k].set_state(s);
      }
      p += 4 + len;
    }
    return a.env().Undefined();
  });
}

}  // namespace shapeseg
