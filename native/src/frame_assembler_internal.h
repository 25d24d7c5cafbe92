// Internals shared by the frame assembler's translation units (assembly, and resend/timeouts).
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

#include "frame_assembler.h"

namespace gige {
namespace assembly {

constexpr uint64_t kRestartDistance = 64;  // a leader this far behind the stream is a restart, not a late packet
constexpr uint64_t kProbeEvery = 16;       // while resends look ignored, still try on every 16th frame
constexpr uint32_t kTailRequestPackets = 64;

inline bool testBit(const std::vector<uint64_t>& bits, uint32_t i) { return (bits[i >> 6] >> (i & 63)) & 1u; }
inline void setBit(std::vector<uint64_t>& bits, uint32_t i) { bits[i >> 6] |= uint64_t{1} << (i & 63); }

inline void bump(std::atomic<uint64_t>& counter, uint64_t by = 1) { counter.fetch_add(by, std::memory_order_relaxed); }

}  // namespace assembly

struct FrameAssembler::InFlight {
  int buffer = -1;  // -1: a block we could not take (pool exhausted); its packets are counted and ignored
  uint8_t* base = nullptr;
  uint64_t sequence = 0;
  uint64_t blockId = 0;
  bool extendedIds = false;  // the id format it arrived in: resend requests for it use the same
  size_t dataPerPacket = 0;
  uint32_t maxDataPackets = 0;  // data packet ids 1 … max fit the buffer
  std::vector<uint64_t> received;
  std::vector<uint64_t> asked;
  uint32_t receivedCount = 0;
  uint32_t resentCount = 0;
  bool anyPacket = false;
  uint32_t highestId = 0;
  bool countKnown = false;  // from the trailer: N data packets
  uint32_t dataPackets = 0;
  bool hintKnown = false;  // from the leader's image size (a hint: the trailer decides)
  uint32_t hintDataPackets = 0;
  size_t imageBytes = 0;
  size_t payloadEnd = 0;
  bool leaderSeen = false;
  bool trailerSeen = false;
  Leader leader;
  Trailer trailer;
  uint64_t firstNs = 0;
  uint64_t lastNs = 0;
  uint64_t firstArrivalNs = 0;  // host arrival (CLOCK_REALTIME) of its earliest and latest packets
  uint64_t lastArrivalNs = 0;
  uint64_t dueNs = 0;  // the device has finished sending it (trailer, or a newer block began)
  uint64_t tailNextNs = 0;
  bool refused = false;       // the device answered PACKET_UNAVAILABLE
  bool limitReached = false;  // this frame has had its share of requests
  bool finished = false;
  bool complete = false;
  std::vector<Gap> gaps;
  uint64_t firstRequestNs = 0;
  uint64_t finishedNs = 0;
  uint32_t requests = 0;
  uint32_t requestedPackets = 0;
};

}  // namespace gige
