#include "napi_util.h"

#include <arpa/inet.h>

#include <cmath>

namespace gige {

AddonData& addonData(Napi::Env env) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (!data) {
    data = new AddonData();
    env.SetInstanceData(data);  // deleted by node-addon-api when the environment is torn down
  }
  return *data;
}

Napi::Error makeError(Napi::Env env, const char* code, const std::string& message) {
  AddonData& data = addonData(env);
  if (!data.errorFactory.IsEmpty()) {
    Napi::Value made = data.errorFactory.Call({Napi::String::New(env, code), Napi::String::New(env, message)});
    if (made.IsObject()) return Napi::Error(env, made);
  }
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

void throwError(Napi::Env env, const char* code, const std::string& message) {
  throw makeError(env, code, message);
}

Napi::Object requireObject(const Napi::CallbackInfo& info, size_t index, const char* context) {
  if (info.Length() <= index || !info[index].IsObject()) {
    throwError(info.Env(), kErrInvalidArgument, std::string(context) + ": expected an options object");
  }
  return info[index].As<Napi::Object>();
}

uint64_t readUnsigned(Napi::Object obj, const char* name, uint64_t fallback, uint64_t min, uint64_t max,
                      const char* context, bool required) {
  Napi::Env env = obj.Env();
  Napi::Value v = obj.Get(name);
  if (v.IsUndefined() || v.IsNull()) {
    if (required) throwError(env, kErrInvalidArgument, std::string(context) + ": " + name + " is required");
    return fallback;
  }
  uint64_t value = 0;
  if (v.IsBigInt()) {
    bool lossless = false;
    value = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) {
      throwError(env, kErrOutOfRange, std::string(context) + ": " + name + " does not fit in 64 bits");
    }
  } else if (v.IsNumber()) {
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d < 0 || d != std::floor(d) || d > 9007199254740991.0) {
      throwError(env, kErrOutOfRange, std::string(context) + ": " + name + " = " + v.ToString().Utf8Value() +
                                          " is not a non-negative integer; allowed " + std::to_string(min) + " … " +
                                          std::to_string(max));
    }
    value = static_cast<uint64_t>(d);
  } else {
    throwError(env, kErrInvalidArgument, std::string(context) + ": " + name + " must be a number");
  }
  if (value < min || value > max) {
    throwError(env, kErrOutOfRange, std::string(context) + ": " + name + " = " + std::to_string(value) +
                                        " is out of range; allowed " + std::to_string(min) + " … " +
                                        std::to_string(max));
  }
  return value;
}

double readNumber(Napi::Object obj, const char* name, double fallback, double min, double max, const char* context) {
  Napi::Env env = obj.Env();
  Napi::Value v = obj.Get(name);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsNumber()) throwError(env, kErrInvalidArgument, std::string(context) + ": " + name + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= min && d <= max)) {
    throwError(env, kErrOutOfRange, std::string(context) + ": " + name + " = " + v.ToString().Utf8Value() +
                                        " is out of range; allowed " + std::to_string(min) + " … " +
                                        std::to_string(max));
  }
  return d;
}

bool readBool(Napi::Object obj, const char* name, bool fallback, const char* context) {
  Napi::Value v = obj.Get(name);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsBoolean()) {
    throwError(obj.Env(), kErrInvalidArgument, std::string(context) + ": " + name + " must be a boolean");
  }
  return v.As<Napi::Boolean>().Value();
}

std::string readString(Napi::Object obj, const char* name, const std::string& fallback, const char* context,
                       bool required) {
  Napi::Value v = obj.Get(name);
  if (v.IsUndefined() || v.IsNull()) {
    if (required) throwError(obj.Env(), kErrInvalidArgument, std::string(context) + ": " + name + " is required");
    return fallback;
  }
  if (!v.IsString()) {
    throwError(obj.Env(), kErrInvalidArgument, std::string(context) + ": " + name + " must be a string");
  }
  return v.As<Napi::String>().Utf8Value();
}

uint64_t toUint64(Napi::Env env, Napi::Value v, const char* what) {
  if (v.IsBigInt()) {
    bool lossless = false;
    const uint64_t value = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throwError(env, kErrOutOfRange, std::string(what) + " must be a 64-bit unsigned integer");
    return value;
  }
  if (v.IsNumber()) {
    const double d = v.As<Napi::Number>().DoubleValue();
    if (std::isfinite(d) && d >= 0 && d == std::floor(d) && d <= 9007199254740991.0) return static_cast<uint64_t>(d);
  }
  throwError(env, kErrInvalidArgument, std::string(what) + " must be a bigint (or a non-negative integer)");
}

Napi::Buffer<uint8_t> requireBuffer(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsBuffer()) throwError(env, kErrInvalidArgument, std::string(what) + " must be a Buffer");
  return v.As<Napi::Buffer<uint8_t>>();
}

bool parseIpv4(const std::string& text, uint32_t& hostOrder) {
  in_addr addr{};
  if (inet_pton(AF_INET, text.c_str(), &addr) != 1) return false;
  hostOrder = ntohl(addr.s_addr);
  return true;
}

std::string formatIpv4(uint32_t hostOrder) {
  in_addr addr{};
  addr.s_addr = htonl(hostOrder);
  char text[INET_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET, &addr, text, sizeof text);
  return text;
}

}  // namespace gige
