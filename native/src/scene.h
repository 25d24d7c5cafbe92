// The emulated sensor's scene (docs/architecture.md "The scene"): a 12-bit diagonal ramp moving
// one step per frame, sampled through ROI offset, decimation step, binning and reverse, mapped
// through the model's 4096-entry transfer table and written in the requested pixel format.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace gige {

struct RampParams {
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t pixelFormat = 0;
  uint64_t originX = 0;
  uint64_t originY = 0;
  uint32_t stepX = 1;
  uint32_t stepY = 1;
  uint32_t binX = 1;
  uint32_t binY = 1;
  bool reverseX = false;
  bool reverseY = false;
  uint64_t phase = 0;
  const uint16_t* lut = nullptr;  // 4096 entries of 0…4095, or null for identity
};

constexpr uint32_t kRampPeriod = 4096;
constexpr uint32_t kMaxBin = 64;

// Renderable formats: Mono8, Mono10, Mono12, Mono16, Mono12Packed, Mono12p.
bool rampSupportsFormat(uint32_t pixelFormat);

// Bytes renderRamp writes: height lines of ceil(width × bits / 8) bytes, no padding.
size_t rampImageBytes(const RampParams& params);

// Returns an empty string on success, else what was wrong (nothing is written then).
std::string validateRampParams(const RampParams& params, size_t dstLength);

// Renders into dst (dst must hold rampImageBytes(params)); params must have passed validation.
void renderRamp(uint8_t* dst, const RampParams& params);

}  // namespace gige
