// The tensor handle, argument parsing and data in/out.
#include <cstring>

#include "common.h"

namespace shapeseg {

namespace {

// [dtype, deviceType (0 cpu, 1 cuda), deviceIndex, ndim, sizes...]; read by src/tensor/tensor.ts.
constexpr size_t kMaxDims = 64;
double g_meta[4 + kMaxDims];

// The tensor table. Heap-allocated and never destroyed, so no at::Tensor outlives libtorch at exit.
constexpr uint64_t kSlotBits = 24;
constexpr uint64_t kSlotMask = (uint64_t{1} << kSlotBits) - 1;
struct Table {
  std::vector<at::Tensor> tensors;
  std::vector<uint64_t> gens;
  std::vector<uint32_t> free;
  size_t live = 0;
};
Table& table() {
  static Table* t = new Table();
  return *t;
}

double store(at::Tensor t) {
  Table& tb = table();
  uint32_t slot;
  if (!tb.free.empty()) {
    slot = tb.free.back();
    tb.free.pop_back();
    tb.tensors[slot] = std::move(t);
  } else {
    TORCH_CHECK(tb.tensors.size() < kSlotMask, "too many live tensors (", tb.tensors.size(), ")");
    slot = static_cast<uint32_t>(tb.tensors.size());
    tb.tensors.push_back(std::move(t));
    tb.gens.push_back(1);
  }
  ++tb.live;
  return static_cast<double>((tb.gens[slot] << kSlotBits) | slot);
}

enum class Lookup { Ok, NotId, Disposed };

/** The slot's tensor for id, or why there is none. */
Lookup lookup(double id, at::Tensor** out) {
  if (!(id >= 0) || id != static_cast<double>(static_cast<uint64_t>(id)) || id > 9007199254740991.0) return Lookup::NotId;
  const uint64_t v = static_cast<uint64_t>(id);
  const uint64_t slot = v & kSlotMask;
  Table& tb = table();
  if (slot >= tb.tensors.size() || (v >> kSlotBits) == 0) return Lookup::NotId;
  if (tb.gens[slot] != (v >> kSlotBits)) return Lookup::Disposed;
  *out = &tb.tensors[slot];
  return Lookup::Ok;
}

/** Frees id's slot; a stale id (already freed) is ignored, so dispose is idempotent. */
bool release(double id) {
  at::Tensor* t = nullptr;
  if (lookup(id, &t) != Lookup::Ok) return false;
  Table& tb = table();
  const uint32_t slot = static_cast<uint32_t>(static_cast<uint64_t>(id) & kSlotMask);
  t->reset();
  ++tb.gens[slot];
  tb.free.push_back(slot);
  --tb.live;
  return true;
}

struct DtypeName {
  const char* name;
  at::ScalarType type;
};
// Public dtypes first (docs/tensor-api.md); the rest are accepted for data in/out. parseDtype's error message
// lists every name here: keep the two in step.
const DtypeName kDtypes[] = {
    {"float32", at::kFloat}, {"float16", at::kHalf}, {"bfloat16", at::kBFloat16}, {"int64", at::kLong},
    {"int32", at::kInt},     {"uint8", at::kByte},   {"bool", at::kBool},         {"float64", at::kDouble},
    {"int8", at::kChar},     {"int16", at::kShort},
};

}  // namespace

// ---- ids ----

void writeMeta(const at::Tensor& t) {
  g_meta[0] = static_cast<double>(static_cast<int>(t.scalar_type()));
  g_meta[1] = t.device().is_cuda() ? 1 : 0;
  g_meta[2] = t.device().has_index() ? t.device().index() : -1;
  const auto sizes = t.sizes();
  TORCH_CHECK(sizes.size() <= kMaxDims, "tensors with more than ", kMaxDims, " dims are not supported");
  g_meta[3] = static_cast<double>(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) g_meta[4 + i] = static_cast<double>(sizes[i]);
}

Napi::Value metaBuffer(Napi::Env env) {
  auto ab = Napi::ArrayBuffer::New(env, g_meta, sizeof(g_meta));
  return Napi::Float64Array::New(env, sizeof(g_meta) / sizeof(double), ab, 0);
}

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  TORCH_CHECK(t.defined(), "internal: wrapping an undefined tensor");
  writeMeta(t);
  return Napi::Number::New(env, store(std::move(t)));
}

Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts) {
  auto arr = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); ++i) arr.Set(static_cast<uint32_t>(i), ts[i].defined() ? wrap(env, ts[i]) : env.Null());
  return arr;
}

// ---- parsing ----

at::ScalarType parseDtype(const std::string& s) {
  for (const auto& d : kDtypes)
    if (s == d.name) return d.type;
  throw std::invalid_argument("unknown dtype '" + s +
                              "' (expected float32, float16, bfloat16, int64, int32, uint8, bool, float64, int8 or int16)");
}

const char* dtypeName(at::ScalarType t) {
  for (const auto& d : kDtypes)
    if (t == d.type) return d.name;
  return c10::toString(t);
}

at::Device parseDevice(const std::string& s) {
  const bool ok = s == "cpu" || s == "cuda" ||
                  (s.rfind("cuda:", 0) == 0 && s.size() > 5 && s.find_first_not_of("0123456789", 5) == std::string::npos);
  if (!ok) throw std::invalid_argument("unknown device '" + s + "' (expected cpu, cuda or cuda:N)");
  at::Device dev(s);
  if (dev.is_cuda()) {
    if (!at::hasCUDA()) throw std::runtime_error("device '" + s + "' requested but CUDA is not available (libtorch " +
                                                 SHAPESEG_LIBTORCH_VERSION + " from " + SHAPESEG_LIBTORCH_PATH + ")");
    const int n = at::detail::getCUDAHooks().getNumGPUs();
    if (dev.has_index() && dev.index() >= n)
      throw std::invalid_argument("device '" + s + "' out of range: " + std::to_string(n) + " CUDA device(s)");
  }
  return dev;
}

at::MemoryFormat parseMemoryFormat(const std::string& s) {
  if (s == "contiguous") return at::MemoryFormat::Contiguous;
  if (s == "channelsLast") return at::MemoryFormat::ChannelsLast;
  if (s == "preserve") return at::MemoryFormat::Preserve;
  throw std::invalid_argument("unknown memory format '" + s + "' (expected contiguous or channelsLast)");
}

std::string firstLine(const char* msg) {
  std::string s(msg);
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// ---- Args ----

void Args::typeError(size_t i, const char* expected) const {
  throw Napi::TypeError::New(env(), "argument " + std::to_string(i) + ": expected " + expected);
}

at::Tensor& tensorOf(Napi::Env env, const Napi::Value& v, const std::string& what) {
  at::Tensor* t = nullptr;
  const Lookup r = v.IsNumber() ? lookup(v.As<Napi::Number>().DoubleValue(), &t) : Lookup::NotId;
  if (r == Lookup::NotId) throw Napi::TypeError::New(env, what + ": expected a Tensor");
  if (r == Lookup::Disposed) throw Napi::Error::New(env, "tensor used after dispose()");
  return *t;
}

at::Tensor& Args::t(size_t i) const {
  at::Tensor* t = nullptr;
  const Lookup r = i < info_.Length() && info_[i].IsNumber() ? lookup(info_[i].As<Napi::Number>().DoubleValue(), &t) : Lookup::NotId;
  if (r == Lookup::Ok) return *t;
  if (r == Lookup::Disposed) throw Napi::Error::New(env(), "tensor used after dispose()");
  typeError(i, "a Tensor");
}

c10::optional<at::Tensor> Args::optT(size_t i) const {
  if (!has(i)) return c10::nullopt;
  return t(i);
}

std::vector<at::Tensor> Args::tensors(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsArray()) typeError(i, "an array of Tensors");
  auto arr = info_[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    out.push_back(tensorOf(env(), arr.Get(k), "argument " + std::to_string(i) + "[" + std::to_string(k) + "]"));
  }
  return out;
}

double Args::d(size_t i) const {
  if (i < info_.Length() && info_[i].IsNumber()) return info_[i].As<Napi::Number>().DoubleValue();
  if (i < info_.Length() && info_[i].IsBoolean()) return info_[i].As<Napi::Boolean>().Value() ? 1 : 0;
  typeError(i, "a number");
}

int64_t Args::i64(size_t i) const {
  const double v = d(i);
  if (v != static_cast<double>(static_cast<int64_t>(v))) typeError(i, "an integer");
  return static_cast<int64_t>(v);
}

bool Args::b(size_t i) const {
  if (i < info_.Length() && info_[i].IsBoolean()) return info_[i].As<Napi::Boolean>().Value();
  typeError(i, "a boolean");
}

std::string Args::s(size_t i) const {
  if (i < info_.Length() && info_[i].IsString()) return info_[i].As<Napi::String>().Utf8Value();
  typeError(i, "a string");
}

std::vector<int64_t> Args::ints(size_t i) const {
  if (i < info_.Length() && info_[i].IsNumber()) return {i64(i)};
  if (i >= info_.Length() || !info_[i].IsArray()) typeError(i, "an array of integers");
  auto arr = info_[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value v = arr.Get(k);
    const double x = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : 0.5;
    if (x != static_cast<double>(static_cast<int64_t>(x)))
      throw Napi::TypeError::New(env(), "argument " + std::to_string(i) + "[" + std::to_string(k) + "]: expected an integer");
    out[k] = static_cast<int64_t>(x);
  }
  return out;
}

at::Scalar Args::scalar(size_t i) const {
  if (i < info_.Length() && info_[i].IsBoolean()) return at::Scalar(info_[i].As<Napi::Boolean>().Value());
  const double v = d(i);
  // Integral numbers stay integral so int tensors are not promoted to float (as in Python).
  if (v == static_cast<double>(static_cast<int64_t>(v)) && std::abs(v) < 9.007199254740992e15) return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}

at::Tensor Args::scalarTensor(size_t i, const at::Tensor& like) const {
  return at::scalar_tensor(scalar(i), like.options().requires_grad(false));
}

void reg(Napi::Env env, Napi::Object exports, const char* name, NativeFn fn) {
  exports.Set(name, Napi::Function::New(
                        env, [fn = std::move(fn)](const Napi::CallbackInfo& info) { return guard(info, fn); }, name));
}

// ---- data in/out and handle-level queries ----

namespace {

/** A contiguous CPU tensor with the same values (no copy when t already is one). */
at::Tensor hostContiguous(const at::Tensor& t) { return t.detach().to(at::kCPU).contiguous(); }

Napi::Value copyOut(Napi::Env env, const at::Tensor& host) {
  const size_t n = host.numel() * c10::elementSize(host.scalar_type());
  auto ab = Napi::ArrayBuffer::New(env, n);
  if (n) std::memcpy(ab.Data(), host.data_ptr(), n);
  return ab;
}

}  // namespace

void initHandle(Napi::Env env, Napi::Object exports) {
  exports.Set("metaBuffer", metaBuffer(env));
  {
    auto names = Napi::Array::New(env);
    for (const auto& d : kDtypes) names.Set(static_cast<uint32_t>(static_cast<int>(d.type)), d.name);
    exports.Set("dtypeNames", names);
  }
  reg(env, exports, "dispose", [](const Args& a) {
    if (!a.info()[0].IsNumber()) throw Napi::TypeError::New(a.env(), "dispose: expected a tensor id");
    return Napi::Boolean::New(a.env(), release(a.d(0)));
  });
  reg(env, exports, "nativeLiveCount", [](const Args& a) { return Napi::Number::New(a.env(), static_cast<double>(table().live)); });
  reg(env, exports, "meta", [](const Args& a) {
    writeMeta(a.t(0));
    return a.env().Undefined();
  });
  // fromBuffer(bytes: Uint8Array, shape, dtype, device?, targetDtype?)
  reg(env, exports, "fromBuffer", [](const Args& a) {
    if (!a.info()[0].IsTypedArray() && !a.info()[0].IsArrayBuffer())
      throw Napi::TypeError::New(a.env(), "fromBuffer: data must be a Uint8Array, Buffer or typed array");
    const uint8_t* src;
    size_t bytes;
    if (a.info()[0].IsArrayBuffer()) {
      auto ab = a.info()[0].As<Napi::ArrayBuffer>();
      src = static_cast<const uint8_t*>(ab.Data());
      bytes = ab.ByteLength();
    } else {
      auto ta = a.info()[0].As<Napi::TypedArray>();
      src = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
      bytes = ta.ByteLength();
    }
    const auto shape = a.ints(1);
    for (auto s : shape)
      if (s < 0) throw std::invalid_argument("fromBuffer: negative size in shape");
    const auto dtype = parseDtype(a.s(2));
    int64_t numel = 1;
    for (auto s : shape) numel *= s;
    const size_t expect = static_cast<size_t>(numel) * c10::elementSize(dtype);
    if (bytes != expect)
      throw std::invalid_argument("fromBuffer: shape [" + c10::Join(", ", shape) + "] of " + dtypeName(dtype) + " needs " +
                                  std::to_string(expect) + " bytes, got " + std::to_string(bytes));
    // Optional device and target dtype: one conversion on the way in.
    auto opts = at::TensorOptions().dtype(dtype);
    if (a.has(3)) opts = opts.device(parseDevice(a.s(3)));
    if (a.has(4)) opts = opts.dtype(parseDtype(a.s(4)));
    // Bound for CUDA: stage in pinned memory (libtorch's caching host allocator reuses the blocks) and copy
    // without blocking, so the host queues the next kernels instead of waiting for the device to drain
    // (a pageable copy synchronises with the stream).
    const bool toCuda = opts.device().is_cuda();
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype).pinned_memory(toCuda));
    if (expect) std::memcpy(t.data_ptr(), src, expect);
    t = t.to(opts, /*non_blocking=*/toCuda);
    return wrap(a.env(), std::move(t));
  });
  // toBytes(t): exact bytes in own dtype, row-major.
  reg(env, exports, "toBytes", [](const Args& a) { return copyOut(a.env(), hostContiguous(a.t(0))); });
  // toArrayBytes(t): float16/bfloat16 -> float32, bool -> uint8, int8/int16 -> int32; the other dtypes as is.
  reg(env, exports, "toArrayBytes", [](const Args& a) {
    at::Tensor t = a.t(0).detach();
    const auto st = t.scalar_type();
    if (st == at::kHalf || st == at::kBFloat16) t = t.to(at::kFloat);
    else if (st == at::kBool) t = t.to(at::kByte);
    else if (st != at::kFloat && st != at::kDouble && st != at::kInt && st != at::kLong && st != at::kByte) t = t.to(at::kInt);
    return copyOut(a.env(), hostContiguous(t));
  });
  reg(env, exports, "item", [](const Args& a) {
    const at::Tensor& t = a.t(0);
    TORCH_CHECK(t.numel() == 1, "item(): a Tensor with ", t.numel(), " elements cannot be converted to a number");
    return Napi::Number::New(a.env(), t.item<double>());
  });
  reg(env, exports, "isContiguous", [](const Args& a) {
    return Napi::Boolean::New(a.env(), a.t(0).is_contiguous(a.has(1) ? parseMemoryFormat(a.s(1)) : at::MemoryFormat::Contiguous));
  });
  reg(env, exports, "dataPtrEqual", [](const Args& a) {
    return Napi::Boolean::New(a.env(), a.t(0).data_ptr() == a.t(1).data_ptr());
  });
}

}  // namespace shapeseg
