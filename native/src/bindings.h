// Each concept registers its JavaScript face from its own file.
#pragma once
#include <napi.h>

namespace gige {

void registerScene(Napi::Env env, Napi::Object exports);
void registerUnpack(Napi::Env env, Napi::Object exports);
void registerSender(Napi::Env env, Napi::Object exports);
void registerReceiver(Napi::Env env, Napi::Object exports);
void registerKeepAlive(Napi::Env env, Napi::Object exports);
void registerClock(Napi::Env env, Napi::Object exports);

}  // namespace gige
