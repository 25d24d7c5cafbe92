#include "bindings.h"
#include "napi_util.h"
#include "pixel_format.h"
#include "unpack.h"

namespace gige {
namespace {

// Common path of the unpack entry points: checks sizes, allocates (or uses) dst, unpacks.
Napi::Value Unpack(const Napi::CallbackInfo& info, const char* name, uint32_t pixelFormat, size_t firstOptionArg) {
  Napi::Env env = info.Env();
  const std::string ctx = name;
  Napi::Buffer<uint8_t> src = requireBuffer(env, info[0], (ctx + ": src").c_str());
  const uint64_t width = toUint64(env, info[firstOptionArg], (ctx + ": width").c_str());
  const uint64_t height = toUint64(env, info[firstOptionArg + 1], (ctx + ": height").c_str());
  if (width == 0 || height == 0 || width > (1u << 20) || height > (1u << 20)) {
    throwError(env, kErrOutOfRange, ctx + ": " + std::to_string(width) + "×" + std::to_string(height) +
                                        " is out of range; allowed 1 … 1048576 each");
  }
  uint32_t paddingX = 0;
  Napi::Value dstValue;
  if (info.Length() > firstOptionArg + 2 && info[firstOptionArg + 2].IsObject() && !info[firstOptionArg + 2].IsBuffer()) {
    Napi::Object o = info[firstOptionArg + 2].As<Napi::Object>();
    paddingX = static_cast<uint32_t>(readUnsigned(o, "paddingX", 0, 0, 65535, name));
    dstValue = o.Get("dst");
  } else if (info.Length() > firstOptionArg + 2) {
    dstValue = info[firstOptionArg + 2];
  }
  const uint32_t w = static_cast<uint32_t>(width), h = static_cast<uint32_t>(height);
  const size_t need = unpackSourceBytes(pixelFormat, w, h, paddingX);
  if (src.Length() < need) {
    throwError(env, kErrOutOfRange, ctx + ": src holds " + std::to_string(src.Length()) + " bytes; " +
                                        std::to_string(w) + "×" + std::to_string(h) + " needs " + std::to_string(need));
  }
  const size_t outBytes = 2 * size_t{w} * h;
  Napi::Buffer<uint8_t> dst;
  if (!dstValue.IsEmpty() && !dstValue.IsUndefined() && !dstValue.IsNull()) {
    dst = requireBuffer(env, dstValue, (ctx + ": dst").c_str());
    if (dst.Length() < outBytes) {
      throwError(env, kErrOutOfRange, ctx + ": dst holds " + std::to_string(dst.Length()) + " bytes; needs " +
                                          std::to_string(outBytes));
    }
    if (dst.Data() < src.Data() + src.Length() && src.Data() < dst.Data() + outBytes) {
      throwError(env, kErrInvalidArgument, ctx + ": dst must not overlap src");
    }
  } else {
    dst = Napi::Buffer<uint8_t>::New(env, outBytes);
  }
  unpackToMono16(pixelFormat, src.Data(), w, h, paddingX, dst.Data());
  return dst;
}

Napi::Value UnpackMono12Packed(const Napi::CallbackInfo& info) { return Unpack(info, "unpackMono12Packed", kMono12Packed, 1); }
Napi::Value UnpackMono12p(const Napi::CallbackInfo& info) { return Unpack(info, "unpackMono12p", kMono12p, 1); }

// unpackToMono16(src, pixelFormat, width, height, {paddingX, dst}?)
Napi::Value UnpackToMono16(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint64_t format = toUint64(env, info[1], "unpackToMono16: pixelFormat");
  if (format > 0xFFFFFFFFull || !unpackSupportsFormat(static_cast<uint32_t>(format))) {
    throwError(env, kErrOutOfRange, "unpackToMono16: pixelFormat " + std::to_string(format) +
                                        " is not supported; allowed Mono8, Mono10, Mono10Packed, Mono10p, Mono12, "
                                        "Mono12Packed, Mono12p, Mono16");
  }
  return Unpack(info, "unpackToMono16", static_cast<uint32_t>(format), 2);
}

}  // namespace

void registerUnpack(Napi::Env env, Napi::Object exports) {
  exports.Set("unpackMono12Packed", Napi::Function::New(env, UnpackMono12Packed, "unpackMono12Packed"));
  exports.Set("unpackMono12p", Napi::Function::New(env, UnpackMono12p, "unpackMono12p"));
  exports.Set("unpackToMono16", Napi::Function::New(env, UnpackToMono16, "unpackToMono16"));
}

}  // namespace gige
