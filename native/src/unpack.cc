#include "unpack.h"

#include <cstring>

#include "pixel_format.h"

namespace gige {
namespace {

inline void put16(uint8_t* dst, size_t index, uint32_t value) {
  dst[2 * index] = static_cast<uint8_t>(value);
  dst[2 * index + 1] = static_cast<uint8_t>(value >> 8);
}

void unpack12Line(bool pfnc, const uint8_t* s, uint32_t width, uint8_t* d) {
  const uint32_t pairs = width / 2;
  for (uint32_t k = 0; k < pairs; ++k, s += 3) {
    const uint32_t b0 = s[0], b1 = s[1], b2 = s[2];
    // GigE Mono12Packed: B0 = P0[11:4]; PFNC Mono12p: B0 = P0[7:0]. The second pixel is the same in both.
    const uint32_t p0 = pfnc ? (b0 | ((b1 & 0x0F) << 8)) : ((b0 << 4) | (b1 & 0x0F));
    const uint32_t p1 = (b2 << 4) | (b1 >> 4);
    put16(d, 2 * size_t{k}, p0);
    put16(d, 2 * size_t{k} + 1, p1);
  }
  if (width & 1) {
    const uint32_t b0 = s[0], b1 = s[1];
    put16(d, width - 1, pfnc ? (b0 | ((b1 & 0x0F) << 8)) : ((b0 << 4) | (b1 & 0x0F)));
  }
}

void unpack10Line(bool pfnc, const uint8_t* s, uint32_t width, uint8_t* d) {
  if (pfnc) {
    // Mono10p: one little-endian bit stream, 4 pixels in 5 bytes.
    for (uint32_t x = 0; x < width; ++x) {
      const size_t bit = size_t{x} * 10;
      const size_t byte = bit / 8;
      const uint32_t shift = static_cast<uint32_t>(bit % 8);
      uint32_t window = s[byte];
      if (shift + 10 > 8) window |= uint32_t{s[byte + 1]} << 8;
      if (shift + 10 > 16) window |= uint32_t{s[byte + 2]} << 16;
      put16(d, x, (window >> shift) & 0x3FF);
    }
    return;
  }
  // GigE Mono10Packed: B0 = P0[9:2], B1 = P0[1:0] in bits 1..0 and P1[1:0] in bits 5..4, B2 = P1[9:2].
  const uint32_t pairs = width / 2;
  for (uint32_t k = 0; k < pairs; ++k, s += 3) {
    put16(d, 2 * size_t{k}, (uint32_t{s[0]} << 2) | (s[1] & 0x03));
    put16(d, 2 * size_t{k} + 1, (uint32_t{s[2]} << 2) | ((s[1] >> 4) & 0x03));
  }
  if (width & 1) put16(d, width - 1, (uint32_t{s[0]} << 2) | (s[1] & 0x03));
}

}  // namespace

bool unpackSupportsFormat(uint32_t pixelFormat) { return isKnownMono(pixelFormat); }

size_t unpackSourceBytes(uint32_t pixelFormat, uint32_t width, uint32_t height, uint32_t paddingX) {
  return (lineBytes(pixelFormat, width) + paddingX) * size_t{height};
}

void unpackToMono16(uint32_t pixelFormat, const uint8_t* src, uint32_t width, uint32_t height, uint32_t paddingX,
                    uint8_t* dst) {
  const size_t srcLine = lineBytes(pixelFormat, width) + paddingX;
  const size_t dstLine = 2 * size_t{width};
  for (uint32_t y = 0; y < height; ++y) {
    const uint8_t* s = src + y * srcLine;
    uint8_t* d = dst + y * dstLine;
    switch (pixelFormat) {
      case kMono8:
        for (uint32_t x = 0; x < width; ++x) put16(d, x, s[x]);
        break;
      case kMono10: case kMono12: case kMono16:
        // Already 16-bit little-endian words; the value is kept as sent (no masking, no scaling).
        std::memcpy(d, s, dstLine);
        break;
      case kMono12Packed: unpack12Line(false, s, width, d); break;
      case kMono12p: unpack12Line(true, s, width, d); break;
      case kMono10Packed: unpack10Line(false, s, width, d); break;
      case kMono10p: unpack10Line(true, s, width, d); break;
      default: break;
    }
  }
}

}  // namespace gige
