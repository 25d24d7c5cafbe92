#include "scene_inspection.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "pixel_format.h"
#include "scene_pixels.h"

namespace gige {
namespace {

using namespace inspection;

uint64_t splitmix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The n-th random word of part k: every property of a part depends only on (seed, k, n).
uint64_t partWord(uint64_t seed, int64_t part, uint64_t n) {
  return splitmix(splitmix(seed ^ (static_cast<uint64_t>(part) * 0xD1B54A32D192ED03ull)) + n);
}

double unit(uint64_t word) { return static_cast<double>(word >> 11) * 0x1.0p-53; }

constexpr size_t kNoiseTable = 1 << 16;

// Standard normal samples × 1024, fixed per seed (Box–Muller over splitmix).
std::vector<int16_t> noiseTable(uint64_t seed) {
  std::vector<int16_t> table(kNoiseTable);
  uint64_t state = seed ^ 0xA0761D6478BD642Full;
  for (size_t i = 0; i < kNoiseTable; i += 2) {
    const double u1 = std::max(unit(splitmix(state++)), 1e-12);
    const double u2 = unit(splitmix(state++));
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double a = std::min(32767.0, std::max(-32768.0, std::round(1024.0 * r * std::cos(6.283185307179586 * u2))));
    const double b = std::min(32767.0, std::max(-32768.0, std::round(1024.0 * r * std::sin(6.283185307179586 * u2))));
    table[i] = static_cast<int16_t>(a);
    table[i + 1] = static_cast<int16_t>(b);
  }
  return table;
}

// Paints sensor row `sy` over sensor columns [x0, x1) into `row` (row[0] is column x0).
void paintRow(int64_t sy, int64_t x0, int64_t x1, const InspectionParams& p, uint16_t* row) {
  const bool onBelt = sy >= kBeltTop && sy < kBeltBottom;
  std::fill(row, row + (x1 - x0), onBelt ? kBelt : kFloor);
  if (!onBelt) return;
  auto fill = [&](int64_t from, int64_t to, uint16_t value) {
    from = std::max(from, x0);
    to = std::min(to, x1);
    if (from < to) std::fill(row + (from - x0), row + (to - x0), value);
  };
  // Parts whose pitch cell overlaps [x0, x1): cell k spans centre(k) ± pitch/2.
  auto centre = [&](int64_t k) { return kStationX + (k - p.position) * kPitch; };
  const int64_t first = p.position + static_cast<int64_t>(std::floor(static_cast<double>(x0 - kStationX - kPitch / 2) / kPitch));
  const int64_t last = p.position + static_cast<int64_t>(std::ceil(static_cast<double>(x1 - kStationX + kPitch / 2) / kPitch));
  const int64_t partTop = kCentreY - kPartHeight / 2;
  for (int64_t k = first; k <= last; ++k) {
    const int64_t seam = centre(k) + kPitch / 2;
    fill(seam - kSeamWidth / 2, seam + kSeamWidth / 2, kSeam);
    if (sy < partTop || sy >= partTop + kPartHeight) continue;
    const int64_t left = centre(k) - kPartWidth / 2;
    int64_t from = left;
    int64_t to = left + kPartWidth;
    const PartDefect d = inspectionDefect(p.seed, k, p.defectRate);
    const int64_t py = sy - partTop;  // row inside the part
    if (d.kind == DefectKind::Chip) {
      // The corner triangle with legs `leg` is missing: rows within `leg` of that edge lose
      // (leg − distance) columns at that side.
      const bool top = d.corner < 2;
      const bool leftSide = (d.corner & 1) == 0;
      const int64_t distance = top ? py : kPartHeight - 1 - py;
      if (distance < d.leg) {
        const int64_t cut = d.leg - distance;
        if (leftSide) from += cut; else to -= cut;
      }
    }
    fill(from, to, kPart);
    if (d.kind == DefectKind::Hole) {
      const int64_t dy = py - d.y;
      if (dy > -d.radius && dy < d.radius) {
        const int64_t half = static_cast<int64_t>(std::floor(std::sqrt(static_cast<double>(d.radius * d.radius - dy * dy))));
        fill(left + d.x - half, left + d.x + half + 1, kBelt);  // the belt shows through
      }
    }
  }
}

}  // namespace

PartDefect inspectionDefect(uint64_t seed, int64_t part, double defectRate) {
  PartDefect d;
  if (unit(partWord(seed, part, 0)) >= defectRate) return d;
  const uint64_t shape = partWord(seed, part, 1);
  if ((shape & 1) == 0) {
    d.kind = DefectKind::Hole;
    d.radius = 60 + static_cast<int64_t>(partWord(seed, part, 2) % 81);  // 60 … 140
    const int64_t margin = d.radius + 60;
    d.x = margin + static_cast<int64_t>(partWord(seed, part, 3) % static_cast<uint64_t>(kPartWidth - 2 * margin));
    d.y = margin + static_cast<int64_t>(partWord(seed, part, 4) % static_cast<uint64_t>(kPartHeight - 2 * margin));
  } else {
    d.kind = DefectKind::Chip;
    d.corner = static_cast<uint32_t>((shape >> 1) & 3);
    d.leg = 150 + static_cast<int64_t>(partWord(seed, part, 2) % 151);  // 150 … 300
  }
  return d;
}

std::string validateInspectionParams(const InspectionParams& p, size_t dstLength) {
  if (!(p.defectRate >= 0 && p.defectRate <= 1)) return "defectRate must be in 0 … 1";
  if (!(p.noiseSigma >= 0 && p.noiseSigma <= 1000)) return "noiseSigma must be in 0 … 1000";
  return validateRampParams(p.view, dstLength);
}

void renderInspection(uint8_t* dst, const InspectionParams& p) {
  const RampParams& v = p.view;
  const std::vector<int16_t> noise = noiseTable(p.seed);
  // Noise standard deviation per scene value, ×64 fixed point, averaged down by binning.
  std::array<int32_t, kRampPeriod> sigma{};
  const double binned = std::sqrt(static_cast<double>(v.binX) * v.binY);
  for (uint32_t s = 0; s < kRampPeriod; ++s) {
    sigma[s] = static_cast<int32_t>(std::lround(64.0 * std::sqrt(p.noiseSigma * p.noiseSigma + kShotNoisePerUnit * s) / binned));
  }
  // Each output pixel samples the centre of its binning window.
  const int64_t spanX = static_cast<int64_t>(v.width - 1) * v.stepX + v.binX;
  const int64_t x0 = static_cast<int64_t>(v.originX);
  std::vector<uint16_t> scene(static_cast<size_t>(spanX));
  std::vector<uint16_t> out(v.width);
  const size_t lineLen = lineBytes(v.pixelFormat, v.width);
  for (uint32_t y = 0; y < v.height; ++y) {
    const uint64_t oy = v.reverseY ? v.height - 1 - y : y;
    const int64_t sy = static_cast<int64_t>(v.originY + oy * v.stepY + v.binY / 2);
    paintRow(sy, x0, x0 + spanX, p, scene.data());
    // The noise belongs to the sensor pixel: a row starts at a seeded place in the table and
    // column sx reads sx further on, so an ROI shows the same noise as the full frame there.
    const uint64_t row = splitmix(p.seed ^ splitmix(static_cast<uint64_t>(p.position) * 0x9E3779B1u + static_cast<uint64_t>(sy)));
    for (uint32_t x = 0; x < v.width; ++x) {
      const uint64_t ox = v.reverseX ? v.width - 1 - x : x;
      const uint64_t column = ox * v.stepX + v.binX / 2;
      const uint16_t s = scene[column];
      const int32_t value = s + ((sigma[s] * noise[(row + static_cast<uint64_t>(x0) + column) & (kNoiseTable - 1)]) >> 16);
      const uint16_t clamped = static_cast<uint16_t>(std::min<int32_t>(kRampPeriod - 1, std::max<int32_t>(0, value)));
      out[x] = v.lut ? v.lut[clamped] : clamped;
    }
    writeLine12(v.pixelFormat, out.data(), v.width, dst + y * lineLen);
  }
}

}  // namespace gige
