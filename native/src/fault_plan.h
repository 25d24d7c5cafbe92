// Deterministic, seeded network faults for the emulator's sender: random loss, burst loss,
// reordering and duplicates. Same seed and same packet sequence ⇒ same faults, so a test that
// fails can be replayed.
#pragma once
#include <cstdint>

namespace gige {

struct FaultConfig {
  uint64_t seed = 1;
  double lossRate = 0;       // probability that a packet is lost
  double burstLossRate = 0;  // probability that a burst of `burstLength` losses starts at a packet
  uint32_t burstLength = 0;
  double reorderRate = 0;    // probability that a packet is held back behind the next one
  double duplicateRate = 0;  // probability that a packet is sent twice

  bool any() const { return lossRate > 0 || (burstLossRate > 0 && burstLength > 0) || reorderRate > 0 || duplicateRate > 0; }
};

class FaultPlan {
 public:
  void reset(const FaultConfig& config) {
    config_ = config;
    state_ = config.seed ^ 0x6A09E667F3BCC909ull;
    burstRemaining_ = 0;
  }
  const FaultConfig& config() const { return config_; }

  bool drop() {
    if (burstRemaining_ > 0) {
      --burstRemaining_;
      return true;
    }
    if (config_.burstLength > 0 && config_.burstLossRate > 0 && chance(config_.burstLossRate)) {
      burstRemaining_ = config_.burstLength - 1;
      return true;
    }
    return config_.lossRate > 0 && chance(config_.lossRate);
  }
  bool reorder() { return config_.reorderRate > 0 && chance(config_.reorderRate); }
  bool duplicate() { return config_.duplicateRate > 0 && chance(config_.duplicateRate); }

 private:
  // splitmix64: tiny, fast and good enough to decide packet fates.
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

  FaultConfig config_;
  uint64_t state_ = 0;
  uint32_t burstRemaining_ = 0;
};

}  // namespace gige
