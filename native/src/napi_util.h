// Argument checking and error construction shared by the bindings. Errors become GigeError
// instances when lib/stream/native.ts has registered its factory, so JavaScript sees the same
// error type from every layer; without a factory they are plain Errors carrying `code`.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

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
