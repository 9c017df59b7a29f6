// A caching CPU allocator for large blocks. libtorch's CPU allocator is malloc, and glibc always mmaps blocks
// above its largest mmap threshold (32 MiB) and munmaps them on free, so every training step faults the big
// activations back in page by page: ~30k minor faults per ResNet-101 OS 16 step on CPU after tuneMalloc()
// (docs/benchmarks.md). Blocks from 32 MiB up are kept here on free and handed out again for requests of the
// same rounded size; smaller ones go to the allocator that was installed before (malloc, which tuneMalloc()
// keeps from trimming). Freed blocks beyond a cap go back to the OS.
#include "common.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>

namespace shapeseg {

namespace {

constexpr size_t kMiB = size_t{1} << 20;
// glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit: below it, tuneMalloc() already keeps freed memory in the heap.
constexpr size_t kLargeBlock = 32 * kMiB;
// Sizes are rounded to 2 MiB so that shapes differing by a few rows share blocks.
constexpr size_t kRound = 2 * kMiB;
// A free block may serve a request up to this much smaller (in eighths of the block): bounds the waste.
constexpr size_t kSlackEighths = 1;
constexpr size_t kAlignment = 64;

class LargeBlockCache final : public c10::Allocator {
 public:
  LargeBlockCache(c10::Allocator* fallback, size_t capBytes) : fallback_(fallback), cap_(capBytes) {}

  // libtorch 1.13 declares allocate() const, 2.x non-const: defining both overrides whichever the headers have.
  c10::DataPtr allocate(size_t n) const { return const_cast<LargeBlockCache*>(this)->take(n); }
  c10::DataPtr allocate(size_t n) { return take(n); }

  // Pure virtual in libtorch 2.x (Allocator::clone), a plain member in 1.13.
  void copy_data(void* dest, const void* src, std::size_t count) const {
    if (count > 0) std::memcpy(dest, src, count);
  }

  // Raw callers (oneDNN's scratch memory) free by pointer: one deleter for both kinds of block.
  c10::DeleterFnPtr raw_deleter() const override { return &freeRaw; }

  /** Statistics for tests and the bench: cached (free) bytes, blocks in use, hits, misses, bytes released. */
  Napi::Object stats(Napi::Env env) {
    std::lock_guard<std::mutex> lock(mu_);
    auto o = Napi::Object::New(env);
    o.Set("cachedBytes", Napi::Number::New(env, static_cast<double>(cachedBytes_)));
    o.Set("liveBlocks", Napi::Number::New(env, static_cast<double>(live_.size())));
    o.Set("hits", Napi::Number::New(env, static_cast<double>(hits_)));
    o.Set("misses", Napi::Number::New(env, static_cast<double>(misses_)));
    o.Set("capBytes", Napi::Number::New(env, static_cast<double>(cap_)));
    return o;
  }

  /** Returns every cached block to the OS. */
  void emptyCache() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [size, p] : free_) std::free(p);
    free_.clear();
    cachedBytes_ = 0;
  }

  static LargeBlockCache* instance;

 private:
  c10::DataPtr take(size_t n) {
    if (n < kLargeBlock) return fallback_->allocate(n);
    const size_t rounded = (n + kRound - 1) / kRound * kRound;
    void* p = nullptr;
    size_t size = rounded;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.lower_bound(rounded);
      if (it != free_.end() && it->first - rounded <= it->first / 8 * kSlackEighths) {
        size = it->first;
        p = it->second;
        cachedBytes_ -= size;
        free_.erase(it);
        ++hits_;
      } else {
        ++misses_;
      }
    }
    if (p == nullptr) p = fresh(size);
    {
      std::lock_guard<std::mutex> lock(mu_);
      live_[p] = size;
    }
    return {p, p, &freeRaw, c10::Device(c10::DeviceType::CPU)};
  }

  void* fresh(size_t size) {
    void* p = nullptr;
    if (posix_memalign(&p, kAlignment, size) != 0) {
      emptyCache();  // memory held in the cache may be what is missing
      if (posix_memalign(&p, kAlignment, size) != 0)
        TORCH_CHECK(false, "DefaultCPUAllocator: not enough memory: you tried to allocate ", size, " bytes.");
    }
    return p;
  }

  void give(void* p) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(p);
    if (it == live_.end()) {
      fallback_->raw_deleter()(p);
      return;
    }
    free_.emplace(it->second, p);
    cachedBytes_ += it->second;
    live_.erase(it);
    // over the cap: release the largest cached blocks first (the rarest sizes in practice)
    while (cachedBytes_ > cap_ && !free_.empty()) {
      auto largest = std::prev(free_.end());
      cachedBytes_ -= largest->first;
      std::free(largest->second);
      free_.erase(largest);
    }
  }

  static void freeRaw(void* p) {
    if (p != nullptr) instance->give(p);
  }

  c10::Allocator* fallback_;
  size_t cap_;
  std::mutex mu_;
  std::multimap<size_t, void*> free_;
  std::unordered_map<void*, size_t> live_;
  size_t cachedBytes_ = 0;
  uint64_t hits_ = 0, misses_ = 0;
};

LargeBlockCache* LargeBlockCache::instance = nullptr;

/** Cap on cached free bytes from SHAPESEG_CPU_CACHE_MB (default 2048; 0 turns the cache off). */
size_t cacheCapFromEnv() {
  const char* v = std::getenv("SHAPESEG_CPU_CACHE_MB");
  if (v == nullptr || *v == '\0') return 2048 * kMiB;
  return static_cast<size_t>(std::strtoull(v, nullptr, 10)) * kMiB;
}

void installOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    const size_t cap = cacheCapFromEnv();
    if (cap == 0 || std::getenv("SHAPESEG_SYSTEM_MALLOC") != nullptr) return;
    // leaked on purpose: tensors may still be freed during static destruction at exit
    LargeBlockCache::instance = new LargeBlockCache(c10::GetCPUAllocator(), cap);
    c10::SetCPUAllocator(LargeBlockCache::instance, /*priority=*/1);
  });
}

Napi::Value CpuCacheStats(const Napi::CallbackInfo& info) {
  if (LargeBlockCache::instance == nullptr) return info.Env().Null();
  return LargeBlockCache::instance->stats(info.Env());
}

Napi::Value CpuEmptyCache(const Napi::CallbackInfo& info) {
  if (LargeBlockCache::instance != nullptr) LargeBlockCache::instance->emptyCache();
  return info.Env().Undefined();
}

}  // namespace

void initCpuAllocator(Napi::Env env, Napi::Object exports) {
  installOnce();
  exports.Set("cpuCacheStats", Napi::Function::New(env, CpuCacheStats));
  exports.Set("cpuEmptyCache", Napi::Function::New(env, CpuEmptyCache));
}

}  // namespace shapeseg
