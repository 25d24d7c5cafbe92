// The emulated sensor's inspection scene (docs/emulator.md, "Inspection scene"): parts on a
// conveyor belt that advance one pitch per frame, a seeded fraction of them with a visible defect
// (a hole or a chipped corner), and sensor noise — deterministic for a seed and conveyor position.
// Sampled through the same ROI / decimation / binning / reverse mapping as the ramp, through the
// model's transfer table (which carries exposure, gain, black level, gamma and LUT), so noise grows
// with gain as a real sensor's does.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "scene.h"

namespace gige {

// Scene geometry in sensor pixels (4504 × 4504) and 12-bit scene values.
namespace inspection {
constexpr int64_t kSensorSize = 4504;
constexpr int64_t kStationX = 2252;       // centre of the part under inspection
constexpr int64_t kCentreY = 2252;
constexpr int64_t kBeltTop = 1352;        // belt rows [kBeltTop, kBeltBottom)
constexpr int64_t kBeltBottom = 3152;
constexpr int64_t kPitch = 1400;          // part spacing; the belt moves this much per frame
constexpr int64_t kPartWidth = 900;
constexpr int64_t kPartHeight = 1300;
constexpr int64_t kSeamWidth = 16;        // belt joint half-way between parts
constexpr uint16_t kFloor = 250;
constexpr uint16_t kBelt = 700;
constexpr uint16_t kSeam = 450;
constexpr uint16_t kPart = 3300;
constexpr double kShotNoisePerUnit = 0.25;  // variance added per scene unit (photon noise)
}  // namespace inspection

enum class DefectKind : uint8_t { None = 0, Hole = 1, Chip = 2 };

// Part k's defect, in part coordinates (origin at the part's top-left corner).
struct PartDefect {
  DefectKind kind = DefectKind::None;
  int64_t x = 0, y = 0, radius = 0;  // Hole: centre and radius
  uint32_t corner = 0;               // Chip: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right
  int64_t leg = 0;                   // Chip: the removed right triangle's legs
};

PartDefect inspectionDefect(uint64_t seed, int64_t part, double defectRate);

struct InspectionParams {
  RampParams view;  // geometry, format and transfer table; `phase` is not used
  int64_t position = 0;  // the part at the station
  uint64_t seed = 1;
  double defectRate = 0.2;
  double noiseSigma = 6;  // read noise, scene units
};

std::string validateInspectionParams(const InspectionParams& params, size_t dstLength);
void renderInspection(uint8_t* dst, const InspectionParams& params);

}  // namespace gige
