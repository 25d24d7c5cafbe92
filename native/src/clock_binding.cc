// hostClockOffset(): CLOCK_REALTIME − CLOCK_MONOTONIC in ns, as a BigInt. JavaScript has the
// monotonic clock with ns resolution (process.hrtime.bigint) but the wall clock only in whole ms
// (Date.now); the emulators' shared PTP time base is the host's wall clock, so every process
// measures this offset once and adds it to the monotonic clock. Each sample reads monotonic,
// realtime, monotonic; the narrowest bracket wins (a sample the scheduler interrupted is wide).
#include <time.h>

#include <cstdint>

#include "bindings.h"

namespace gige {
namespace {

int64_t nanoseconds(const timespec& t) { return static_cast<int64_t>(t.tv_sec) * 1000000000LL + t.tv_nsec; }

Napi::Value HostClockOffset(const Napi::CallbackInfo& info) {
  int64_t bestWidth = INT64_MAX;
  int64_t best = 0;
  for (int i = 0; i < 16; ++i) {
    timespec before{}, real{}, after{};
    clock_gettime(CLOCK_MONOTONIC, &before);
    clock_gettime(CLOCK_REALTIME, &real);
    clock_gettime(CLOCK_MONOTONIC, &after);
    const int64_t width = nanoseconds(after) - nanoseconds(before);
    if (width < bestWidth) {
      bestWidth = width;
      best = nanoseconds(real) - (nanoseconds(before) + width / 2);
    }
  }
  return Napi::BigInt::New(info.Env(), best);
}

}  // namespace

void registerClock(Napi::Env env, Napi::Object exports) {
  exports.Set("hostClockOffset", Napi::Function::New(env, HostClockOffset, "hostClockOffset"));
}

}  // namespace gige
