#include "scene.h"

#include <array>
#include <cstring>
#include <vector>

#include "pixel_format.h"
#include "scene_pixels.h"

namespace gige {
namespace {

// The scene depends on a pixel only through s = (sx + sy + n) mod 4096, because the binned mean
// of ramp(sx+i, sy+j, n) is a function of that sum alone. So every frame is one 4096-entry table
// of output values indexed by a per-line arithmetic sequence: the work per pixel is a table read,
// and for the common unit step a memcpy from a doubled table.
using Table12 = std::array<uint16_t, kRampPeriod>;

Table12 buildValueTable(const RampParams& p) {
  Table12 table{};
  const uint32_t count = p.binX * p.binY;
  for (uint32_t s = 0; s < kRampPeriod; ++s) {
    uint64_t sum = 0;
    for (uint32_t j = 0; j < p.binY; ++j) {
      for (uint32_t i = 0; i < p.binX; ++i) sum += (s + i + j) & (kRampPeriod - 1);
    }
    const uint32_t mean = static_cast<uint32_t>(sum / count);
    table[s] = p.lut ? p.lut[mean] : static_cast<uint16_t>(mean);
  }
  return table;
}

struct LineWalk {
  uint32_t start;  // table index of output pixel x = 0
  uint32_t delta;  // index increment per output pixel, modulo 4096
};

LineWalk lineWalk(const RampParams& p, uint32_t y) {
  const uint64_t oy = p.reverseY ? p.height - 1 - y : y;
  const uint64_t rowBase = p.originX + p.originY + oy * p.stepY + p.phase;
  const uint64_t mask = kRampPeriod - 1;
  if (!p.reverseX) {
    return {static_cast<uint32_t>(rowBase & mask), static_cast<uint32_t>(p.stepX & mask)};
  }
  const uint64_t first = rowBase + uint64_t{p.width - 1} * p.stepX;
  return {static_cast<uint32_t>(first & mask), static_cast<uint32_t>((kRampPeriod - (p.stepX & mask)) & mask)};
}

template <typename T>
void renderUnpacked(uint8_t* dst, const RampParams& p, const std::array<T, kRampPeriod>& values) {
  // Doubled so that any run of up to 4096 consecutive indices is one contiguous slice.
  std::vector<T> doubled(2 * kRampPeriod);
  std::memcpy(doubled.data(), values.data(), sizeof(T) * kRampPeriod);
  std::memcpy(doubled.data() + kRampPeriod, values.data(), sizeof(T) * kRampPeriod);
  const size_t lineLen = sizeof(T) * p.width;
  for (uint32_t y = 0; y < p.height; ++y) {
    uint8_t* line = dst + y * lineLen;
    const LineWalk walk = lineWalk(p, y);
    if (walk.delta == 1) {
      uint32_t done = 0;
      while (done < p.width) {
        const uint32_t n = std::min<uint32_t>(p.width - done, kRampPeriod);
        std::memcpy(line + done * sizeof(T), doubled.data() + walk.start, n * sizeof(T));
        done += n;  // 4096 later the sequence is back at walk.start
      }
      continue;
    }
    uint32_t idx = walk.start;
    for (uint32_t x = 0; x < p.width; ++x) {
      std::memcpy(line + x * sizeof(T), &values[idx], sizeof(T));
      idx = (idx + walk.delta) & (kRampPeriod - 1);
    }
  }
}

void renderPacked(uint8_t* dst, const RampParams& p, const Table12& values) {
  const size_t lineLen = lineBytes(p.pixelFormat, p.width);
  const uint32_t pairs = p.width / 2;
  // For unit steps: the packed bytes of the periodic sequence starting at an even index (table 0)
  // or an odd index (table 1), two periods long, so a line is memcpy'd in slices of 2048 pairs.
  std::vector<uint8_t> packedFrom[2];
  bool anyUnitStep = false;
  for (uint32_t y = 0; y < p.height && !anyUnitStep; ++y) anyUnitStep = lineWalk(p, y).delta == 1;
  if (anyUnitStep) {
    for (uint32_t parity = 0; parity < 2; ++parity) {
      packedFrom[parity].resize(3 * kRampPeriod);
      for (uint32_t k = 0; k < kRampPeriod; ++k) {
        const uint32_t s = (parity + 2 * k) & (kRampPeriod - 1);
        packPair(p.pixelFormat, values[s], values[(s + 1) & (kRampPeriod - 1)], &packedFrom[parity][3 * k]);
      }
    }
  }
  for (uint32_t y = 0; y < p.height; ++y) {
    uint8_t* line = dst + y * lineLen;
    const LineWalk walk = lineWalk(p, y);
    uint32_t idx = walk.start;
    if (walk.delta == 1) {
      const std::vector<uint8_t>& table = packedFrom[idx & 1];
      const size_t startByte = 3 * static_cast<size_t>(idx >> 1);
      uint32_t done = 0;
      while (done < pairs) {
        const uint32_t n = std::min<uint32_t>(pairs - done, kRampPeriod / 2);
        std::memcpy(line + 3 * static_cast<size_t>(done), table.data() + startByte, 3 * static_cast<size_t>(n));
        done += n;
      }
      idx = (idx + 2 * pairs) & (kRampPeriod - 1);
    } else {
      for (uint32_t k = 0; k < pairs; ++k) {
        const uint32_t next = (idx + walk.delta) & (kRampPeriod - 1);
        packPair(p.pixelFormat, values[idx], values[next], line + 3 * static_cast<size_t>(k));
        idx = (next + walk.delta) & (kRampPeriod - 1);
      }
    }
    if (p.width & 1) packSingle(p.pixelFormat, values[idx], line + 3 * static_cast<size_t>(pairs));
  }
}

}  // namespace

bool rampSupportsFormat(uint32_t pixelFormat) {
  switch (pixelFormat) {
    case kMono8: case kMono10: case kMono12: case kMono16: case kMono12Packed: case kMono12p:
      return true;
    default:
      return false;
  }
}

size_t rampImageBytes(const RampParams& params) {
  return lineBytes(params.pixelFormat, params.width) * params.height;
}

std::string validateRampParams(const RampParams& p, size_t dstLength) {
  if (!rampSupportsFormat(p.pixelFormat)) {
    return "pixelFormat " + std::to_string(p.pixelFormat) +
           " is not renderable; allowed Mono8 0x01080001, Mono10 0x01100003, Mono12 0x01100005, "
           "Mono16 0x01100007, Mono12Packed 0x010C0006, Mono12p 0x010C0047";
  }
  if (p.width == 0 || p.height == 0) return "width and height must be at least 1";
  if (p.stepX == 0 || p.stepY == 0) return "stepX and stepY must be at least 1";
  if (p.binX == 0 || p.binY == 0 || p.binX > kMaxBin || p.binY > kMaxBin) {
    return "binX and binY must be in 1 … " + std::to_string(kMaxBin);
  }
  if (p.lut) {
    for (uint32_t i = 0; i < kRampPeriod; ++i) {
      if (p.lut[i] >= kRampPeriod) {
        return "lut[" + std::to_string(i) + "] = " + std::to_string(p.lut[i]) + " is out of range; allowed 0 … 4095";
      }
    }
  }
  const size_t need = rampImageBytes(p);
  if (dstLength < need) {
    return "dst holds " + std::to_string(dstLength) + " bytes; this image needs " + std::to_string(need);
  }
  return {};
}

void renderRamp(uint8_t* dst, const RampParams& p) {
  const Table12 values = buildValueTable(p);
  switch (p.pixelFormat) {
    case kMono8: {
      std::array<uint8_t, kRampPeriod> bytes{};
      for (uint32_t s = 0; s < kRampPeriod; ++s) bytes[s] = static_cast<uint8_t>(values[s] >> 4);
      renderUnpacked(dst, p, bytes);
      break;
    }
    case kMono10: case kMono12: case kMono16: {
      // Little-endian 16-bit words, whatever the host byte order.
      std::array<uint16_t, kRampPeriod> words{};
      for (uint32_t s = 0; s < kRampPeriod; ++s) {
        const uint16_t v = toContainer16(p.pixelFormat, values[s]);
        uint8_t le[2] = {static_cast<uint8_t>(v & 0xFF), static_cast<uint8_t>(v >> 8)};
        std::memcpy(&words[s], le, 2);
      }
      renderUnpacked(dst, p, words);
      break;
    }
    default:
      renderPacked(dst, p, values);
      break;
  }
}

}  // namespace gige
