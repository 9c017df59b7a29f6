// What the process group (distributed.cc) offers the addon's other distributed files.
#pragma once

#include <napi.h>
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>

#include <functional>

#include "compat.h"

namespace shapeseg {

/** A collective started and not yet waited for. */
struct PendingCollective {
  const char* op;
  int64_t seq;
  c10::intrusive_ptr<c10d::Work> work;
};

/** Starts one collective of this process's group (numbered, so a failure can name the rank at fault). */
PendingCollective startCollective(const char* op, const std::function<c10::intrusive_ptr<c10d::Work>(compat::C10dBackend&)>& start);
/** Waits for a started collective within the group's timeout; failures name the rank at fault. */
void waitCollective(const PendingCollective& p);
/** Runs one collective of this process's group to completion within its timeout; failures name the rank at fault. */
void runCollective(const char* op, const std::function<c10::intrusive_ptr<c10d::Work>(compat::C10dBackend&)>& start);
/** The world size of this process's group (throws naming op when there is none). */
int groupSize(const char* op);
/** Registers distSyncBatchNorm (distributed_sync_bn.cc). */
void initSyncBatchNorm(Napi::Env env, Napi::Object exports);
/** Registers distReducer* (distributed_reducer.cc): gradient all-reduce overlapped with backward. */
void initReducer(Napi::Env env, Napi::Object exports);

}  // namespace shapeseg
