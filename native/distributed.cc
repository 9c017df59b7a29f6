// One process group per process over libtorch's c10d, the engine under torch.distributed: rendezvous through
// TCPStore (rank 0 hosts it), ProcessGroupGloo on CPU, ProcessGroupNCCL on CUDA (when built with USE_C10D_NCCL).
// Collectives are synchronous (the caller's tensors are ready when the call returns) and bounded by the group's
// timeout. Failures are diagnosed through the store: every rank bumps a heartbeat counter from a background
// thread and records the number of the collective it entered, so the error names the rank that died (no
// heartbeat) or hangs (alive but behind), instead of Gloo's "connection closed by peer [addr]:port".
#include "distributed.h"

#include "common.h"
#include "distributed_internal.h"

// Debian's and PyTorch's own libtorch builds contain Gloo; its headers come with libgloo-dev (Debian) and are
// absent from some distributions, in which case only the "gloo" backend is missing (init says so; SHAPESEG_NO_GLOO
// builds that case on purpose).
#if __has_include(<gloo/config.h>) && !defined(SHAPESEG_NO_GLOO)
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#endif

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

namespace shapeseg {

namespace {

using Millis = std::chrono::milliseconds;

// Heartbeats are cheap (one store round trip); a dead rank is one whose counter stops for several beats.
constexpr Millis kBeatInterval{250};
constexpr Millis kProbeWindow{1500};
constexpr Millis kProbeConnectTimeout{2000};

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }
std::string text(const std::vector<uint8_t>& b) { return {b.begin(), b.end()}; }
std::string rankKey(const char* what, int rank) { return std::string("shapeseg/") + what + "/" + std::to_string(rank); }

c10::intrusive_ptr<c10d::TCPStore> connectStore(const std::string& addr, int port, bool server, int size, Millis timeout) {
  c10d::TCPStoreOptions o;
  o.port = static_cast<std::uint16_t>(port);
  o.isServer = server;
  o.numWorkers = size;
  o.waitWorkers = false;  // we rendezvous ourselves, to name the ranks that never came
  o.timeout = timeout;
  return c10::make_intrusive<c10d::TCPStore>(addr, o);
}

/** The message of any exception, without libtorch's backtrace. */
std::string messageOf(const std::exception& e) {
  if (auto* ce = dynamic_cast<const c10::Error*>(&e)) return firstLine(ce->what_without_backtrace());
  return firstLine(e.what());
}

struct Group {
  int rank = 0;
  int size = 1;
  std::string backend;
  std::string addr;
  int port = 0;
  Millis timeout{0};
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<compat::C10dBackend> pg;
  int64_t seq = 0;

  std::thread beat;
  std::mutex beatMutex;
  std::condition_variable beatCv;
  bool stopBeat = false;

  ~Group() { stopHeartbeat(); }

  void startHeartbeat() {
    // Its own store connection: TCPStore clients are not meant to be shared across threads mid-operation.
    auto client = connectStore(addr, port, false, size, timeout);
    const std::string key = rankKey("beat", rank);
    beat = std::thread([this, client, key]() {
      std::unique_lock<std::mutex> lock(beatMutex);
      while (!stopBeat) {
        try {
          client->add(key, 1);
        } catch (...) {
          return;  // the store is gone (rank 0 ended): collectives will report it
        }
        beatCv.wait_for(lock, kBeatInterval, [this] { return stopBeat; });
      }
    });
  }

  void stopHeartbeat() {
    {
      std::lock_guard<std::mutex> lock(beatMutex);
      stopBeat = true;
    }
    beatCv.notify_all();
    if (beat.joinable()) beat.join();
  }
};

std::unique_ptr<Group> group;

Group& current(const char* op) {
  if (!group) throw std::runtime_error(std::string("distributed ") + op + ": no process group (call init first)");
  return *group;
}

/** Reads the integer counters under what/<rank> for every rank (-1 where absent). */
std::vector<int64_t> readCounters(c10d::Store& store, const char* what, int size) {
  std::vector<int64_t> out(size, -1);
  for (int r = 0; r < size; ++r) {
    const std::string key = rankKey(what, r);
    if (store.check({key})) out[r] = std::stoll(text(store.get(key)));
  }
  return out;
}

/** Names the ranks that died (heartbeat stopped) or hang (alive, behind collective #seq); "" if none found. */
std::string suspects(const Group& g, int64_t seq) {
  std::ostringstream out;
  c10::intrusive_ptr<c10d::TCPStore> probe;
  try {
    probe = connectStore(g.addr, g.port, false, g.size, kProbeConnectTimeout);
  } catch (const std::exception&) {
    out << "rank 0 (host of the rendezvous store " << g.addr << ":" << g.port << ") is unreachable: it died or was killed";
    return out.str();
  }
  try {
    const auto before = readCounters(*probe, "beat", g.size);
    std::this_thread::sleep_for(kProbeWindow);
    const auto after = readCounters(*probe, "beat", g.size);
    const auto seqs = readCounters(*probe, "seq", g.size);
    std::string sep;
    for (int r = 0; r < g.size; ++r) {
      if (r == g.rank) continue;
      if (after[r] == before[r]) {
        out << sep << "rank " << r << " died or was killed (no heartbeat for " << kProbeWindow.count() << " ms)";
        sep = "; ";
      } else if (seqs[r] < seq) {
        out << sep << "rank " << r << " hangs (alive, but at collective #" << std::max<int64_t>(seqs[r], 0) << ")";
        sep = "; ";
      }
    }
  } catch (const std::exception&) {
    out << "rank 0 (host of the rendezvous store " << g.addr << ":" << g.port << ") stopped answering: it died or was killed";
  }
  return out.str();
}

}  // namespace

namespace {

[[noreturn]] void failCollective(Group& g, const char* op, int64_t seq, const std::exception& e) {
  const std::string cause = messageOf(e);
  const std::string who = suspects(g, seq);
  std::ostringstream msg;
  msg << "distributed " << op << " (collective #" << seq << ") failed on rank " << g.rank << " of " << g.size << ": "
      << (who.empty() ? "no other rank looks dead or late" : who) << " [" << g.backend << ": " << cause << "]";
  throw std::runtime_error(msg.str());
}

}  // namespace

PendingCollective startCollective(const char* op, const std::function<c10::intrusive_ptr<c10d::Work>(compat::C10dBackend&)>& start) {
  Group& g = current(op);
  const int64_t seq = ++g.seq;
  try {
    g.store->set(rankKey("seq", g.rank), bytes(std::to_string(seq)));
    return {op, seq, start(*g.pg)};
  } catch (const std::exception& e) {
    failCollective(g, op, seq, e);
  }
}

void waitCollective(const PendingCollective& p) {
  Group& g = current(p.op);
  try {
    if (!p.work->wait(g.timeout)) throw std::runtime_error("timed out after " + std::to_string(g.timeout.count()) + " ms");
  } catch (const std::exception& e) {
    failCollective(g, p.op, p.seq, e);
  }
}

void runCollective(const char* op, const std::function<c10::intrusive_ptr<c10d::Work>(compat::C10dBackend&)>& start) {
  waitCollective(startCollective(op, start));
}

int groupSize(const char* op) { return current(op).size; }

namespace {

/** Runs a collective on one flat buffer holding all of ts (one dtype), then copies the result back when asked. */
void onFlat(const char* op, std::vector<at::Tensor>& ts, bool copyBack,
            const std::function<c10::intrusive_ptr<c10d::Work>(compat::C10dBackend&, std::vector<at::Tensor>&)>& start) {
  if (ts.empty()) return;
  for (const auto& t : ts) {
    TORCH_CHECK(t.scalar_type() == ts[0].scalar_type() && t.device() == ts[0].device(), "distributed ", op,
                ": all tensors must share dtype and device (got ", t.scalar_type(), " on ", t.device(), " and ",
                ts[0].scalar_type(), " on ", ts[0].device(), ")");
  }
  // One message instead of one per tensor (torch's DDP buckets for the same reason); a single contiguous
  // tensor is reduced where it lies.
  const bool direct = ts.size() == 1 && ts[0].is_contiguous();
  std::vector<at::Tensor> flat;
  if (direct) {
    flat.push_back(ts[0]);
  } else {
    std::vector<at::Tensor> parts;
    parts.reserve(ts.size());
    for (const auto& t : ts) parts.push_back(t.reshape({-1}));
    flat.push_back(at::cat(parts));
  }
  runCollective(op, [&](compat::C10dBackend& pg) { return start(pg, flat); });
  if (direct || !copyBack) return;
  at::NoGradGuard noGrad;
  int64_t offset = 0;
  for (auto& t : ts) {
    t.copy_(flat[0].narrow(0, offset, t.numel()).view(t.sizes()));
    offset += t.numel();
  }
}

c10d::ReduceOp parseReduceOp(const std::string& s) {
  if (s == "sum") return c10d::ReduceOp::SUM;
  if (s == "product") return c10d::ReduceOp::PRODUCT;
  if (s == "max") return c10d::ReduceOp::MAX;
  if (s == "min") return c10d::ReduceOp::MIN;
  throw std::invalid_argument("distributed allReduce: unknown op '" + s + "' (expected sum, product, max or min)");
}

c10::intrusive_ptr<compat::C10dBackend> createGroup(const Group& g, const std::string& backend) {
  auto pgStore = c10::make_intrusive<c10d::PrefixStore>("shapeseg/pg", g.store);
#ifdef USE_C10D_GLOO
  if (backend == "gloo") {
    auto opts = c10d::ProcessGroupGloo::Options::create(g.timeout);
    // torch.distributed's choice: GLOO_SOCKET_IFNAME names the interface; otherwise the hostname's address.
    // A loopback master means every rank runs on this machine, so loopback it is (hostnames may not resolve).
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    const bool loopback = g.addr == "localhost" || g.addr.rfind("127.", 0) == 0 || g.addr == "::1";
    if (ifname && *ifname) {
      std::string first(ifname);
      first = first.substr(0, first.find(','));
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(first));
    } else if (loopback) {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    opts->threads = 2;
    return c10::make_intrusive<c10d::ProcessGroupGloo>(pgStore, g.rank, g.size, opts);
  }
#endif
#ifdef USE_C10D_NCCL
  if (backend == "nccl") {
    auto opts = c10d::ProcessGroupNCCL::Options::create();
    opts->timeout = g.timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(pgStore, g.rank, g.size, opts);
  }
#endif
  std::string built;
#ifdef USE_C10D_GLOO
  built += " gloo";
#endif
#ifdef USE_C10D_NCCL
  built += " nccl";
#endif
  throw std::invalid_argument("distributed init: backend '" + backend + "' is not in this build (built with:" +
                              (built.empty() ? std::string(" none; install libgloo-dev and rebuild") : built) + ")");
}

/** Waits until every rank has registered, naming the ones that did not within the timeout. */
void rendezvous(Group& g) {
  g.store->set(rankKey("joined", g.rank), bytes("1"));
  std::vector<std::string> keys;
  for (int r = 0; r < g.size; ++r) keys.push_back(rankKey("joined", r));
  try {
    g.store->wait(keys, g.timeout);
  } catch (const std::exception& e) {
    std::ostringstream missing;
    std::string sep;
    for (int r = 0; r < g.size; ++r) {
      if (!g.store->check({keys[r]})) {
        missing << sep << r;
        sep = ", ";
      }
    }
    throw std::runtime_error("distributed init: rank(s) " + missing.str() + " did not join within " +
                             std::to_string(g.timeout.count()) + " ms (" + messageOf(e) + ")");
  }
}

Napi::Value init(const Args& a) {
  if (group) throw std::runtime_error("distributed init: a process group already exists (destroy it first)");
  auto g = std::make_unique<Group>();
  g->rank = static_cast<int>(a.i64(0));
  g->size = static_cast<int>(a.i64(1));
  g->addr = a.s(2);
  g->port = static_cast<int>(a.i64(3));
  g->timeout = Millis(a.i64(4));
  g->backend = a.s(5);
  if (g->size < 1 || g->rank < 0 || g->rank >= g->size) {
    throw std::invalid_argument("distributed init: rank " + std::to_string(g->rank) + " is outside world size " +
                                std::to_string(g->size));
  }
  try {
    g->store = connectStore(g->addr, g->port, g->rank == 0, g->size, g->timeout);
  } catch (const std::exception& e) {
    throw std::runtime_error("distributed init: rank " + std::to_string(g->rank) + " could not " +
                             (g->rank == 0 ? "host" : "reach") + " the rendezvous store at " + g->addr + ":" +
                             std::to_string(g->port) + " (MASTER_ADDR:MASTER_PORT): " + messageOf(e));
  }
  g->startHeartbeat();
  rendezvous(*g);
  g->pg = createGroup(*g, g->backend);
  group = std::move(g);
  return a.env().Undefined();
}

Napi::Value destroy(const Args& a) {
  if (!group) return a.env().Undefined();
  // Rank 0 hosts the store: it waits for the others to finish with it before closing it, up to the timeout or
  // until no other rank has shown a heartbeat for a probe window (the rest finished, or died).
  try {
    Group& g = *group;
    g.store->add("shapeseg/finished", 1);
    if (g.rank == 0) {
      const auto start = std::chrono::steady_clock::now();
      auto windowStart = start;
      auto beats = readCounters(*g.store, "beat", g.size);
      while (g.store->add("shapeseg/finished", 0) < g.size && std::chrono::steady_clock::now() - start < g.timeout) {
        std::this_thread::sleep_for(Millis(20));
        if (std::chrono::steady_clock::now() - windowStart < kProbeWindow) continue;
        auto now = readCounters(*g.store, "beat", g.size);
        bool othersAlive = false;
        for (int r = 1; r < g.size; ++r) othersAlive = othersAlive || now[r] != beats[r];
        if (!othersAlive) break;
        beats = now;
        windowStart = std::chrono::steady_clock::now();
      }
    }
  } catch (const std::exception&) {
    // Peers or the store are already gone; nothing left to coordinate.
  }
  group->stopHeartbeat();
  group.reset();
  return a.env().Undefined();
}

}  // namespace

void initDistributed(Napi::Env env, Napi::Object exports) {
  reg(env, exports, "distInit", init);
  reg(env, exports, "distDestroy", destroy);
  reg(env, exports, "distIsInitialized", [](const Args& a) { return Napi::Boolean::New(a.env(), group != nullptr); });
  reg(env, exports, "distBackends", [](const Args& a) {
    auto arr = Napi::Array::New(a.env());
#ifdef USE_C10D_GLOO
    arr.Set(arr.Length(), "gloo");
#endif
#ifdef USE_C10D_NCCL
    arr.Set(arr.Length(), "nccl");
#endif
    return arr;
  });
  reg(env, exports, "distAllReduce", [](const Args& a) {
    auto ts = a.tensors(0);
    c10d::AllreduceOptions opts;
    opts.reduceOp = parseReduceOp(a.s(1));
    onFlat("allReduce", ts, true, [&](compat::C10dBackend& pg, std::vector<at::Tensor>& flat) { return pg.allreduce(flat, opts); });
    return a.env().Undefined();
  });
  reg(env, exports, "distBroadcast", [](const Args& a) {
    auto ts = a.tensors(0);
    c10d::BroadcastOptions opts;
    opts.rootRank = a.i64(1);
    const bool receiving = current("broadcast").rank != opts.rootRank;
    onFlat("broadcast", ts, receiving, [&](compat::C10dBackend& pg, std::vector<at::Tensor>& flat) { return pg.broadcast(flat, opts); });
    return a.env().Undefined();
  });
  reg(env, exports, "distAllGather", [](const Args& a) {
    Group& g = current("allGather");
    std::vector<at::Tensor> input{a.t(0).contiguous()};
    std::vector<std::vector<at::Tensor>> output(1);
    for (int r = 0; r < g.size; ++r) output[0].push_back(at::empty_like(input[0]));
    runCollective("allGather", [&](compat::C10dBackend& pg) { return pg.allgather(output, input); });
    return wrapList(a.env(), output[0]);
  });
  reg(env, exports, "distBarrier", [](const Args& a) {
    runCollective("barrier", [](compat::C10dBackend& pg) { return pg.barrier(); });
    return a.env().Undefined();
  });
  // Node tears down addons without running static destructors in a fixed order: stop the heartbeat thread
  // and the Gloo threads before the environment goes away.
  napi_add_env_cleanup_hook(env, [](void*) { group.reset(); }, nullptr);
  initSyncBatchNorm(env, exports);
  initReducer(env, exports);
}

}  // namespace shapeseg
