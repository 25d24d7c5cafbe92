// JavaScript face of KeepAlive: `new ControlKeepAlive({fd, address, port, graceMs, intervalMs,
// packet, requestIds})`, feed(), refill(ids), stats(), stop(). No callbacks into JavaScript: the
// thread only sends, so nothing here needs a thread-safe function.
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bindings.h"
#include "keepalive.h"
#include "napi_util.h"

namespace gige {
namespace {

std::vector<uint16_t> readRequestIds(Napi::Env env, Napi::Value value, const char* context) {
  if (!value.IsArray()) throwError(env, kErrInvalidArgument, std::string(context) + ": requestIds must be an array of 1 … 65535");
  Napi::Array array = value.As<Napi::Array>();
  if (array.Length() == 0 || array.Length() > 1024) {
    throwError(env, kErrInvalidArgument, std::string(context) + ": requestIds must hold 1 … 1024 ids");
  }
  std::vector<uint16_t> ids;
  ids.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value v = array.Get(i);
    const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 1 && d <= 65535 && d == static_cast<double>(static_cast<uint32_t>(d)))) {
      throwError(env, kErrOutOfRange, std::string(context) + ": request id " + v.ToString().Utf8Value() + " is not in 1 … 65535");
    }
    ids.push_back(static_cast<uint16_t>(d));
  }
  return ids;
}

class KeepAliveWrap : public Napi::ObjectWrap<KeepAliveWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ControlKeepAlive",
                       {
                           InstanceMethod<&KeepAliveWrap::Feed>("feed"),
                           InstanceMethod<&KeepAliveWrap::Refill>("refill"),
                           InstanceMethod<&KeepAliveWrap::Stats>("stats"),
                           InstanceMethod<&KeepAliveWrap::Stop>("stop"),
                       });
  }

  explicit KeepAliveWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<KeepAliveWrap>(info) {
    Napi::Env env = info.Env();
    constexpr const char* ctx = "new ControlKeepAlive";
    Napi::Object o = requireObject(info, 0, ctx);
    KeepAliveConfig config;
    config.fd = static_cast<int>(readUnsigned(o, "fd", 0, 0, 0x7fffffff, ctx, true));
    const std::string address = readString(o, "address", "", ctx, true);
    if (!parseIpv4(address, config.address)) {
      throwError(env, kErrInvalidArgument, std::string(ctx) + ": address '" + address + "' is not an IPv4 address");
    }
    config.port = static_cast<uint16_t>(readUnsigned(o, "port", 3956, 1, 65535, ctx));
    config.graceMs = static_cast<uint32_t>(readUnsigned(o, "graceMs", 1000, 10, 600000, ctx));
    config.intervalMs = static_cast<uint32_t>(readUnsigned(o, "intervalMs", 1000, 10, 600000, ctx));
    Napi::Buffer<uint8_t> packet = requireBuffer(env, o.Get("packet"), "ControlKeepAlive packet");
    std::vector<uint8_t> bytes(packet.Data(), packet.Data() + packet.Length());
    std::vector<uint16_t> ids = readRequestIds(env, o.Get("requestIds"), ctx);
    try {
      core_ = std::make_unique<KeepAlive>(config, std::move(bytes), std::move(ids));
    } catch (const std::exception& e) {
      throwError(env, kErrInvalidArgument, std::string(ctx) + ": " + e.what());
    }
    // An environment torn down without stop() (a worker ending) must not leave the thread sending.
    hook_ = env.AddCleanupHook(std::function<void()>([this] {
      tearingDown_ = true;
      stopCore();
    }));
  }

  ~KeepAliveWrap() override {
    stopCore();
    if (!tearingDown_) hook_.Remove(Env());
  }

 private:
  void stopCore() {
    if (core_) core_->stop();
  }

  KeepAlive& core(Napi::Env env) {
    if (!core_ || stopped_) throwError(env, kErrClosed, "ControlKeepAlive is stopped");
    return *core_;
  }

  Napi::Value Feed(const Napi::CallbackInfo& info) {
    if (core_ && !stopped_) core_->feed();
    return info.Env().Undefined();
  }

  Napi::Value Refill(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<uint16_t> ids = readRequestIds(env, info.Length() > 0 ? info[0] : env.Undefined(), "ControlKeepAlive.refill");
    core(env).refill(std::move(ids));
    return env.Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    const KeepAliveStats s = core_ ? core_->stats() : KeepAliveStats{};
    out.Set("sent", Napi::Number::New(env, static_cast<double>(s.sent)));
    out.Set("sendErrors", Napi::Number::New(env, static_cast<double>(s.sendErrors)));
    return out;
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    stopCore();
    stopped_ = true;
    return info.Env().Undefined();
  }

  std::unique_ptr<KeepAlive> core_;
  Napi::Env::CleanupHook<std::function<void()>> hook_;
  bool tearingDown_ = false;
  bool stopped_ = false;
};

}  // namespace

void registerKeepAlive(Napi::Env env, Napi::Object exports) {
  exports.Set("ControlKeepAlive", KeepAliveWrap::Define(env));
}

}  // namespace gige
