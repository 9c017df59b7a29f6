// What the process group (distributed.cc) offers the addon's other distributed files.
#pragma once

#include <napi.h>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/version.h>
#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#endif

#include <functional>

namespace shapeseg {

// libtorch 2.0 split c10d's ProcessGroup into a dispatcher and backends: ProcessGroupGloo/NCCL derive from
// c10d::Backend there (from ProcessGroup in 1.13), and the collectives we call have the same signatures on both.
// (The one c10d version test of the addon; the others are in compat.h.)
#if TORCH_VERSION_MAJOR >= 2
using CollectiveGroup = c10d::Backend;
#else
using CollectiveGroup = c10d::ProcessGroup;
#endif

/** Runs one collective of this process's group to completion within its timeout; failures name the rank at fault. */
void runCollective(const char* op, const std::function<c10::intrusive_ptr<c10d::Work>(CollectiveGroup&)>& start);
/** The world size of this process's group (throws naming op when there is none). */
int groupSize(const char* op);
/** Registers distSyncBatchNorm (distributed_sync_bn.cc). */
void initSyncBatchNorm(Napi::Env env, Napi::Object exports);

}  // namespace shapeseg
