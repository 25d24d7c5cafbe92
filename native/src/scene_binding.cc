#include "bindings.h"
#include "napi_util.h"
#include "scene.h"
#include "scene_inspection.h"

namespace gige {
namespace {

// The view shared by both scenes: geometry, pixel format and transfer table (checked by the caller).
RampParams readView(const Napi::CallbackInfo& info, const char* context) {
  Napi::Env env = info.Env();
  Napi::Object o = requireObject(info, 1, context);
  RampParams p;
  p.width = static_cast<uint32_t>(readUnsigned(o, "width", 0, 1, 1u << 20, context, true));
  p.height = static_cast<uint32_t>(readUnsigned(o, "height", 0, 1, 1u << 20, context, true));
  p.pixelFormat = static_cast<uint32_t>(readUnsigned(o, "pixelFormat", 0, 0, 0xFFFFFFFFu, context, true));
  p.originX = readUnsigned(o, "originX", 0, 0, 1u << 30, context);
  p.originY = readUnsigned(o, "originY", 0, 0, 1u << 30, context);
  p.stepX = static_cast<uint32_t>(readUnsigned(o, "stepX", 1, 1, 1u << 16, context));
  p.stepY = static_cast<uint32_t>(readUnsigned(o, "stepY", 1, 1, 1u << 16, context));
  p.binX = static_cast<uint32_t>(readUnsigned(o, "binX", 1, 1, kMaxBin, context));
  p.binY = static_cast<uint32_t>(readUnsigned(o, "binY", 1, 1, kMaxBin, context));
  p.reverseX = readBool(o, "reverseX", false, context);
  p.reverseY = readBool(o, "reverseY", false, context);
  p.phase = readUnsigned(o, "phase", 0, 0, UINT64_MAX, context) % kRampPeriod;
  Napi::Value lut = o.Get("lut");
  if (!lut.IsUndefined() && !lut.IsNull()) {
    if (!lut.IsTypedArray() || lut.As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array ||
        lut.As<Napi::TypedArray>().ElementLength() != kRampPeriod) {
      throwError(env, kErrInvalidArgument, std::string(context) + ": lut must be a Uint16Array of 4096 entries");
    }
    p.lut = lut.As<Napi::Uint16Array>().Data();
  }
  return p;
}

// renderRamp(dst: Buffer, params) → number of bytes written.
Napi::Value RenderRamp(const Napi::CallbackInfo& info) {
  constexpr const char* context = "renderRamp";
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> dst = requireBuffer(env, info[0], "renderRamp: dst");
  const RampParams p = readView(info, context);
  const std::string problem = validateRampParams(p, dst.Length());
  if (!problem.empty()) throwError(env, kErrOutOfRange, std::string(context) + ": " + problem);
  renderRamp(dst.Data(), p);
  return Napi::Number::New(env, static_cast<double>(rampImageBytes(p)));
}

// renderInspection(dst: Buffer, params + {position, seed, defectRate, noiseSigma}) → bytes written.
Napi::Value RenderInspection(const Napi::CallbackInfo& info) {
  constexpr const char* context = "renderInspection";
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> dst = requireBuffer(env, info[0], "renderInspection: dst");
  InspectionParams p;
  p.view = readView(info, context);
  Napi::Object o = info[1].As<Napi::Object>();
  p.position = static_cast<int64_t>(readUnsigned(o, "position", 0, 0, 1ull << 52, context));
  p.seed = readUnsigned(o, "seed", 1, 0, 0xFFFFFFFFull, context);
  p.defectRate = readNumber(o, "defectRate", 0.2, 0, 1, context);
  p.noiseSigma = readNumber(o, "noiseSigma", 6, 0, 1000, context);
  const std::string problem = validateInspectionParams(p, dst.Length());
  if (!problem.empty()) throwError(env, kErrOutOfRange, std::string(context) + ": " + problem);
  renderInspection(dst.Data(), p);
  return Napi::Number::New(env, static_cast<double>(rampImageBytes(p.view)));
}

// inspectionDefect(seed, part, defectRate) → null or the defect in part coordinates.
Napi::Value InspectionDefect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  constexpr const char* context = "inspectionDefect";
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
    throwError(env, kErrInvalidArgument, std::string(context) + ": expected (seed, part, defectRate) numbers");
  }
  const PartDefect d = inspectionDefect(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()),
                                        info[1].As<Napi::Number>().Int64Value(), info[2].As<Napi::Number>().DoubleValue());
  if (d.kind == DefectKind::None) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  if (d.kind == DefectKind::Hole) {
    out.Set("kind", "hole");
    out.Set("x", Napi::Number::New(env, static_cast<double>(d.x)));
    out.Set("y", Napi::Number::New(env, static_cast<double>(d.y)));
    out.Set("radius", Napi::Number::New(env, static_cast<double>(d.radius)));
  } else {
    out.Set("kind", "chip");
    out.Set("corner", Napi::Number::New(env, d.corner));
    out.Set("leg", Napi::Number::New(env, static_cast<double>(d.leg)));
  }
  return out;
}

}  // namespace

void registerScene(Napi::Env env, Napi::Object exports) {
  exports.Set("renderRamp", Napi::Function::New(env, RenderRamp, "renderRamp"));
  exports.Set("renderInspection", Napi::Function::New(env, RenderInspection, "renderInspection"));
  exports.Set("inspectionDefect", Napi::Function::New(env, InspectionDefect, "inspectionDefect"));
}

}  // namespace gige
