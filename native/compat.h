// The calls whose spelling differs between the libtorch versions users have (Debian's 1.13, the pip wheels' and
// Debian's 2.x): every version test of the addon lives here, so the rest of native/ reads as one API.
// scripts/compile-check.sh compiles the addon against 2.x CPU and CUDA headers; the build itself covers 1.13.
#pragma once

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <type_traits>

namespace c10d {
class Backend;
class ProcessGroup;
}  // namespace c10d

namespace shapeseg {
namespace compat {

/** The default generator of CUDA device i. Context::defaultGenerator exists in every version, unlike the hooks'
 * getDefaultCUDAGenerator (gone in 2.x: AcceleratorHooksInterface::getDefaultGenerator replaced it). */
inline at::Generator cudaDefaultGenerator(int i) {
  return at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i)));
}

/** Whether CPU autocast takes float16 (2.0 added it; 1.13 has bfloat16 only). */
constexpr bool kCpuAutocastHalf = TORCH_VERSION_MAJOR >= 2;

// libtorch 2.4 replaced the per-device autocast setters by ones taking a device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
inline bool autocastEnabled(at::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
inline void setAutocastEnabled(at::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
inline at::ScalarType autocastDtype(at::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
inline void setAutocastDtype(at::DeviceType d, at::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
inline bool autocastEnabled(at::DeviceType d) {
  return d == at::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
}
inline void setAutocastEnabled(at::DeviceType d, bool on) {
  if (d == at::kCPU) at::autocast::set_cpu_enabled(on);
  else at::autocast::set_enabled(on);
}
inline at::ScalarType autocastDtype(at::DeviceType d) {
  return d == at::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
inline void setAutocastDtype(at::DeviceType d, at::ScalarType t) {
  if (d == at::kCPU) at::autocast::set_autocast_cpu_dtype(t);
  else at::autocast::set_autocast_gpu_dtype(t);
}
#endif

/** The class of one c10d process group implementation (Gloo, NCCL): libtorch 2.0 made them c10d::Backends (and
 * ProcessGroup a per-device dispatcher over backends); in 1.13 they are ProcessGroups. The addon holds one directly. */
using C10dBackend = std::conditional_t<(TORCH_VERSION_MAJOR >= 2), c10d::Backend, c10d::ProcessGroup>;

}  // namespace compat
}  // namespace shapeseg
