// Packed and 16-bit container pixel formats → 16-bit little-endian pixels holding the raw value
// (Mono12Packed 0…4095, Mono10 0…1023, …), bit-exact, any width: every source line starts on a
// byte boundary (ceil(width × bits / 8) bytes, plus the GVSP line padding).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace gige {

bool unpackSupportsFormat(uint32_t pixelFormat);

// Source bytes needed for width×height with `paddingX` bytes after each line.
size_t unpackSourceBytes(uint32_t pixelFormat, uint32_t width, uint32_t height, uint32_t paddingX);

// Writes width×height little-endian uint16 values to dst (2 × width × height bytes). The caller
// has checked the sizes with unpackSourceBytes.
void unpackToMono16(uint32_t pixelFormat, const uint8_t* src, uint32_t width, uint32_t height, uint32_t paddingX,
                    uint8_t* dst);

}  // namespace gige
