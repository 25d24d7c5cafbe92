// Resend requests and timeouts of the frame assembler: when to ask for missing packets, how
// long a frame may wait, and when it is finished incomplete (frame_assembler.cc assembles).
#include <algorithm>

#include "frame_assembler_internal.h"

namespace gige {

using assembly::bump;
using assembly::kProbeEvery;
using assembly::kTailRequestPackets;
using assembly::setBit;
using assembly::testBit;

bool FrameAssembler::resendAllowed(const InFlight& f) const {
  if (!config_.resend.enabled || f.refused || f.buffer < 0) return false;
  return !resendIgnored_ || f.sequence % kProbeEvery == 0;
}

// Frames may not wait longer than one frame period, so at high frame rates the reorder grace and
// the retry interval shrink with the period: a resend round must fit inside that budget.
uint64_t FrameAssembler::graceNs() const {
  return framePeriodNs_ ? std::min(config_.resend.reorderGraceNs, framePeriodNs_ / 4) : config_.resend.reorderGraceNs;
}

uint64_t FrameAssembler::retryNs() const {
  return framePeriodNs_ ? std::max<uint64_t>(100000, std::min(config_.resend.retryIntervalNs, framePeriodNs_ / 3))
                        : config_.resend.retryIntervalNs;
}

uint64_t FrameAssembler::maxWaitNs(const InFlight& f) const {
  if (!resendAllowed(f)) return graceNs();  // nothing more will come: just allow reordering
  uint64_t wait = config_.frameTimeoutNs;
  if (framePeriodNs_) wait = std::min(wait, framePeriodNs_);
  return std::max(wait, 2 * graceNs());
}

// A frame period estimated from back-to-back frames can be microseconds: shorter than a sender's
// scheduling hiccup mid-block. Silence must last at least this long before it counts as the end.
constexpr uint64_t kMinSilenceNs = 1000000;

uint64_t FrameAssembler::silenceNs(const InFlight& f) const {
  return std::max(maxWaitNs(f), kMinSilenceNs);
}

void FrameAssembler::requestMissing(InFlight& f, uint64_t nowNs) {
  const ResendPolicy& policy = config_.resend;
  const uint32_t expected = (f.countKnown ? f.dataPackets : f.hintKnown ? f.hintDataPackets : f.highestId) + 2;
  const uint32_t packetBudget = std::max<uint32_t>(1, static_cast<uint32_t>(policy.maxPacketRatio * expected + 0.5));
  auto ask = [&](uint32_t first, uint32_t last) -> bool {
    const uint32_t count = last - first + 1;
    if (f.requests >= policy.maxRequestsPerFrame || f.requestedPackets + count > packetBudget) {
      bump(stats_.resendLimitReached);
      f.gaps.clear();
      f.limitReached = true;  // bounded: no more requests, but answers to earlier ones may still come
      return false;
    }
    PacketResendRequest request;
    request.extended = f.extendedIds;
    request.streamChannel = config_.streamChannel;
    request.blockId = f.blockId;
    request.firstPacketId = first;
    request.lastPacketId = last;
    onResend_(request);
    if (f.requests == 0) f.firstRequestNs = nowNs;
    f.requests += 1;
    f.requestedPackets += count;
    bump(stats_.resendRequests);
    bump(stats_.resendPacketsRequested, count);
    for (uint32_t id = first; id <= last; ++id) setBit(f.asked, id);
    return true;
  };

  // The device has finished the block but its end never came: ask for everything after the last
  // packet seen, up to the trailer when its id is known, else one packet at a time.
  if (f.dueNs && !f.trailerSeen && nowNs >= f.tailNextNs) {
    const uint32_t first = f.anyPacket ? f.highestId + 1 : 0;
    uint32_t last = f.countKnown ? f.dataPackets + 1 : f.hintKnown ? f.hintDataPackets + 1 : first;
    // A long tail is more likely a late sender than lost packets: ask for it in bounded steps.
    last = std::min(last, first + kTailRequestPackets - 1);
    f.tailNextNs = nowNs + retryNs();
    if (first <= last && last <= f.maxDataPackets + 1 && !ask(first, last)) return;
  }

  std::vector<Gap> still;
  for (size_t g = 0; g < f.gaps.size(); ++g) {
    const Gap gap = f.gaps[g];
    if (gap.dueNs > nowNs) {
      still.push_back(gap);
      continue;
    }
    uint32_t id = gap.first;
    while (id <= gap.last) {
      while (id <= gap.last && testBit(f.received, id)) ++id;
      if (id > gap.last) break;
      const uint32_t runStart = id;
      while (id <= gap.last && !testBit(f.received, id)) ++id;
      if (!ask(runStart, id - 1)) return;
      still.push_back({runStart, id - 1, nowNs + retryNs()});
    }
  }
  f.gaps.swap(still);
}

void FrameAssembler::onTick(uint64_t nowNs) {
  for (auto& ptr : frames_) {
    InFlight& f = *ptr;
    if (f.finished) continue;
    if (f.buffer < 0) {
      if (f.dueNs || nowNs > f.lastNs + silenceNs(f)) finish(f, false, nowNs);
      continue;
    }
    // Silence for a whole wait period and not due: the device stopped mid-block (or its end was lost).
    if (!f.dueNs && nowNs > f.lastNs + silenceNs(f)) f.dueNs = nowNs;
    if (resendAllowed(f) && !f.limitReached) requestMissing(f, nowNs);
    if (f.dueNs && nowNs >= f.dueNs + maxWaitNs(f)) finish(f, false, nowNs);
  }
  emitFinishedInOrder();
}

}  // namespace gige
