// Writing 12-bit scene output values in the pixel formats the emulated sensor delivers: Mono8,
// Mono10, Mono12, Mono16 (little-endian words) and the 12-bit packed formats. Shared by the ramp
// (scene.cc) and the inspection scene (scene_inspection.cc).
#pragma once
#include <cstddef>
#include <cstdint>

#include "pixel_format.h"

namespace gige {

// A 12-bit value in a 16-bit container: Mono10 keeps the top 10 bits, Mono16 has them in the MSBs.
inline uint16_t toContainer16(uint32_t pixelFormat, uint16_t v12) {
  switch (pixelFormat) {
    case kMono10: return static_cast<uint16_t>(v12 >> 2);
    case kMono12: return v12;
    default: return static_cast<uint16_t>(v12 << 4);  // Mono16: 12 bits in the MSBs
  }
}

inline void packPair(uint32_t pixelFormat, uint16_t p0, uint16_t p1, uint8_t* out) {
  if (pixelFormat == kMono12Packed) {
    out[0] = static_cast<uint8_t>(p0 >> 4);
    out[1] = static_cast<uint8_t>(((p1 & 0x0F) << 4) | (p0 & 0x0F));
    out[2] = static_cast<uint8_t>(p1 >> 4);
  } else {  // Mono12p: little-endian bit stream, pixel 0 in the low bits
    out[0] = static_cast<uint8_t>(p0 & 0xFF);
    out[1] = static_cast<uint8_t>(((p1 & 0x0F) << 4) | (p0 >> 8));
    out[2] = static_cast<uint8_t>(p1 >> 4);
  }
}

// A last, unpaired pixel of an odd-width packed line: the line ends on the byte holding its last bits.
inline void packSingle(uint32_t pixelFormat, uint16_t p0, uint8_t* out) {
  if (pixelFormat == kMono12Packed) {
    out[0] = static_cast<uint8_t>(p0 >> 4);
    out[1] = static_cast<uint8_t>(p0 & 0x0F);
  } else {
    out[0] = static_cast<uint8_t>(p0 & 0xFF);
    out[1] = static_cast<uint8_t>(p0 >> 8);
  }
}

// One line of 12-bit values in `pixelFormat` (lineBytes(pixelFormat, width) bytes at `out`).
inline void writeLine12(uint32_t pixelFormat, const uint16_t* values, uint32_t width, uint8_t* out) {
  switch (pixelFormat) {
    case kMono8:
      for (uint32_t x = 0; x < width; ++x) out[x] = static_cast<uint8_t>(values[x] >> 4);
      return;
    case kMono10: case kMono12: case kMono16:
      for (uint32_t x = 0; x < width; ++x) {
        const uint16_t v = toContainer16(pixelFormat, values[x]);
        out[2 * x] = static_cast<uint8_t>(v & 0xFF);
        out[2 * x + 1] = static_cast<uint8_t>(v >> 8);
      }
      return;
    default: {
      const uint32_t pairs = width / 2;
      for (uint32_t k = 0; k < pairs; ++k) packPair(pixelFormat, values[2 * k], values[2 * k + 1], out + 3 * static_cast<size_t>(k));
      if (width & 1) packSingle(pixelFormat, values[width - 1], out + 3 * static_cast<size_t>(pairs));
    }
  }
}

}  // namespace gige
