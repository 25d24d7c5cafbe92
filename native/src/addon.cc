// Entry point of the native core. Each concept registers itself from its own file.
#include <napi.h>

#include "bindings.h"
#include "napi_util.h"

namespace {

// lib/stream/native.ts hands over a factory so that native errors are GigeError instances.
Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsFunction()) {
    gige::throwError(info.Env(), gige::kErrInvalidArgument, "setErrorFactory: expected a function (code, message) => Error");
  }
  gige::addonData(info.Env()).errorFactory = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // lib/stream/native-loader.ts NATIVE_ABI_VERSION: raised whenever the JavaScript face changes.
  exports.Set("abiVersion", Napi::Number::New(env, 2));
  exports.Set("setErrorFactory", Napi::Function::New(env, SetErrorFactory, "setErrorFactory"));
  gige::registerScene(env, exports);
  gige::registerSender(env, exports);
  gige::registerReceiver(env, exports);
  gige::registerUnpack(env, exports);
  gige::registerKeepAlive(env, exports);
  gige::registerClock(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(gige_native, Init)
