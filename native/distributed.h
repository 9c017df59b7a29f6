// Process groups over libtorch's c10d (TCPStore rendezvous, Gloo on CPU, NCCL on CUDA): see distributed.cc.
#pragma once

#include <napi.h>

namespace shapeseg {

/** Registers dist* functions (init, allReduce, broadcast, allGather, barrier, destroy) on the exports. */
void initDistributed(Napi::Env env, Napi::Object exports);

}  // namespace shapeseg
