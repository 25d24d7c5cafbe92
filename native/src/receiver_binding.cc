// JavaScript face of StreamReceiverCore: `new StreamReceiver(options)` with `onFrame(rawFrame)` and
// `onWarning(message)` callbacks, `port`, `stats()`, `close()`. Frames reach JavaScript as external
// Buffers over pool memory (no copy); a Buffer's finaliser gives its slot back to the pool.
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "bindings.h"
#include "napi_util.h"
#include "stream_receiver.h"

namespace gige {
namespace {

// Owned by one external Buffer: returns the slot when JavaScript lets go of it.
struct PoolLease {
  std::shared_ptr<FramePool> pool;
  int index;
  std::shared_ptr<std::atomic<int64_t>> releasedBytes;
  int64_t reportedBytes;  // what was reported to V8 as external memory for this buffer
};

class ReceiverWrap : public Napi::ObjectWrap<ReceiverWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "StreamReceiver",
                       {
                           InstanceAccessor<&ReceiverWrap::Port>("port"),
                           InstanceMethod<&ReceiverWrap::Stats>("stats"),
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
    address("bindAddress", c.bindAddress);
    address("deviceAddress", c.deviceAddress);
    c.bindPort = static_cast<uint16_t>(readUnsigned(o, "bindPort", 0, 0, 65535, ctx));
    c.devicePort = static_cast<uint16_t>(readUnsigned(o, "devicePort", 3956, 1, 65535, ctx));
    c.packetSize = static_cast<uint32_t>(readUnsigned(o, "packetSize", 0, 64, 65535, ctx, true));
    c.maxPayloadSize = readUnsigned(o, "maxPayloadSize", 0, 1, 1ull << 31, ctx, true);
    c.bufferCount = static_cast<uint32_t>(readUnsigned(o, "bufferCount", 8, 1, 1024, ctx));
    c.queueLength = static_cast<uint32_t>(readUnsigned(o, "queueLength", 4, 1, 1024, ctx));
    c.socketBufferBytes = readUnsigned(o, "socketBufferBytes", 64ull << 20, 4096, 1ull << 31, ctx);
    c.receiveOffload = readBool(o, "receiveOffload", true, ctx);
    c.batchPackets = static_cast<uint32_t>(readUnsigned(o, "batchPackets", 128, 1, 128, ctx));
    const std::string policy = readString(o, "queuePolicy", "dropOldest", ctx);
    if (policy != "dropOldest" && policy != "dropNewest") {
      throwError(env, kErrInvalidArgument, std::string(ctx) + ": queuePolicy '" + policy + "' is unknown; allowed 'dropOldest', 'dropNewest'");
    }
    c.dropOldest = policy == "dropOldest";
    const std::string incomplete = readString(o, "incompleteFrames", "deliver", ctx);
    if (incomplete != "deliver" && incomplete != "drop") {
      throwError(env, kErrInvalidArgument, std::string(ctx) + ": incompleteFrames '" + incomplete + "' is unknown; allowed 'deliver', 'drop'");
    }
    AssemblerConfig& a = c.assembler;
    a.extendedIds = readBool(o, "extendedIds", false, ctx);
    a.dataPerPacket = dataBytesPerPacket(c.packetSize, a.extendedIds);
    if (a.dataPerPacket < 4) {
      throwError(env, kErrOutOfRange, std::string(ctx) + ": packetSize " + std::to_string(c.packetSize) + " leaves no room for data");
    }
    a.streamChannel = static_cast<uint16_t>(readUnsigned(o, "streamChannel", 0, 0, 511, ctx));
    a.maxFramesInFlight = static_cast<uint32_t>(readUnsigned(o, "maxFramesInFlight", 3, 1, 64, ctx));
    a.frameTimeoutNs = readUnsigned(o, "frameTimeoutMs", 100, 1, 60000, ctx) * 1000000ull;
    a.deliverIncomplete = incomplete == "deliver";
    Napi::Value resend = o.Get("resend");
    if (resend.IsBoolean()) {
      a.resend.enabled = resend.As<Napi::Boolean>().Value();
    } else if (resend.IsObject()) {
      constexpr const char* rctx = "new StreamReceiver resend";
      Napi::Object r = resend.As<Napi::Object>();
      a.resend.enabled = readBool(r, "enabled", true, rctx);
      a.resend.reorderGraceNs = readUnsigned(r, "reorderGraceUs", 1000, 0, 1000000, rctx) * 1000ull;
      a.resend.retryIntervalNs = readUnsigned(r, "retryIntervalUs", 10000, 100, 10000000, rctx) * 1000ull;
      a.resend.maxRequestsPerFrame = static_cast<uint32_t>(readUnsigned(r, "maxRequestsPerFrame", 1024, 1, 1000000, rctx));
      a.resend.maxPacketRatio = readNumber(r, "maxPacketRatio", 0.25, 0, 1, rctx);
      a.resend.ignoredAfterFrames = static_cast<uint32_t>(readUnsigned(r, "ignoredAfterFrames", 3, 1, 1000, rctx));
    } else if (!resend.IsUndefined() && !resend.IsNull()) {
      throwError(env, kErrInvalidArgument, std::string(ctx) + ": resend must be a boolean or an object");
    }
    Napi::Value onFrame = o.Get("onFrame");
    if (!onFrame.IsFunction()) throwError(env, kErrInvalidArgument, std::string(ctx) + ": onFrame must be a function");
    onFrame_ = Napi::Persistent(onFrame.As<Napi::Function>());
    Napi::Value onWarning = o.Get("onWarning");
    if (onWarning.IsFunction()) onWarning_ = Napi::Persistent(onWarning.As<Napi::Function>());
    Napi::Value onPoolLow = o.Get("onPoolLow");
    if (onPoolLow.IsFunction()) onPoolLow_ = Napi::Persistent(onPoolLow.As<Napi::Function>());

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

  void drain(Napi::Env env) {
    if (deliver(env) && !onPoolLow_.IsEmpty() && poolLow(core_->pool()->count() / 2)) {
      // Frames JavaScript has dropped come back only through garbage collection. A young-generation
      // collection finds them for a fraction of a millisecond; ask for one while the pool runs low
      // (outside deliver()'s handle scope, which would keep the frames just delivered alive).
      Napi::HandleScope scope(env);
      poolLowCalls_ += 1;
      callSafely(env, onPoolLow_, {});
    }
  }

  // Hands every queued frame and warning to JavaScript; true when a frame was delivered.
  bool deliver(Napi::Env env) {
    Napi::HandleScope scope(env);
    core_->rearm();
    const int64_t released = releasedBytes_->exchange(0);
    if (released) Napi::MemoryManagement::AdjustExternalMemory(env, -released);
    std::deque<std::string> warnings;
    {
      std::lock_guard<std::mutex> lock(warningsMutex_);
      warnings.swap(warnings_);
    }
    for (const std::string& message : warnings) callSafely(env, onWarning_, {Napi::String::New(env, message)});
    AssembledFrame frame;
    bool delivered = false;
    while (core_->pop(frame)) {
      Napi::Object raw = toJavaScript(env, frame);
      framesDelivered_ += 1;
      delivered = true;
      callSafely(env, onFrame_, {raw});
    }
    return delivered;
  }

  bool poolLow(size_t threshold) const { return core_->pool()->available() < std::max<size_t>(2, threshold); }

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
    Napi::Value payload;
    if (f.payloadLength == 0) {
      core_->pool()->release(f.buffer);
      payload = Napi::Buffer<uint8_t>::New(env, 0);
    } else {
      const std::shared_ptr<FramePool>& pool = core_->pool();
      // V8 must collect frames that JavaScript dropped, or the pool runs dry. External memory
      // pressure makes it do so, but each report of a 20 MB frame soon costs a full (major)
      // collection. So frames count as external memory only while the pool is running low — or,
      // when JavaScript can run cheap young-generation collections (onPoolLow), only once it is
      // nearly empty (frames held across collections end up in the old generation).
      const size_t threshold = onPoolLow_.IsEmpty() ? pool->count() / 2 : 2;
      const int64_t reported = poolLow(threshold) ? static_cast<int64_t>(pool->capacity()) : 0;
      auto* lease = new PoolLease{pool, f.buffer, releasedBytes_, reported};
      payload = Napi::Buffer<uint8_t>::New(
          env, f.data, f.payloadLength,
          [](Napi::Env, uint8_t*, PoolLease* l) {
            // Only thread-safe work here: finalisers may run while JavaScript cannot be entered.
            l->releasedBytes->fetch_add(l->reportedBytes);
            l->pool->release(l->index);
            delete l;
          },
          lease);
      if (reported) Napi::MemoryManagement::AdjustExternalMemory(env, reported);
    }
    auto num = [&](const char* name, double v) { o.Set(name, Napi::Number::New(env, v)); };
    o.Set("payload", payload);
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
    if (f.trailerSeen && f.trailer.hasChunkInfo) {
      num("chunkDataLength", f.trailer.chunkDataLength);
      num("chunkLayoutId", f.trailer.chunkLayoutId);
    }
    return o;
  }

  Napi::Value Port(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), core_->socketInfo().port); }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ReceiverStats& s = core_->stats();
    Napi::Object o = Napi::Object::New(env);
    auto set = [&](Napi::Object& target, const char* name, double v) { target.Set(name, Napi::Number::New(env, v)); };
    auto c = [](const std::atomic<uint64_t>& a) { return static_cast<double>(a.load(std::memory_order_relaxed)); };
    set(o, "framesComplete", c(s.framesComplete));
    set(o, "framesIncomplete", c(s.framesIncomplete));
    set(o, "framesDelivered", static_cast<double>(framesDelivered_));
    set(o, "framesDroppedIncomplete", c(s.framesDroppedIncomplete));
    set(o, "framesDroppedPoolExhausted", c(s.framesDroppedPoolExhausted));
    set(o, "framesDroppedQueueFull", c(s.framesDroppedQueueFull));
    set(o, "framesDropped", c(s.framesDroppedIncomplete) + c(s.framesDroppedPoolExhausted) + c(s.framesDroppedQueueFull));
    set(o, "packetsReceived", c(s.packetsReceived));
    set(o, "packetsInPlace", c(s.packetsInPlace));
    set(o, "packetsMissing", c(s.packetsMissing));
    set(o, "packetsResent", c(s.packetsResent));
    set(o, "packetsDuplicate", c(s.packetsDuplicate));
    set(o, "packetsLate", c(s.packetsLate));
    set(o, "packetsMalformed", c(s.packetsMalformed));
    set(o, "packetsIgnored", c(s.packetsIgnored));
    set(o, "packetsUnavailable", c(s.packetsUnavailable));
    set(o, "packetsDroppedBySocket", c(s.packetsDroppedBySocket));
    set(o, "resendRequests", c(s.resendRequests));
    set(o, "resendPacketsRequested", c(s.resendPacketsRequested));
    set(o, "resendLimitReached", c(s.resendLimitReached));
    o.Set("resendIgnoredDetected", Napi::Boolean::New(env, s.resendIgnoredDetected.load()));
    set(o, "payloadBytes", c(s.payloadBytes));
    set(o, "stagedBytes", c(s.stagedBytes));
    set(o, "receiveCalls", c(s.receiveCalls));
    set(o, "receiveMessages", c(s.receiveMessages));
    set(o, "receiveErrors", c(s.receiveErrors));
    set(o, "resendSendErrors", c(s.resendSendErrors));
    set(o, "receiveThreadCpuMs", c(s.receiveThreadCpuNs) / 1e6);
    set(o, "framePeriodMs", c(s.framePeriodNs) / 1e6);
    set(o, "callbackErrors", static_cast<double>(callbackErrors_));
    set(o, "collectionsRequested", static_cast<double>(poolLowCalls_));
    set(o, "queuedFrames", static_cast<double>(core_->queued()));
    set(o, "buffersAvailable", static_cast<double>(core_->pool()->available()));
    set(o, "bufferCount", static_cast<double>(core_->pool()->count()));
    const ReceiverConfig& cfg = core_->config();
    set(o, "dataBytesPerPacket", static_cast<double>(cfg.assembler.dataPerPacket));
    const SocketInfo& si = core_->socketInfo();
    Napi::Object socket = Napi::Object::New(env);
    set(socket, "receiveBufferRequested", static_cast<double>(si.receiveBufferRequested));
    set(socket, "receiveBufferObtained", static_cast<double>(si.receiveBufferObtained));
    socket.Set("receiveBufferForced", Napi::Boolean::New(env, si.receiveBufferForced));
    socket.Set("receiveOffload", Napi::Boolean::New(env, si.receiveOffload));
    socket.Set("interface", si.interfaceName.empty() ? env.Null() : Napi::String::New(env, si.interfaceName));
    socket.Set("mtu", si.interfaceMtu > 0 ? Napi::Number::New(env, si.interfaceMtu) : env.Null());
    set(socket, "packetSize", cfg.packetSize);
    socket.Set("packetSizeFitsMtu", si.interfaceMtu > 0 ? Napi::Boolean::New(env, cfg.packetSize <= static_cast<uint32_t>(si.interfaceMtu))
                                                         : env.Null());
    o.Set("socket", socket);
    return o;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    return closing_.close(info.Env(), [this] {
      core_->stop();  // joins the receive thread; undelivered frames go back to the pool
      tsfn_.Release();
    });
  }

  void onFinalized(Napi::Env env) {
    const int64_t released = releasedBytes_->exchange(0);
    if (released && !closing_.tearingDown()) Napi::MemoryManagement::AdjustExternalMemory(env, -released);
    closing_.finalized(env);
    onFrame_.Reset();
    onWarning_.Reset();
    onPoolLow_.Reset();
    Unref();
  }

  std::unique_ptr<StreamReceiverCore> core_;
  Napi::ThreadSafeFunction tsfn_;
  ClosingState closing_;
  Napi::FunctionReference onFrame_;
  Napi::FunctionReference onWarning_;
  Napi::FunctionReference onPoolLow_;
  std::mutex warningsMutex_;
  std::deque<std::string> warnings_;
  std::shared_ptr<std::atomic<int64_t>> releasedBytes_ = std::make_shared<std::atomic<int64_t>>(0);
  uint64_t framesDelivered_ = 0;
  uint64_t callbackErrors_ = 0;
  uint64_t poolLowCalls_ = 0;
};

}  // namespace

void registerReceiver(Napi::Env env, Napi::Object exports) {
  exports.Set("StreamReceiver", ReceiverWrap::Define(env));
}

}  // namespace gige
