#include "bindings.h"
#include "napi_util.h"
#include "scene.h"

namespace gige {
namespace {

constexpr const char* kContext = "renderRamp";

// renderRamp(dst: Buffer, params) → number of bytes written.
Napi::Value RenderRamp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> dst = requireBuffer(env, info[0], "renderRamp: dst");
  Napi::Object o = requireObject(info, 1, kContext);
  RampParams p;
  p.width = static_cast<uint32_t>(readUnsigned(o, "width", 0, 1, 1u << 20, kContext, true));
  p.height = static_cast<uint32_t>(readUnsigned(o, "height", 0, 1, 1u << 20, kContext, true));
  p.pixelFormat = static_cast<uint32_t>(readUnsigned(o, "pixelFormat", 0, 0, 0xFFFFFFFFu, kContext, true));
  p.originX = readUnsigned(o, "originX", 0, 0, 1u << 30, kContext);
  p.originY = readUnsigned(o, "originY", 0, 0, 1u << 30, kContext);
  p.stepX = static_cast<uint32_t>(readUnsigned(o, "stepX", 1, 1, 1u << 16, kContext));
  p.stepY = static_cast<uint32_t>(readUnsigned(o, "stepY", 1, 1, 1u << 16, kContext));
  p.binX = static_cast<uint32_t>(readUnsigned(o, "binX", 1, 1, kMaxBin, kContext));
  p.binY = static_cast<uint32_t>(readUnsigned(o, "binY", 1, 1, kMaxBin, kContext));
  p.reverseX = readBool(o, "reverseX", false, kContext);
  p.reverseY = readBool(o, "reverseY", false, kContext);
  p.phase = readUnsigned(o, "phase", 0, 0, UINT64_MAX, kContext) % kRampPeriod;
  Napi::Value lut = o.Get("lut");
  if (!lut.IsUndefined() && !lut.IsNull()) {
    if (!lut.IsTypedArray() || lut.As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array ||
        lut.As<Napi::TypedArray>().ElementLength() != kRampPeriod) {
      throwError(env, kErrInvalidArgument, "renderRamp: lut must be a Uint16Array of 4096 entries");
    }
    p.lut = lut.As<Napi::Uint16Array>().Data();
  }
  const std::string problem = validateRampParams(p, dst.Length());
  if (!problem.empty()) throwError(env, kErrOutOfRange, std::string("renderRamp: ") + problem);
  renderRamp(dst.Data(), p);
  return Napi::Number::New(env, static_cast<double>(rampImageBytes(p)));
}

}  // namespace

void registerScene(Napi::Env env, Napi::Object exports) {
  exports.Set("renderRamp", Napi::Function::New(env, RenderRamp, "renderRamp"));
}

}  // namespace gige
