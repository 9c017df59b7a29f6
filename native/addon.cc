// Entry point of the shapeseg addon: every concern registers its functions on the exports object.
#include "common.h"

namespace shapeseg {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  initHandle(env, exports);
  initCreation(env, exports);
  initOps(env, exports);
  initNnOps(env, exports);
  initAutograd(env, exports);
  initBackend(env, exports);
  return exports;
}

}  // namespace shapeseg

static Napi::Object InitShapeseg(Napi::Env env, Napi::Object exports) { return shapeseg::Init(env, exports); }

NODE_API_MODULE(shapeseg, InitShapeseg)
