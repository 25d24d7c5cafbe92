// JavaScript face of StreamReceiverCore: `new StreamReceiver(options)` with `onFrame(rawFrame)` and
// `onWarning(message)` callbacks, `port`, `stats()`, `release(slot, lease)`, `handOver(slot, lease)`
// and `close()`. A frame reaches JavaScript without a copy, as a view of its slot's ArrayBuffer;
// JavaScript ends the slot's lease explicitly: release() gives the slot back to the pool, handOver()
// keeps the block for good (the slot gets another). One ArrayBuffer per block, made once and reused
// for every frame in that block, so delivering frames allocates no external memory: V8 sees no
// pressure to collect, and nothing here waits for it to.
//
// A block handed over comes back only when V8 collects its ArrayBuffer: a flow that drops raw
// frames (the usual case) leaves that to the garbage collector, which V8 drives by the external
// memory it counts — its own count of every ArrayBuffer's bytes, plus what addons add. Measured,
// counting each new ArrayBuffer over a block that was a spare a moment ago as new memory made V8
// run a full collection every few 20 MB frames (raw frames into a flow: 1075 → 471 MB/s on Node
// 20). Yet the memory is not new: it came back from a collected frame and was kept for reuse. So
// this binding counts the spares it keeps: when a collected frame's block stays with the store as
// a spare, its bytes go onto V8's count; when a spare goes under a new ArrayBuffer (which V8
// counts by itself), they come off again. V8 then sees the frame memory that exists — in frames
// or waiting as spares — and grows its count only when the memory does: a flow that keeps frames
// makes new blocks, which V8 counts, and collects for. This binding never takes off V8's count
// more than it added (Node-API forbids it; V8 13, Node 24, aborts the process when the count
// would go below zero; until 2026-12-06 this binding took each ArrayBuffer's bytes off when it
// was made, and a fresh Node 24 process aborted on its first 20 MB frame).
#include <cmath>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "bindings.h"
#include "frame_pool.h"
#include "napi_util.h"
#include "options.h"
#include "stream_receiver.h"

namespace gige {
namespace {

// Bytes of spare blocks this binding has put on V8's external-memory count and not taken off yet
// (see the file comment). Shared with the finalisers of ArrayBuffers, which may run after the
// receiver has closed; once closed, nothing more is counted.
struct SpareCount {
  int64_t bytes = 0;
  bool open = true;
};

// What an ArrayBuffer over a pool block keeps alive.
struct BlockHolder {
  std::shared_ptr<Block> block;
  int64_t bytes;  // the ArrayBuffer's length: what V8 counts for it
  std::shared_ptr<SpareCount> spares;
};

class ReceiverWrap : public Napi::ObjectWrap<ReceiverWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "StreamReceiver",
                       {
                           InstanceAccessor<&ReceiverWrap::Port>("port"),
                           InstanceMethod<&ReceiverWrap::Stats>("stats"),
                           InstanceMethod<&ReceiverWrap::Release>("release"),
                           InstanceMethod<&ReceiverWrap::HandOver>("handOver"),
                           InstanceMethod<&ReceiverWrap::Close>("close"),
                       });
  }

  explicit ReceiverWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ReceiverWrap>(info) {
    Napi::Env env = info.Env();
    constexpr const char* ctx = "new StreamReceiver";
    Napi::Object o = requireObject(info, 0, ctx);
    ReceiverConfig c;
    auto address = [&](const char* name, uint32_t& out) {
      const std::string text = readString(o, name, "", ctx, true);
      if (!parseIpv4(text, out)) {
        throwError(env, kErrInvalidArgument, std::string(ctx) + ": " + name + " '" + text + "' is not an IPv4 address");
      }
    };
    address(receiver_option::bindAddress, c.bindAddress);
    address(receiver_option::deviceAddress, c.deviceAddress);
    if (!o.Get(receiver_option::multicastGroup).IsUndefined() && !o.Get(receiver_option::multicastGroup).IsNull()) {
      address(receiver_option::multicastGroup, c.multicastGroup);
      if ((c.multicastGroup >> 28) != 0xE) {
        throwError(env, kErrInvalidArgument, std::string(ctx) + ": multicastGroup '" + readString(o, receiver_option::multicastGroup, "", ctx) +
                                                 "' is not a multicast address; allowed 224.0.0.0 … 239.255.255.255");
      }
    }
    c.bindPort = static_cast<uint16_t>(readUnsigned(o, receiver_option::bindPort, 0, 0, 65535, ctx));
    c.devicePort = static_cast<uint16_t>(readUnsigned(o, receiver_option::devicePort, 3956, 1, 65535, ctx));
    c.sourcePort = static_cast<uint16_t>(readUnsigned(o, receiver_option::sourcePort, 0, 0, 65535, ctx));
    c.packetSize = static_cast<uint32_t>(readUnsigned(o, receiver_option::packetSize, 0, 64, 65535, ctx, true));
    c.maxPayloadSize = readUnsigned(o, receiver_option::maxPayloadSize, 0, 1, 1ull << 31, ctx, true);
    c.bufferCount = static_cast<uint32_t>(readUnsigned(o, receiver_option::bufferCount, 8, 1, 1024, ctx));
    c.memoryLimit = readUnsigned(o, receiver_option::memoryLimit, FramePool::defaultMemoryLimit(c.bufferCount, c.maxPayloadSize), 0,
                                 1ull << 46, ctx);
    c.queueLength = static_cast<uint32_t>(readUnsigned(o, receiver_option::queueLength, 4, 1, 1024, ctx));
    c.socketBufferBytes = readUnsigned(o, receiver_option::socketBufferBytes, 64ull << 20, 4096, 1ull << 31, ctx);
    c.receiveOffload = readBool(o, receiver_option::receiveOffload, true, ctx);
    c.batchPackets = static_cast<uint32_t>(readUnsigned(o, receiver_option::batchPackets, 128, 1, 128, ctx));
    // Read wide, then judged here: the range is whole numbers, and its message says so in them.
    const double nice = readNumber(o, receiver_option::receiveThreadNice, -10, -1e9, 1e9, ctx);
    if (nice != static_cast<double>(static_cast<long long>(nice))) {
      throwError(env, kErrOutOfRange, std::string(ctx) + ": receiveThreadNice must be a whole number; allowed -20 … 19");
    }
    if (nice < -20 || nice > 19) {
      throwError(env, kErrOutOfRange, std::string(ctx) + ": receiveThreadNice = " + std::to_string(static_cast<long long>(nice)) +
                                          " is out of range; allowed -20 … 19");
    }
    c.receiveThreadNice = static_cast<int>(nice);
    const std::string policy = readString(o, receiver_option::queuePolicy, "dropOldest", ctx);
    if (policy != "dropOldest" && policy != "dropNewest") {
      throwError(env, kErrInvalidArgument, std::string(ctx) + ": queuePolicy '" + policy + "' is unknown; allowed 'dropOldest', 'dropNewest'");
    }
    c.dropOldest = policy == "dropOldest";
    const std::string incomplete = readString(o, receiver_option::incompleteFrames, "deliver", ctx);
    if (incomplete != "deliver" && incomplete != "drop") {
      throwError(env, kErrInvalidArgument, std::string(ctx) + ": incompleteFrames '" + incomplete + "' is unknown; allowed 'deliver', 'drop'");
    }
    AssemblerConfig& a = c.assembler;
    a.extendedIds = readBool(o, receiver_option::extendedIds, false, ctx);
    a.dataPerPacket = dataBytesPerPacket(c.packetSize, a.extendedIds);
    if (a.dataPerPacket < 4) {
      throwError(env, kErrOutOfRange, std::string(ctx) + ": packetSize " + std::to_string(c.packetSize) + " leaves no room for data");
    }
    a.streamChannel = static_cast<uint16_t>(readUnsigned(o, receiver_option::streamChannel, 0, 0, 511, ctx));
    a.maxFramesInFlight = static_cast<uint32_t>(readUnsigned(o, receiver_option::maxFramesInFlight, 3, 1, 64, ctx));
    a.frameTimeoutNs = readUnsigned(o, receiver_option::frameTimeoutMs, 100, 1, 60000, ctx) * 1000000ull;
    a.deliverIncomplete = incomplete == "deliver";
    Napi::Value resend = o.Get(receiver_option::resend);
    if (resend.IsBoolean()) {
      a.resend.enabled = resend.As<Napi::Boolean>().Value();
    } else if (resend.IsObject()) {
      constexpr const char* rctx = "new StreamReceiver resend";
      Napi::Object r = resend.As<Napi::Object>();
      a.resend.enabled = readBool(r, resend_option::enabled, true, rctx);
      a.resend.reorderGraceNs = readUnsigned(r, resend_option::reorderGraceUs, 1000, 0, 1000000, rctx) * 1000ull;
      a.resend.retryIntervalNs = readUnsigned(r, resend_option::retryIntervalUs, 10000, 100, 10000000, rctx) * 1000ull;
      a.resend.maxRequestsPerFrame = static_cast<uint32_t>(readUnsigned(r, resend_option::maxRequestsPerFrame, 1024, 1, 1000000, rctx));
      a.resend.maxPacketRatio = readNumber(r, resend_option::maxPacketRatio, 0.25, 0, 1, rctx);
      a.resend.ignoredAfterFrames = static_cast<uint32_t>(readUnsigned(r, resend_option::ignoredAfterFrames, 3, 1, 1000, rctx));
    } else if (!resend.IsUndefined() && !resend.IsNull()) {
      throwError(env, kErrInvalidArgument, std::string(ctx) + ": resend must be a boolean or an object");
    }
    Napi::Value onFrame = o.Get(receiver_option::onFrame);
    if (!onFrame.IsFunction()) throwError(env, kErrInvalidArgument, std::string(ctx) + ": onFrame must be a function");
    onFrame_ = Napi::Persistent(onFrame.As<Napi::Function>());
    Napi::Value onWarning = o.Get(receiver_option::onWarning);
    if (onWarning.IsFunction()) onWarning_ = Napi::Persistent(onWarning.As<Napi::Function>());

    try {
      core_ = std::make_unique<StreamReceiverCore>(
          c, [this] { notify(); },
          [this](const std::string& message) {
            {
              std::lock_guard<std::mutex> lock(warningsMutex_);
              if (warnings_.size() < 64) warnings_.push_back(message);
            }
            notify();
          });
    } catch (const std::exception& e) {
      throwError(env, kErrSocket, std::string(ctx) + ": " + e.what());
    }
    views_.resize(c.bufferCount);
    tsfn_ = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "StreamReceiver",
                                          0, 1, [this](Napi::Env finalEnv) { onFinalized(finalEnv); });
    Ref();
    closing_.watchTeardown(env, [this] { core_->stop(); });
    core_->start();
  }

  ~ReceiverWrap() override {
    if (core_) core_->stop();
  }

 private:
  void notify() {
    tsfn_.NonBlockingCall([this](Napi::Env env, Napi::Function) {
      if (env != nullptr && !closing_.isFinalized()) drain(env);
    });
  }

  void drain(Napi::Env env) { deliver(env); }

  // Hands every queued frame and warning to JavaScript.
  void deliver(Napi::Env env) {
    Napi::HandleScope scope(env);
    core_->rearm();
    std::deque<std::string> warnings;
    {
      std::lock_guard<std::mutex> lock(warningsMutex_);
      warnings.swap(warnings_);
    }
    for (const std::string& message : warnings) callSafely(env, onWarning_, {Napi::String::New(env, message)});
    AssembledFrame frame;
    while (core_->pop(frame)) {
      Napi::Object raw = toJavaScript(env, frame);
      framesDelivered_ += 1;
      callSafely(env, onFrame_, {raw});
    }
  }

  // A throwing JavaScript callback must not unwind into the thread-safe function machinery.
  void callSafely(Napi::Env env, Napi::FunctionReference& fn, std::initializer_list<napi_value> args) {
    if (fn.IsEmpty()) return;
    try {
      fn.Call(args);
    } catch (const Napi::Error&) {
      callbackErrors_ += 1;
    }
    (void)env;
  }

  Napi::Object toJavaScript(Napi::Env env, const AssembledFrame& f) {
    Napi::Object o = Napi::Object::New(env);
    if (f.payloadLength == 0) {
      core_->pool()->release(f.buffer);
      o.Set("buffer", Napi::ArrayBuffer::New(env, 0));
    } else {
      o.Set("buffer", viewOf(env, f.buffer));
      o.Set("slot", Napi::Number::New(env, f.buffer));
      o.Set("lease", Napi::Number::New(env, static_cast<double>(core_->pool()->lend(f.buffer))));
    }
    o.Set("payloadLength", Napi::Number::New(env, static_cast<double>(f.payloadLength)));
    auto num = [&](const char* name, double v) { o.Set(name, Napi::Number::New(env, v)); };
    num("imageLength", static_cast<double>(f.imageLength));
    o.Set("blockId", Napi::BigInt::New(env, f.blockId));
    o.Set("timestamp", Napi::BigInt::New(env, f.leader.timestamp));
    num("payloadType", f.leader.payloadType);
    num("pixelFormat", f.leader.pixelFormat);
    num("width", f.leader.width);
    num("height", f.leader.height);
    num("offsetX", f.leader.offsetX);
    num("offsetY", f.leader.offsetY);
    num("paddingX", f.leader.paddingX);
    num("paddingY", f.leader.paddingY);
    o.Set("complete", Napi::Boolean::New(env, f.complete));
    o.Set("leaderSeen", Napi::Boolean::New(env, f.leaderSeen));
    o.Set("trailerSeen", Napi::Boolean::New(env, f.trailerSeen));
    num("expectedPackets", f.expectedPackets);
    num("receivedPackets", f.receivedPackets);
    num("resentPackets", f.resentPackets);
    num("missingPackets", f.missingPackets);
    if (f.hostFirstPacketNs != 0) {
      o.Set("hostFirstPacketNs", Napi::BigInt::New(env, f.hostFirstPacketNs));
      o.Set("hostLastPacketNs", Napi::BigInt::New(env, f.hostLastPacketNs));
    }
    if (f.trailerSeen && f.trailer.hasChunkInfo) {
      num("chunkDataLength", f.trailer.chunkDataLength);
      num("chunkLayoutId", f.trailer.chunkLayoutId);
    }
    return o;
  }

  // The ArrayBuffer over the block now in `slot`: made when the slot got this block, kept while it
  // has it. A block that was handed over keeps its ArrayBuffer alive only through JavaScript's views.
  Napi::ArrayBuffer viewOf(Napi::Env env, int slot) {
    SlotView& view = views_[static_cast<size_t>(slot)];
    std::shared_ptr<Block> block = core_->pool()->block(slot);
    if (view.block != block.get() || view.buffer.IsEmpty()) {
      // (A block the receive thread reclaimed, because every slot was lent, is JavaScript's for
      // good now, like a handed-over one: its ArrayBuffer lives on through JavaScript's views.)
      view.buffer.Reset();
      const int64_t bytes = static_cast<int64_t>(core_->pool()->capacity());
      auto* holder = new BlockHolder{block, bytes, spares_};
      Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
          env, block->data, core_->pool()->capacity(),
          // The last owner of a handed-over block gives it back to its store; kept as a spare, it
          // stays on V8's count through this binding (V8 takes the ArrayBuffer's bytes off).
          [](Napi::Env finalEnv, void*, BlockHolder* held) {
            std::unique_ptr<BlockHolder> owned(held);
            if (owned->block.use_count() != 1 || !owned->block->returnToStore() || !owned->spares->open) return;
            owned->spares->bytes += owned->bytes;
            Napi::MemoryManagement::AdjustExternalMemory(finalEnv, owned->bytes);
          },
          holder);
      // V8 has just counted this ArrayBuffer: a spare's bytes this binding counted come off (at
      // most what it added, never more).
      if (spares_->bytes >= bytes) {
        spares_->bytes -= bytes;
        Napi::MemoryManagement::AdjustExternalMemory(env, -bytes);
      }
      view.buffer = Napi::Persistent(buffer);
      view.block = block.get();
    }
    return view.buffer.Value();
  }

  // The receiver is closing: its spares are freed with the pool, and their count goes first.
  void uncountSpares(Napi::Env env) {
    if (!spares_->open) return;
    spares_->open = false;
    if (spares_->bytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, -spares_->bytes);
    spares_->bytes = 0;
  }

  // release(slot, lease): JavaScript is done with the frame; its slot is free again.
  Napi::Value Release(const Napi::CallbackInfo& info) {
    int slot = 0;
    uint64_t lease = 0;
    if (!leaseArguments(info, "StreamReceiver.release", slot, lease)) return Napi::Boolean::New(info.Env(), false);
    return Napi::Boolean::New(info.Env(), core_->pool()->giveBack(slot, lease));
  }

  // handOver(slot, lease) → true when the frame's block is JavaScript's for good (the slot got
  // another block); false when the memory limit allows no replacement: the caller copies instead.
  Napi::Value HandOver(const Napi::CallbackInfo& info) {
    int slot = 0;
    uint64_t lease = 0;
    if (!leaseArguments(info, "StreamReceiver.handOver", slot, lease)) return Napi::Boolean::New(info.Env(), false);
    const FramePool::HandOver result = core_->pool()->handOver(slot, lease);
    // Without this reference, the handed-over block lives as long as JavaScript's views of it.
    if (result == FramePool::HandOver::Done) views_[static_cast<size_t>(slot)].buffer.Reset();
    return Napi::Boolean::New(info.Env(), result != FramePool::HandOver::OverLimit);
  }

  // False for a slot or lease this receiver never gave out.
  bool leaseArguments(const Napi::CallbackInfo& info, const char* ctx, int& slot, uint64_t& lease) {
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
      throwError(info.Env(), kErrInvalidArgument, std::string(ctx) + ": expected (slot, lease) numbers");
    }
    const double s = info[0].As<Napi::Number>().DoubleValue();
    const double l = info[1].As<Napi::Number>().DoubleValue();
    if (!(s >= 0 && s < static_cast<double>(views_.size())) || !(l >= 1 && l <= 9007199254740991.0)) return false;
    slot = static_cast<int>(s);
    lease = static_cast<uint64_t>(l);
    return true;
  }

  Napi::Value Port(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), core_->socketInfo().port); }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ReceiverStats& s = core_->stats();
    Napi::Object o = Napi::Object::New(env);
    auto set = [&](Napi::Object& target, const char* name, double v) { target.Set(name, Napi::Number::New(env, v)); };
    auto c = [](const std::atomic<uint64_t>& a) { return static_cast<double>(a.load(std::memory_order_relaxed)); };
    // Every counter of stream_counters.h, under its own name.
#define GIGE_REPORT_COUNTER(name) set(o, #name, c(s.name));
    GIGE_ASSEMBLER_COUNTERS(GIGE_REPORT_COUNTER)
    GIGE_RECEIVER_COUNTERS(GIGE_REPORT_COUNTER)
#undef GIGE_REPORT_COUNTER
    set(o, "framesDelivered", static_cast<double>(framesDelivered_));
    set(o, "framesDropped", c(s.framesDroppedIncomplete) + c(s.framesDroppedPoolExhausted) + c(s.framesDroppedQueueFull));
    o.Set("resendIgnoredDetected", Napi::Boolean::New(env, s.resendIgnoredDetected.load()));
    set(o, "receiveThreadCpuMs", c(s.receiveThreadCpuNs) / 1e6);
    const int nice = s.receiveThreadNice.load();
    o.Set("receiveThreadNice", nice == ReceiverStats::kNiceUnknown ? env.Null() : Napi::Number::New(env, nice));
    set(o, "framePeriodMs", c(s.framePeriodNs) / 1e6);
    set(o, "callbackErrors", static_cast<double>(callbackErrors_));
    set(o, "queuedFrames", static_cast<double>(core_->queued()));
    set(o, "buffersAvailable", static_cast<double>(core_->pool()->available()));
    set(o, "bufferCount", static_cast<double>(core_->pool()->count()));
    const PoolCounters pc = core_->pool()->counters();
    set(o, "buffersLent", static_cast<double>(pc.lent));
    set(o, "buffersHandedOver", static_cast<double>(pc.handedOver));
    set(o, "buffersReclaimed", static_cast<double>(pc.reclaimed));
    set(o, "buffersHandedOverShort", static_cast<double>(pc.handedOverShort));
    set(o, "buffersEmpty", static_cast<double>(pc.emptySlots));
    set(o, "blocksAllocated", static_cast<double>(pc.blocksAllocated));
    set(o, "blocksFreed", static_cast<double>(pc.blocksFreed));
    set(o, "blocksInReserve", static_cast<double>(pc.reserve));
    set(o, "spareBytesCounted", static_cast<double>(spares_->bytes));
    // V8's count itself (a change of 0 reads it): only its changes mean anything, not its value.
    set(o, "v8ExternalMemoryBytes", static_cast<double>(Napi::MemoryManagement::AdjustExternalMemory(env, 0)));
    set(o, "frameMemoryBytes", static_cast<double>(pc.blocks * pc.blockBytes));
    set(o, "frameMemoryLimitBytes", static_cast<double>(pc.maxBlocks * pc.blockBytes));
    const ReceiverConfig& cfg = core_->config();
    set(o, "dataBytesPerPacket", static_cast<double>(cfg.assembler.dataPerPacket));
    const SocketInfo& si = core_->socketInfo();
    Napi::Object socket = Napi::Object::New(env);
    set(socket, "receiveBufferRequested", static_cast<double>(si.receiveBufferRequested));
    set(socket, "receiveBufferObtained", static_cast<double>(si.receiveBufferObtained));
    socket.Set("receiveBufferForced", Napi::Boolean::New(env, si.receiveBufferForced));
    socket.Set("receiveOffload", Napi::Boolean::New(env, si.receiveOffload));
    socket.Set("kernelTimestamps", Napi::Boolean::New(env, si.kernelTimestamps));
    socket.Set("interface", si.interfaceName.empty() ? env.Null() : Napi::String::New(env, si.interfaceName));
    socket.Set("mtu", si.interfaceMtu > 0 ? Napi::Number::New(env, si.interfaceMtu) : env.Null());
    set(socket, "packetSize", cfg.packetSize);
    socket.Set("packetSizeFitsMtu", si.interfaceMtu > 0 ? Napi::Boolean::New(env, cfg.packetSize <= static_cast<uint32_t>(si.interfaceMtu))
                                                         : env.Null());
    socket.Set("multicastGroup", si.multicastJoined ? Napi::String::New(env, formatIpv4(cfg.multicastGroup)) : env.Null());
    o.Set("socket", socket);
    return o;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return closing_.close(env, [this, env] {
      core_->stop();  // joins the receive thread; undelivered frames go back to the pool
      tsfn_.Release();
      // Frames JavaScript still holds keep their blocks alive through their own views.
      for (SlotView& view : views_) view.buffer.Reset();
      uncountSpares(env);
    });
  }

  void onFinalized(Napi::Env env) {
    uncountSpares(env);
    closing_.finalized(env);
    onFrame_.Reset();
    onWarning_.Reset();
    Unref();
  }

  std::unique_ptr<StreamReceiverCore> core_;
  Napi::ThreadSafeFunction tsfn_;
  ClosingState closing_;
  Napi::FunctionReference onFrame_;
  Napi::FunctionReference onWarning_;
  std::mutex warningsMutex_;
  std::deque<std::string> warnings_;
  struct SlotView {
    Napi::Reference<Napi::ArrayBuffer> buffer;
    const Block* block = nullptr;  // the block `buffer` is over
  };
  std::vector<SlotView> views_;
  uint64_t framesDelivered_ = 0;
  uint64_t callbackErrors_ = 0;
  std::shared_ptr<SpareCount> spares_ = std::make_shared<SpareCount>();
};

}  // namespace

// adjustExternalMemory(change): V8's external-memory count moved by `change` bytes (whole, at
// most 1 GiB either way); returns the count. lib/stream/collection-request.ts asks V8 for a
// collection with it, and takes back what it added once one ran.
static Napi::Value AdjustExternalMemory(const Napi::CallbackInfo& info) {
  constexpr double kMostChange = 1024.0 * 1024.0 * 1024.0;
  const double change = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(change) || std::trunc(change) != change || std::fabs(change) > kMostChange) {
    throwError(info.Env(), kErrInvalidArgument, "adjustExternalMemory: expected a whole number of bytes, -1073741824 … 1073741824");
  }
  const int64_t count = Napi::MemoryManagement::AdjustExternalMemory(info.Env(), static_cast<int64_t>(change));
  return Napi::Number::New(info.Env(), static_cast<double>(count));
}

void registerReceiver(Napi::Env env, Napi::Object exports) {
  exports.Set("StreamReceiver", ReceiverWrap::Define(env));
  exports.Set("adjustExternalMemory", Napi::Function::New(env, AdjustExternalMemory, "adjustExternalMemory"));
}

}  // namespace gige
