// Argument checking and error construction shared by the bindings. Errors become GigeError
// instances when lib/stream/native.ts has registered its factory, so JavaScript sees the same
// error type from every layer; without a factory they are plain Errors carrying `code`.
#pragma once
#include <napi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gige {

struct AddonData {
  Napi::FunctionReference errorFactory;
};

AddonData& addonData(Napi::Env env);

// Error codes used by the native core (stable, like GigeError codes elsewhere).
constexpr const char* kErrInvalidArgument = "INVALID_ARGUMENT";
constexpr const char* kErrOutOfRange = "OUT_OF_RANGE";
constexpr const char* kErrClosed = "CLOSED";
constexpr const char* kErrSocket = "SOCKET_ERROR";

Napi::Error makeError(Napi::Env env, const char* code, const std::string& message);
[[noreturn]] void throwError(Napi::Env env, const char* code, const std::string& message);

// Option readers: `context` names the call in the message, e.g. "GvspSender.configure".
Napi::Object requireObject(const Napi::CallbackInfo& info, size_t index, const char* context);
uint64_t readUnsigned(Napi::Object obj, const char* name, uint64_t fallback, uint64_t min, uint64_t max,
                      const char* context, bool required = false);
double readNumber(Napi::Object obj, const char* name, double fallback, double min, double max, const char* context);
bool readBool(Napi::Object obj, const char* name, bool fallback, const char* context);
std::string readString(Napi::Object obj, const char* name, const std::string& fallback, const char* context,
                       bool required = false);
// Accepts a bigint or a non-negative safe-integer number.
uint64_t toUint64(Napi::Env env, Napi::Value value, const char* what);
Napi::Buffer<uint8_t> requireBuffer(Napi::Env env, Napi::Value value, const char* what);

// IPv4 dotted quad parsing; which addresses are allowed is the caller's policy.
bool parseIpv4(const std::string& text, uint32_t& hostOrder);
std::string formatIpv4(uint32_t hostOrder);

}  // namespace gige

namespace gige {

// The lifecycle shared by the wraps that own a native thread and a thread-safe function:
// close() stops the thread once and releases the thread-safe function; every close() promise
// resolves when that function's finaliser has run (after all queued calls were delivered).
// An environment teardown without close() stops the thread through a cleanup hook.
class ClosingState {
 public:
  void watchTeardown(Napi::Env env, std::function<void()> stop) {
    hook_ = env.AddCleanupHook(std::function<void()>([this, stop] {
      tearingDown_ = true;
      stop();
    }));
  }
  // `stopAndRelease` runs on the first call only.
  Napi::Value close(Napi::Env env, const std::function<void()>& stopAndRelease) {
    auto deferred = Napi::Promise::Deferred::New(env);
    if (finalized_) {
      deferred.Resolve(env.Undefined());
      return deferred.Promise();
    }
    waiters_.push_back(deferred);
    if (!closed_) {
      closed_ = true;
      stopAndRelease();
    }
    return deferred.Promise();
  }
  // From the thread-safe function's finaliser.
  void finalized(Napi::Env env) {
    finalized_ = true;
    if (!tearingDown_) hook_.Remove(env);
    for (auto& waiter : waiters_) waiter.Resolve(env.Undefined());
    waiters_.clear();
  }
  bool closed() const { return closed_; }
  bool isFinalized() const { return finalized_; }
  bool tearingDown() const { return tearingDown_; }

 private:
  Napi::Env::CleanupHook<std::function<void()>> hook_;
  std::vector<Napi::Promise::Deferred> waiters_;
  bool closed_ = false;
  bool finalized_ = false;
  bool tearingDown_ = false;
};

}  // namespace gige
