// Entry point of the shapeseg addon: every concern registers its functions on the exports object.
#include "common.h"
#include "distributed.h"

#include <malloc.h>

#include <climits>
#include <cstdlib>

namespace shapeseg {

// glibc returns every large (>= 128 KiB by default) block to the OS on free and faults it back in on
// the next allocation: ~60k page faults per ResNet-101 training step on CPU, ~100 ms of an 800 ms step
// (docs/benchmarks.md). Keeping freed memory in the heap made CPU training 7-9% and inference 8%
// faster with the same peak RSS. Skipped when the user tunes malloc through the environment. Blocks above
// glibc's 32 MiB mmap ceiling are cached by cpu_allocator.cc instead.
static void tuneMalloc() {
  if (getenv("MALLOC_MMAP_THRESHOLD_") || getenv("MALLOC_TRIM_THRESHOLD_") || getenv("SHAPESEG_SYSTEM_MALLOC")) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
  mallopt(M_TOP_PAD, 256 << 20);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tuneMalloc();
  initCpuAllocator(env, exports);
  initHandle(env, exports);
  initCreation(env, exports);
  initOps(env, exports);
  initNnOps(env, exports);
  initAutograd(env, exports);
  initBackend(env, exports);
  initDistributed(env, exports);
  return exports;
}

}  // namespace shapeseg

static Napi::Object InitShapeseg(Napi::Env env, Napi::Object exports) { return shapeseg::Init(env, exports); }

NODE_API_MODULE(shapeseg, InitShapeseg)
