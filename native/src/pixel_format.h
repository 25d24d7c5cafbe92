// PFNC pixel format codes of the monochrome formats this package renders, receives and unpacks.
#pragma once
#include <cstddef>
#include <cstdint>

namespace gige {

enum PixelFormat : uint32_t {
  kMono8 = 0x01080001,
  kMono10 = 0x01100003,
  kMono10Packed = 0x010C0004,
  kMono12 = 0x01100005,
  kMono12Packed = 0x010C0006,
  kMono16 = 0x01100007,
  kMono10p = 0x010A0046,
  kMono12p = 0x010C0047,
};

// Bits each pixel occupies on the wire: bits 23..16 of the PFNC code.
inline uint32_t bitsPerPixel(uint32_t pixelFormat) { return (pixelFormat >> 16) & 0xFF; }

// Packed lines start on a byte boundary (PFNC): ceil(width × bits / 8).
inline size_t lineBytes(uint32_t pixelFormat, uint32_t width) {
  return (static_cast<size_t>(width) * bitsPerPixel(pixelFormat) + 7) / 8;
}

inline bool isKnownMono(uint32_t pixelFormat) {
  switch (pixelFormat) {
    case kMono8: case kMono10: case kMono10Packed: case kMono12: case kMono12Packed:
    case kMono16: case kMono10p: case kMono12p:
      return true;
    default:
      return false;
  }
}

}  // namespace gige
