// Devices, threads and build information.
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>

// Allocator statistics need the CUDA runtime headers; everything else goes through ATen's CUDA hooks,
// so a CUDA libtorch without a CUDA toolkit still builds (cudaMaxMemoryAllocated then reports -1).
#if defined(SHAPESEG_WITH_CUDA) && defined(SHAPESEG_WITH_CUDA_HEADERS)
#define SHAPESEG_CUDA_STATS 1
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

#include "common.h"

#ifndef SHAPESEG_LIBTORCH_VERSION
#define SHAPESEG_LIBTORCH_VERSION "unknown"
#endif
#ifndef SHAPESEG_BUILD_DATE
#define SHAPESEG_BUILD_DATE __DATE__ " " __TIME__
#endif

namespace shapeseg {

namespace {

int cudaCount() { return at::hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0; }

std::string compilerName() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("g++ ") + __VERSION__;
#else
  return "unknown";
#endif
}

/** The device an optional argument names, else the current one. */
int64_t cudaDeviceArg(const Args& a, size_t i) {
  return a.has(i) ? a.i64(i) : at::detail::getCUDAHooks().current_device();
}

}  // namespace

void initBackend(Napi::Env env, Napi::Object exports) {
  reg(env, exports, "cudaIsAvailable", [](const Args& a) { return Napi::Boolean::New(a.env(), cudaCount() > 0); });
  reg(env, exports, "cudaDeviceCount", [](const Args& a) { return Napi::Number::New(a.env(), cudaCount()); });
  reg(env, exports, "setNumThreads", [](const Args& a) {
    const int64_t n = a.i64(0);
    if (n < 1) throw std::invalid_argument("setNumThreads: expected a positive count, got " + std::to_string(n));
    at::set_num_threads(static_cast<int>(n));
    return a.env().Undefined();
  });
  reg(env, exports, "getNumThreads", [](const Args& a) { return Napi::Number::New(a.env(), at::get_num_threads()); });
  reg(env, exports, "setCudnnBenchmark", [](const Args& a) {
    at::globalContext().setBenchmarkCuDNN(a.b(0));
    return a.env().Undefined();
  });
  // setAllowTF32(cublas, cudnn): torch.backends.cuda.matmul.allow_tf32 / torch.backends.cudnn.allow_tf32
  // (parity runs turn both off: TF32 rounds fp32 matmul/conv inputs to 10 mantissa bits).
  reg(env, exports, "setAllowTF32", [](const Args& a) {
    at::globalContext().setAllowTF32CuBLAS(a.b(0));
    at::globalContext().setAllowTF32CuDNN(a.b(1));
    return a.env().Undefined();
  });
  reg(env, exports, "cudaSynchronize", [](const Args& a) {
    if (cudaCount() > 0) at::detail::getCUDAHooks().deviceSynchronize(cudaDeviceArg(a, 0));
    return a.env().Undefined();
  });
  reg(env, exports, "cudaMaxMemoryAllocated", [](const Args& a) {
    double peak = 0;
    if (cudaCount() > 0) {
#ifdef SHAPESEG_CUDA_STATS
      const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<int>(cudaDeviceArg(a, 0)));
      peak = static_cast<double>(stats.allocated_bytes[0].peak);  // StatType::AGGREGATE
#else
      peak = -1;
#endif
    }
    return Napi::Number::New(a.env(), peak);
  });
  reg(env, exports, "cudaResetPeakMemoryStats", [](const Args& a) {
#ifdef SHAPESEG_CUDA_STATS
    if (cudaCount() > 0) c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<int>(cudaDeviceArg(a, 0)));
#endif
    return a.env().Undefined();
  });
  reg(env, exports, "backendInfo", [](const Args& a) {
    Napi::Env e = a.env();
    auto info = Napi::Object::New(e);
    info.Set("libtorchVersion", SHAPESEG_LIBTORCH_VERSION);
    info.Set("libtorchPath", SHAPESEG_LIBTORCH_PATH);
    info.Set("libtorchFoundBy", SHAPESEG_LIBTORCH_HOW);
#ifdef SHAPESEG_WITH_CUDA
    info.Set("cudaCompiled", true);
#else
    info.Set("cudaCompiled", false);
#endif
    const int n = cudaCount();
    info.Set("cuda", n > 0);
    info.Set("cudnn", n > 0 && at::detail::getCUDAHooks().hasCuDNN());
    auto tf32 = Napi::Object::New(e);
    tf32.Set("cublas", at::globalContext().allowTF32CuBLAS());
    tf32.Set("cudnn", at::globalContext().allowTF32CuDNN());
    info.Set("allowTF32", tf32);
    info.Set("threads", at::get_num_threads());
    auto devices = Napi::Array::New(e);
    devices.Set(0u, "cpu");
    for (int i = 0; i < n; ++i) devices.Set(static_cast<uint32_t>(i + 1), "cuda:" + std::to_string(i));
    info.Set("devices", devices);
    info.Set("parallelInfo", at::get_parallel_info());
    auto addon = Napi::Object::New(e);
    addon.Set("built", SHAPESEG_BUILD_DATE);
    addon.Set("compiler", compilerName());
    info.Set("addon", addon);
    return info;
  });
}

}  // namespace shapeseg
