// JavaScript face of GvspSenderCore: `new GvspSender({bindAddress, bindPort})`, configure, sendBlock
// (a Promise per block), resend, sendTestPacket, stats, close. All bookkeeping of JavaScript
// objects (promises, the references that keep block Buffers alive) happens on the JavaScript
// thread; the sender thread only reads block bytes and reports completions through a
// thread-safe function.
#include <cmath>
#include <deque>
#include <memory>
#include <stdexcept>
#include <unordered_map>

#include "bindings.h"
#include "gvsp_sender.h"
#include "napi_util.h"
#include "sender_options.h"

namespace gige {
namespace {

// A block refused because the host closed or redirected the stream channel: the session it was
// meant for is over (the emulator's stream channel uses the same code).
constexpr const char* kErrStreamClosed = "STREAM_CLOSED";

// A block the sender may still need: queued, being sent, or kept for resends.
struct BlockRecord {
  std::shared_ptr<BlockLayout> layout;
  Napi::Reference<Napi::Buffer<uint8_t>> data;
  int users = 0;  // queued or running jobs that read the bytes
  bool inHistory = false;
  uint64_t resendPacketsGranted = 0;  // packets of this block queued for resend so far
};

// A receiver asks again only for what a resend did not bring, so even on a bad link the packets
// resent for one block stay below its own packet count times this. Requests beyond it are
// refused: PACKETRESEND is a 20-byte datagram that would otherwise draw a whole frame each time.
constexpr uint64_t kResendBudgetPerBlock = 2;

struct Pending {
  std::unique_ptr<Napi::Promise::Deferred> deferred;
  std::shared_ptr<BlockRecord> record;
};

class SenderWrap : public Napi::ObjectWrap<SenderWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "GvspSender",
                       {
                           InstanceAccessor<&SenderWrap::Port>("port"),
                           InstanceMethod<&SenderWrap::Configure>("configure"),
                           InstanceMethod<&SenderWrap::SendBlock>("sendBlock"),
                           InstanceMethod<&SenderWrap::Resend>("resend"),
                           InstanceMethod<&SenderWrap::SendTestPacket>("sendTestPacket"),
                           InstanceMethod<&SenderWrap::Stats>("stats"),
                           InstanceMethod<&SenderWrap::Close>("close"),
                       });
  }

  explicit SenderWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SenderWrap>(info) {
    Napi::Env env = info.Env();
    constexpr const char* ctx = "new GvspSender";
    Napi::Object o = requireObject(info, 0, ctx);
    const std::string bindAddress = readString(o, "bindAddress", "", ctx, true);
    uint32_t address = 0;
    if (!parseIpv4(bindAddress, address)) {
      throwError(env, kErrInvalidArgument, std::string(ctx) + ": bindAddress '" + bindAddress + "' is not an IPv4 address");
    }
    const uint16_t bindPort = static_cast<uint16_t>(readUnsigned(o, "bindPort", 0, 0, 65535, ctx));
    try {
      // The core reports completions only for jobs, and none exist before tsfn_ below.
      core_ = std::make_unique<GvspSenderCore>(address, bindPort, [this](JobResult&& result) { post(std::move(result)); });
    } catch (const std::exception& e) {
      throwError(env, kErrSocket, std::string(ctx) + ": cannot bind " + bindAddress + ":" + std::to_string(bindPort) +
                                      " (" + e.what() + ")");
    }
    tsfn_ = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "GvspSender",
                                          0, 1, [this](Napi::Env finalEnv) { onThreadSafeFunctionFinalized(finalEnv); });
    tsfn_.Unref(env);
    // Stay alive (and keep the thread-safe function valid) until close() has finished.
    Ref();
    closing_.watchTeardown(env, [this] { stopCore(); });
  }

  ~SenderWrap() override { stopCore(); }

 private:
  void stopCore() {
    if (core_) core_->stop();
  }

  void post(JobResult&& result) {
    auto* copy = new JobResult(std::move(result));
    const napi_status status = tsfn_.NonBlockingCall(copy, [this](Napi::Env env, Napi::Function, JobResult* r) {
      std::unique_ptr<JobResult> owned(r);
      if (env != nullptr) onJobDone(env, *owned);
    });
    if (status != napi_ok) delete copy;
  }

  void onJobDone(Napi::Env env, const JobResult& result) {
    Napi::HandleScope scope(env);
    auto it = pending_.find(result.id);
    if (it == pending_.end()) return;
    Pending pending = std::move(it->second);
    pending_.erase(it);
    if (pending.record) {
      pending.record->users -= 1;
      releaseIfUnused(pending.record);
      trimHistory();
    }
    if (pending.deferred) {
      if (result.ok) {
        Napi::Object value = Napi::Object::New(env);
        value.Set("packets", Napi::Number::New(env, static_cast<double>(result.packets)));
        value.Set("bytes", Napi::Number::New(env, static_cast<double>(result.bytes)));
        pending.deferred->Resolve(value);
      } else {
        const char* code = closing_.closed() ? kErrClosed : result.destinationChanged ? kErrStreamClosed : kErrSocket;
        pending.deferred->Reject(makeError(env, code, "GvspSender: " + result.error).Value());
      }
    }
    updateLoopRef(env);
  }

  static void releaseIfUnused(const std::shared_ptr<BlockRecord>& record) {
    if (record->users == 0 && !record->inHistory) record->data.Reset();
  }

  // An idle sender must not keep the process alive; one with work in flight must.
  void updateLoopRef(Napi::Env env) {
    if (closing_.closed()) return;
    const bool busy = !pending_.empty();
    if (busy && !loopRef_) tsfn_.Ref(env);
    if (!busy && loopRef_) tsfn_.Unref(env);
    loopRef_ = busy;
  }

  uint64_t addPending(Napi::Env env, std::unique_ptr<Napi::Promise::Deferred> deferred,
                      std::shared_ptr<BlockRecord> record) {
    const uint64_t id = nextJobId_++;
    if (record) record->users += 1;
    pending_[id] = Pending{std::move(deferred), std::move(record)};
    updateLoopRef(env);
    return id;
  }

  // The newest historyBlocks blocks, and every older one still queued or on the wire: a receiver
  // asks for a block's lost packets while the block is still arriving, and a sender that fell
  // behind its frame rate may hold more queued blocks than the history's size. Blocks go out in
  // order, so the oldest one still in use stops the trimming.
  void trimHistory() {
    while (history_.size() > config_.historyBlocks && history_.front()->users == 0) {
      std::shared_ptr<BlockRecord> old = history_.front();
      history_.pop_front();
      old->inHistory = false;
      releaseIfUnused(old);
    }
  }

  std::shared_ptr<BlockRecord> findInHistory(uint64_t blockId, bool extended) const {
    for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
      const BlockLayout& layout = *(*it)->layout;
      const bool match = extended || layout.extended ? layout.blockId == blockId
                                                     : (layout.blockId & 0xFFFF) == (blockId & 0xFFFF);
      if (match) return *it;
    }
    return nullptr;
  }

  void requireOpen(Napi::Env env, const char* what) {
    if (closing_.closed()) throwError(env, kErrClosed, std::string("GvspSender.") + what + ": the sender is closed");
  }

  Napi::Value Port(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), core_ ? core_->port() : 0);
  }

  Napi::Value Configure(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    constexpr const char* ctx = "GvspSender.configure";
    requireOpen(env, "configure");
    Napi::Object o = requireObject(info, 0, ctx);
    SenderConfig c = parseSenderConfig(o, config_);
    try {
      core_->configure(c);
    } catch (const std::exception& e) {
      throwError(env, kErrSocket, std::string(ctx) + ": " + e.what());
    }
    if (c.destinationAddress != config_.destinationAddress || c.destinationPort != config_.destinationPort) {
      // The previous host's blocks are not resent to the next one.
      for (auto& record : history_) {
        record->inHistory = false;
        releaseIfUnused(record);
      }
      history_.clear();
    }
    config_ = c;
    configured_ = true;
    trimHistory();
    return env.Undefined();
  }

  Napi::Value SendBlock(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    constexpr const char* ctx = "GvspSender.sendBlock";
    auto deferred = std::make_unique<Napi::Promise::Deferred>(env);
    Napi::Promise promise = deferred->Promise();
    if (closing_.closed() || !configured_ || config_.destinationPort == 0) {
      deferred->Reject(makeError(env, closing_.closed() ? kErrClosed : kErrInvalidArgument,
                                 std::string(ctx) + (closing_.closed() ? ": the sender is closed"
                                                             : ": the stream channel is not open (configure a destinationPort first)"))
                           .Value());
      return promise;
    }
    // Argument errors reject the promise too: callers of a promise API handle one failure path.
    std::shared_ptr<BlockLayout> layout;
    Napi::Buffer<uint8_t> data;
    std::chrono::steady_clock::time_point notBefore{};
    try {
      layout = parseBlockLayout(info, config_, data);
      notBefore = parseNotBefore(info);
    } catch (const Napi::Error& e) {
      deferred->Reject(e.Value());
      return promise;
    }
    auto record = std::make_shared<BlockRecord>();
    record->layout = layout;
    record->data = Napi::Persistent(data);
    if (config_.historyBlocks > 0) {
      record->inHistory = true;
      history_.push_back(record);
      trimHistory();
    }
    SendJob job;
    job.kind = SendJob::Kind::Block;
    job.block = layout;
    job.notBefore = notBefore;
    job.id = addPending(env, std::move(deferred), record);
    core_->enqueue(std::move(job));
    return promise;
  }


  // resend(blockId, firstPacketId, lastPacketId) → true when packets (or error packets) were queued;
  // false when ignored, or refused because the queue is full or already holds the same request.
  Napi::Value Resend(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3) {
      throwError(env, kErrInvalidArgument, "GvspSender.resend: expected (blockId, firstPacketId, lastPacketId)");
    }
    const uint64_t blockId = toUint64(env, info[0], "GvspSender.resend: blockId");
    const uint64_t first = toUint64(env, info[1], "GvspSender.resend: firstPacketId");
    const uint64_t last = toUint64(env, info[2], "GvspSender.resend: lastPacketId");
    if (first > 0xFFFFFFFFull || last > 0xFFFFFFFFull) {
      throwError(env, kErrOutOfRange, "GvspSender.resend: packet ids must be in 0 … 4294967295");
    }
    if (closing_.closed() || !configured_) return Napi::Boolean::New(env, false);
    if (config_.resendMode == ResendMode::Ignore) {
      resendIgnored_ += 1;
      return Napi::Boolean::New(env, false);
    }
    std::shared_ptr<BlockRecord> record = findInHistory(blockId, config_.extendedIds);
    SendJob job;
    job.firstPacketId = static_cast<uint32_t>(first);
    job.lastPacketId = static_cast<uint32_t>(last);
    // No reply is larger than the block asked about: ids past its trailer do not exist. A block
    // this sender no longer holds (or never sent) gets one PACKET_UNAVAILABLE, for the first id
    // asked: enough for a receiver to stop waiting, and never more bytes than the request.
    if (!record) {
      job.lastPacketId = job.firstPacketId;
      // Which block was asked and which ones the history held: a late request (aged out) and a
      // request for a block never sent look the same on the wire, not here.
      resendNotHeld_ += 1;
      lastNotHeld_ = NotHeld{blockId, history_.empty() ? 0 : history_.front()->layout->blockId,
                             history_.empty() ? 0 : history_.back()->layout->blockId};
    }
    if (record) job.lastPacketId = std::min(job.lastPacketId, record->layout->dataPackets + 1);
    if (job.firstPacketId > job.lastPacketId) {
      resendOutOfRange_ += 1;
      return Napi::Boolean::New(env, false);
    }
    uint64_t granted = 0;
    if (record) {
      const uint64_t budget = kResendBudgetPerBlock * (uint64_t{record->layout->dataPackets} + 2);
      const uint64_t left = budget - std::min(budget, record->resendPacketsGranted);
      if (left == 0) {
        resendOverBudget_ += 1;
        return Napi::Boolean::New(env, false);
      }
      job.lastPacketId = static_cast<uint32_t>(std::min<uint64_t>(job.lastPacketId, job.firstPacketId + left - 1));
      granted = uint64_t{job.lastPacketId} - job.firstPacketId + 1;
      record->resendPacketsGranted += granted;
    }
    if (record && config_.resendMode == ResendMode::Honour) {
      job.kind = SendJob::Kind::Resend;
      job.block = record->layout;
    } else {
      job.kind = SendJob::Kind::Unavailable;
      job.blockId = blockId;
      job.extended = record ? record->layout->extended : config_.extendedIds;
    }
    const SendJob::Kind kind = job.kind;
    // Only a Resend job reads the block's bytes; an Unavailable one must not keep them alive.
    job.id = addPending(env, nullptr, kind == SendJob::Kind::Resend ? record : nullptr);
    const uint64_t id = job.id;
    if (!core_->enqueueResend(std::move(job))) {
      if (record) record->resendPacketsGranted -= granted;  // nothing of it will be sent
      // Refused jobs never complete on the sender thread; settle their bookkeeping here.
      JobResult refused;
      refused.id = id;
      refused.kind = kind;
      onJobDone(env, refused);
      return Napi::Boolean::New(env, false);
    }
    return Napi::Boolean::New(env, true);
  }

  Napi::Value SendTestPacket(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto deferred = std::make_unique<Napi::Promise::Deferred>(env);
    Napi::Promise promise = deferred->Promise();
    const uint64_t size = toUint64(env, info[0], "GvspSender.sendTestPacket: size");
    const uint64_t minSize = kIpUdpOverhead + headerSize(config_.extendedIds);
    if (size < minSize || size > 65535) {
      throwError(env, kErrOutOfRange, "GvspSender.sendTestPacket: size " + std::to_string(size) +
                                          " is out of range; allowed " + std::to_string(minSize) + " … 65535");
    }
    if (closing_.closed() || !configured_ || config_.destinationPort == 0) {
      deferred->Reject(makeError(env, closing_.closed() ? kErrClosed : kErrInvalidArgument,
                                 "GvspSender.sendTestPacket: the stream channel is not open").Value());
      return promise;
    }
    SendJob job;
    job.kind = SendJob::Kind::TestPacket;
    job.testPacketSize = static_cast<uint32_t>(size);
    job.id = addPending(env, std::move(deferred), nullptr);
    core_->enqueue(std::move(job));
    return promise;
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    auto set = [&](const char* name, uint64_t v) { o.Set(name, Napi::Number::New(env, static_cast<double>(v))); };
    const SenderStats& s = core_->stats();
    // Every counter of counters.h, under its own name.
#define GIGE_REPORT_COUNTER(name) set(#name, s.name.load());
    GIGE_SENDER_COUNTERS(GIGE_REPORT_COUNTER)
#undef GIGE_REPORT_COUNTER
    set("resendRequests", s.resendRequests.load() + resendIgnored_ + s.resendRequestsDropped.load() + resendOutOfRange_ +
                              resendOverBudget_);
    set("resendRequestsIgnored", resendIgnored_);
    set("resendRequestsOutOfRange", resendOutOfRange_);
    set("resendRequestsOverBudget", resendOverBudget_);
    set("resendRequestsNotHeld", resendNotHeld_);
    if (resendNotHeld_ > 0) {
      Napi::Object notHeld = Napi::Object::New(env);
      notHeld.Set("asked", Napi::Number::New(env, static_cast<double>(lastNotHeld_.asked)));
      notHeld.Set("oldestHeld", Napi::Number::New(env, static_cast<double>(lastNotHeld_.oldestHeld)));
      notHeld.Set("newestHeld", Napi::Number::New(env, static_cast<double>(lastNotHeld_.newestHeld)));
      o.Set("lastResendNotHeld", notHeld);
    } else {
      o.Set("lastResendNotHeld", env.Null());
    }
    set("queuedJobs", pending_.size());
    set("queuedResends", core_->queuedResends());
    set("historyBlocks", history_.size());
    o.Set("segmentationOffload", Napi::Boolean::New(env, config_.segmentationOffload && core_->segmentationOffloadActive()));
    const std::string lastError = core_->lastError();
    o.Set("lastError", lastError.empty() ? env.Null() : Napi::String::New(env, lastError));
    return o;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return closing_.close(env, [&] {
      // Joins the thread; unfinished jobs report failure through the thread-safe function, which
      // delivers them before its finaliser runs.
      core_->stop();
      if (!loopRef_) tsfn_.Ref(env);  // keep the loop alive until the close promise settles
      loopRef_ = true;
      tsfn_.Release();
    });
  }

  void onThreadSafeFunctionFinalized(Napi::Env env) {
    Napi::HandleScope scope(env);
    for (auto& [id, pending] : pending_) {
      if (pending.record) pending.record->users -= 1;
      if (pending.deferred) pending.deferred->Reject(makeError(env, kErrClosed, "GvspSender: the sender is closed").Value());
    }
    pending_.clear();
    for (auto& record : history_) {
      record->inHistory = false;
      releaseIfUnused(record);
    }
    history_.clear();
    closing_.finalized(env);
    Unref();
  }

  std::unique_ptr<GvspSenderCore> core_;
  Napi::ThreadSafeFunction tsfn_;
  ClosingState closing_;
  std::unordered_map<uint64_t, Pending> pending_;
  std::deque<std::shared_ptr<BlockRecord>> history_;
  SenderConfig config_;
  uint64_t nextJobId_ = 1;
  uint64_t resendIgnored_ = 0;
  uint64_t resendOutOfRange_ = 0;  // asked only for packet ids no block has
  uint64_t resendOverBudget_ = 0;  // the block's resend budget was spent
  // Asked for a block the history no longer (or never) held: answered PACKET_UNAVAILABLE.
  struct NotHeld {
    uint64_t asked = 0;
    uint64_t oldestHeld = 0;
    uint64_t newestHeld = 0;
  };
  uint64_t resendNotHeld_ = 0;
  NotHeld lastNotHeld_;
  bool configured_ = false;
  bool loopRef_ = false;
};

}  // namespace

void registerSender(Napi::Env env, Napi::Object exports) {
  exports.Set("GvspSender", SenderWrap::Define(env));
}

}  // namespace gige
