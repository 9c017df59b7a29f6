// Shared helpers for the shapeseg addon: the tensor handle, argument unwrapping, result wrapping and
// the one place where C++ exceptions become JavaScript Errors.
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace shapeseg {

// Tensors live in a native table; JS holds a number id = generation * 2^24 + slot. dispose() frees the slot
// at once. The ids are plain numbers rather than N-API wrapped objects with native finalizers, because Node runs
// those from the event loop, so synchronous training loops would pile up wrappers; src/tensor/tensor.ts's
// FinalizationRegistry frees never-disposed ids only as a safety net. A stale id (disposed, slot reused) fails
// the generation check.

/** The tensor held by v; what names v in the TypeError (not a Tensor id) / Error (disposed). */
at::Tensor& tensorOf(Napi::Env env, const Napi::Value& v, const std::string& what);

/** Stores t in the table and returns its id, publishing its metadata (see writeMeta). */
Napi::Value wrap(Napi::Env env, at::Tensor t);
/** An array of ids (null for undefined tensors; metadata is fetched per id by the caller). */
Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts);
/** Writes dtype, device and shape of t into the shared metadata buffer read by src/tensor/tensor.ts. */
void writeMeta(const at::Tensor& t);
/** The shared metadata buffer as a Float64Array over native memory. */
Napi::Value metaBuffer(Napi::Env env);

at::ScalarType parseDtype(const std::string& s);
const char* dtypeName(at::ScalarType t);
at::Device parseDevice(const std::string& s);
at::MemoryFormat parseMemoryFormat(const std::string& s);
/** The first line of a libtorch message (c10::Error::what_without_backtrace has context lines). */
std::string firstLine(const char* msg);

/** Typed access to the arguments of a native call; every accessor names the argument on error. */
class Args {
 public:
  explicit Args(const Napi::CallbackInfo& info) : info_(info) {}
  Napi::Env env() const { return info_.Env(); }
  size_t size() const { return info_.Length(); }
  bool has(size_t i) const { return i < info_.Length() && !info_[i].IsUndefined() && !info_[i].IsNull(); }
  at::Tensor& t(size_t i) const;
  c10::optional<at::Tensor> optT(size_t i) const;
  std::vector<at::Tensor> tensors(size_t i) const;
  double d(size_t i) const;
  double d(size_t i, double def) const { return has(i) ? d(i) : def; }
  c10::optional<double> optD(size_t i) const { return has(i) ? c10::optional<double>(d(i)) : c10::nullopt; }
  int64_t i64(size_t i) const;
  int64_t i64(size_t i, int64_t def) const { return has(i) ? i64(i) : def; }
  bool b(size_t i) const;
  bool b(size_t i, bool def) const { return has(i) ? b(i) : def; }
  std::string s(size_t i) const;
  std::vector<int64_t> ints(size_t i) const;
  /** A number (or bool) argument as an at::Scalar. */
  at::Scalar scalar(size_t i) const;
  /** A number turned into a 0-d tensor of like's dtype/device (for ops with no Scalar overload). */
  at::Tensor scalarTensor(size_t i, const at::Tensor& like) const;
  const Napi::CallbackInfo& info() const { return info_; }

 private:
  [[noreturn]] void typeError(size_t i, const char* expected) const;
  const Napi::CallbackInfo& info_;
};

/** Runs f, turning c10::Error and std::exception into a JS Error (message without backtrace). */
template <typename F>
Napi::Value guard(const Napi::CallbackInfo& info, F&& f) {
  try {
    return f(Args(info));
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), firstLine(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

using NativeFn = std::function<Napi::Value(const Args&)>;

/** Exports fn under name, wrapped by guard(). */
void reg(Napi::Env env, Napi::Object exports, const char* name, NativeFn fn);

// Each concern registers its exports.
void initHandle(Napi::Env env, Napi::Object exports);
void initCreation(Napi::Env env, Napi::Object exports);
void initOps(Napi::Env env, Napi::Object exports);
void initNnOps(Napi::Env env, Napi::Object exports);
void initAutograd(Napi::Env env, Napi::Object exports);
void initBackend(Napi::Env env, Napi::Object exports);
void initCpuAllocator(Napi::Env env, Napi::Object exports);

}  // namespace shapeseg
