#include "frame_assembler.h"
#include "frame_assembler_internal.h"

#include <algorithm>
#include <cstring>

#include "pixel_format.h"

namespace gige {

using assembly::bump;
using assembly::kRestartDistance;
using assembly::setBit;
using assembly::testBit;


FrameAssembler::FrameAssembler(const AssemblerConfig& config, std::shared_ptr<FramePool> pool, AssemblerStats& stats,
                               FrameSink onFrame, ResendSink onResend, WarningSink onWarning)
    : config_(config),
      pool_(std::move(pool)),
      stats_(stats),
      onFrame_(std::move(onFrame)),
      onResend_(std::move(onResend)),
      onWarning_(std::move(onWarning)),
      dataPerPacket_(std::max<size_t>(config.dataPerPacket, 1)),
      extendedIds_(config.extendedIds) {}

FrameAssembler::~FrameAssembler() { discardAll(); }

void FrameAssembler::discardAll() {
  for (auto& f : frames_) {
    if (f->buffer >= 0) pool_->release(f->buffer);
    f->buffer = -1;
  }
  frames_.clear();
}

size_t FrameAssembler::predict(Prediction* out, size_t max) const {
  if (frames_.empty() || max == 0) return 0;
  const InFlight& f = *frames_.back();
  if (f.buffer < 0 || f.finished) return 0;
  uint32_t limit = f.maxDataPackets;
  if (f.countKnown) limit = std::min(limit, f.dataPackets);
  else if (f.hintKnown) limit = std::min(limit, f.hintDataPackets);
  size_t n = 0;
  for (uint32_t id = std::max<uint32_t>(1, f.anyPacket ? f.highestId + 1 : 1); id <= limit && n < max; ++id) {
    if (testBit(f.received, id)) continue;
    const size_t offset = static_cast<size_t>(id - 1) * f.dataPerPacket;
    out[n].region = f.base + offset;
    out[n].length = std::min(f.dataPerPacket, pool_->capacity() - offset);
    out[n].blockId = f.blockId;
    out[n].packetId = id;
    ++n;
  }
  return n;
}

uint64_t FrameAssembler::sequenceOf(uint64_t wire) {
  if (extendedIds_) return wire + sequenceOffset_;
  if (!haveSequence_) {
    haveSequence_ = true;
    lastWire_ = wire;
    lastSequence_ = (uint64_t{1} << 32) + wire;
    return lastSequence_;
  }
  // Standard block ids run 1 … 65535 and wrap to 1 (0 is the test packet): distance modulo 65535.
  const int64_t a = static_cast<int64_t>(wire) - 1;
  const int64_t b = static_cast<int64_t>(lastWire_) - 1;
  int64_t d = ((a - b) % 65535 + 65535) % 65535;
  if (d > 32767) d -= 65535;
  const uint64_t sequence = lastSequence_ + static_cast<uint64_t>(d);
  if (d > 0) {
    lastWire_ = wire;
    lastSequence_ = sequence;
  }
  return sequence;
}

void FrameAssembler::restartNumbering(uint64_t wire) {
  uint64_t next = lastFinishedSequence_ + 1;
  if (!frames_.empty()) next = std::max(next, frames_.back()->sequence + 1);
  if (extendedIds_) {
    sequenceOffset_ = next - wire;
  } else {
    haveSequence_ = true;
    lastWire_ = wire;
    lastSequence_ = next;
  }
}

FrameAssembler::InFlight* FrameAssembler::findFrame(uint64_t sequence) {
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
    if ((*it)->sequence == sequence) return it->get();
  }
  return nullptr;
}

FrameAssembler::InFlight* FrameAssembler::openFrame(uint64_t sequence, uint64_t wireBlockId, uint64_t nowNs) {
  bool newest = frames_.empty() || sequence > frames_.back()->sequence;
  if (newest) {
    // The device moved on: everything older has been sent and is now only waiting for resends.
    for (auto& f : frames_) {
      if (!f->dueNs) f->dueNs = nowNs;
    }
    if (lastFrameStartNs_ && nowNs > lastFrameStartNs_) {
      const uint64_t interval = nowNs - lastFrameStartNs_;
      if (interval < 10000000000ull) {
        framePeriodNs_ = framePeriodNs_ ? (framePeriodNs_ * 7 + interval) / 8 : interval;
        stats_.framePeriodNs.store(framePeriodNs_, std::memory_order_relaxed);
      }
    }
    lastFrameStartNs_ = nowNs;
  }
  while (frames_.size() >= std::max<uint32_t>(1, config_.maxFramesInFlight)) {
    InFlight& oldest = *frames_.front();
    if (!oldest.finished) finish(oldest, false, nowNs);
    emitFinishedInOrder();
  }
  auto frame = std::make_unique<InFlight>();
  frame->sequence = sequence;
  frame->blockId = wireBlockId;
  frame->extendedIds = extendedIds_;
  frame->firstNs = frame->lastNs = nowNs;
  if (!newest) frame->dueNs = nowNs;
  frame->buffer = pool_->acquire();
  if (frame->buffer < 0) {
    bump(stats_.framesDroppedPoolExhausted);
  } else {
    frame->base = pool_->data(frame->buffer);
    frame->dataPerPacket = dataPerPacket_;
    const size_t capacity = pool_->capacity();
    const size_t maxPackets = (capacity + dataPerPacket_ - 1) / dataPerPacket_;
    frame->maxDataPackets = static_cast<uint32_t>(std::min<size_t>(maxPackets, 0xFFFFFFF0u));
    const size_t words = (static_cast<size_t>(frame->maxDataPackets) + 2 + 63) / 64;
    frame->received.assign(words, 0);
    frame->asked.assign(words, 0);
  }
  InFlight* raw = frame.get();
  auto pos = std::upper_bound(frames_.begin(), frames_.end(), sequence,
                              [](uint64_t s, const std::unique_ptr<InFlight>& f) { return s < f->sequence; });
  frames_.insert(pos, std::move(frame));
  return raw;
}

void FrameAssembler::onPacket(const GvspHeader& header, const uint8_t* body, size_t length, bool inPlace,
                              uint64_t nowNs, uint64_t arrivalRealtimeNs) {
  bump(stats_.packetsReceived);
  if (header.blockId == 0) {  // a test packet
    bump(stats_.packetsIgnored);
    return;
  }
  if (header.extended != extendedIds_) {
    extendedIds_ = header.extended;
    haveSequence_ = false;
    sequenceOffset_ = 0;
  }
  uint64_t sequence = sequenceOf(header.blockId);
  InFlight* f = findFrame(sequence);
  if (header.status & 0x8000) {
    // PACKET_UNAVAILABLE and friends: this frame cannot be completed; stop asking for it.
    bump(stats_.packetsUnavailable);
    if (f) {
      f->refused = true;
      if (!f->dueNs) f->dueNs = nowNs;
    }
    return;
  }
  if (!f) {
    const bool older = lastFinishedSequence_ != 0 && sequence <= lastFinishedSequence_;
    if (older) {
      const bool leader = header.format == kFormatLeader && header.packetId == 0;
      const bool restart = leader && (header.blockId == 1 || lastFinishedSequence_ - sequence >= kRestartDistance);
      if (!restart) {
        bump(stats_.packetsLate);
        return;
      }
      restartNumbering(header.blockId);
      sequence = sequenceOf(header.blockId);
    }
    f = openFrame(sequence, header.blockId, nowNs);
  }
  f->lastNs = nowNs;
  if (f->buffer < 0) {
    bump(stats_.packetsIgnored);
    return;
  }
  if (f->finished) {
    bump(stats_.packetsDuplicate);
    return;
  }
  if (arrivalRealtimeNs != 0) {
    if (f->firstArrivalNs == 0 || arrivalRealtimeNs < f->firstArrivalNs) f->firstArrivalNs = arrivalRealtimeNs;
    if (arrivalRealtimeNs > f->lastArrivalNs) f->lastArrivalNs = arrivalRealtimeNs;
  }
  const uint32_t id = header.packetId;
  if (id > f->maxDataPackets + 1) {
    bump(stats_.packetsMalformed);
    if (!warnedPacketSize_) {
      warnedPacketSize_ = true;
      onWarning_("block " + std::to_string(header.blockId) + " has packet id " + std::to_string(id) +
                 ", beyond the " + std::to_string(f->maxDataPackets) +
                 " data packets that maxPayloadSize allows; is PayloadSize or packetSize wrong?");
    }
    return;
  }
  if (testBit(f->received, id)) {
    bump(stats_.packetsDuplicate);
    return;
  }
  bool ok = false;
  switch (header.format) {
    case kFormatLeader:
      ok = id == 0 && [&] {
        Leader leader;
        if (!parseLeader(body, length, leader)) return false;
        f->leader = leader;
        f->leaderSeen = true;
        if (isImageLike(leader.payloadType)) {
          const uint64_t line = lineBytes(leader.pixelFormat, leader.width) + uint64_t{leader.paddingX};
          // Wire values: width × height can pass 2^64, and a wrapped size would look small.
          const uint64_t image = leader.height <= (UINT64_MAX - leader.paddingY) / std::max<uint64_t>(line, 1)
                                     ? line * leader.height + leader.paddingY
                                     : UINT64_MAX;
          f->imageBytes = static_cast<size_t>(std::min<uint64_t>(image, pool_->capacity()));
          if (!(leader.payloadType & kPayloadChunkFlag) && image <= pool_->capacity()) {
            f->hintKnown = true;
            f->hintDataPackets = static_cast<uint32_t>((image + f->dataPerPacket - 1) / f->dataPerPacket);
          }
        }
        return true;
      }();
      break;
    case kFormatTrailer:
      ok = id >= 1 && [&] {
        Trailer trailer;
        if (!parseTrailer(body, length, trailer)) return false;
        f->trailer = trailer;
        f->trailerSeen = true;
        f->countKnown = true;
        f->dataPackets = id - 1;
        if (!f->dueNs) f->dueNs = nowNs;
        return true;
      }();
      break;
    case kFormatPayload:
      ok = id >= 1 && handleData(*f, id, body, length, inPlace);
      break;
    default:
      bump(stats_.packetsIgnored);
      return;
  }
  if (!ok) {
    bump(stats_.packetsMalformed);
    return;
  }
  setBit(f->received, id);
  f->receivedCount += 1;
  if (testBit(f->asked, id) || (header.flags & kFlagResent) || header.status == kStatusPacketResend) {
    f->resentCount += 1;
    bump(stats_.packetsResent);
  }
  if (inPlace) bump(stats_.packetsInPlace);
  noteArrival(*f, id, nowNs);
  checkComplete(*f);
}

bool FrameAssembler::handleData(InFlight& f, uint32_t id, const uint8_t* body, size_t length, bool inPlace) {
  const size_t offset = static_cast<size_t>(id - 1) * f.dataPerPacket;
  if (length == 0 || length > f.dataPerPacket || offset + length > pool_->capacity()) {
    if (length > f.dataPerPacket && !warnedPacketSize_) {
      warnedPacketSize_ = true;
      onWarning_("data packets carry " + std::to_string(length) + " bytes but packetSize allows " +
                 std::to_string(f.dataPerPacket) + "; set packetSize to the camera's GevSCPSPacketSize");
    }
    return false;
  }
  if (f.countKnown && id > f.dataPackets) return false;
  if (length < f.dataPerPacket && f.anyPacket && f.highestId > id && f.highestId <= f.maxDataPackets &&
      !warnedPacketSize_ && !(f.countKnown && f.highestId == f.dataPackets + 1)) {
    warnedPacketSize_ = true;
    onWarning_("data packet " + std::to_string(id) + " carries " + std::to_string(length) +
               " bytes, fewer than the " + std::to_string(f.dataPerPacket) +
               " packetSize implies, yet is not the last; set packetSize to the camera's GevSCPSPacketSize");
  }
  if (!inPlace) std::memcpy(f.base + offset, body, length);
  f.payloadEnd = std::max(f.payloadEnd, offset + length);
  bump(stats_.payloadBytes, length);
  return true;
}

void FrameAssembler::noteArrival(InFlight& f, uint32_t id, uint64_t nowNs) {
  const uint32_t expectedNext = f.anyPacket ? f.highestId + 1 : 0;
  if (id > expectedNext && config_.resend.enabled) {
    f.gaps.push_back({expectedNext, id - 1, nowNs + graceNs()});
  }
  if (!f.anyPacket || id > f.highestId) f.highestId = id;
  f.anyPacket = true;
}

void FrameAssembler::checkComplete(InFlight& f) {
  if (!f.leaderSeen || !f.trailerSeen || !f.countKnown || f.receivedCount < f.dataPackets + 2) return;
  const uint32_t last = f.dataPackets + 1;
  for (uint32_t id = 0; id <= last; ++id) {
    if (!testBit(f.received, id)) return;
  }
  finish(f, true, f.lastNs);
  emitFinishedInOrder();
}

void FrameAssembler::finish(InFlight& f, bool complete, uint64_t nowNs) {
  f.finished = true;
  f.complete = complete;
  f.finishedNs = nowNs;
}

void FrameAssembler::emitFinishedInOrder() {
  while (!frames_.empty() && frames_.front()->finished) {
    InFlight& f = *frames_.front();
    emit(f);
    lastFinishedSequence_ = std::max(lastFinishedSequence_, f.sequence);
    frames_.pop_front();
  }
}

void FrameAssembler::emit(InFlight& f) {
  if (f.buffer < 0) return;
  const size_t capacity = pool_->capacity();
  const size_t d = f.dataPerPacket;
  const uint32_t dataPackets = f.countKnown ? f.dataPackets
                               : f.hintKnown ? f.hintDataPackets
                                             : static_cast<uint32_t>((f.payloadEnd + d - 1) / d);
  size_t payloadLength = f.payloadEnd;
  if (!f.complete) {
    if (f.hintKnown) payloadLength = std::max(payloadLength, f.imageBytes);
    else if (f.countKnown && dataPackets > 0) payloadLength = std::max(payloadLength, static_cast<size_t>(dataPackets - 1) * d + 1);
    payloadLength = std::min(payloadLength, capacity);
    // Missing packets read as zeros, not as whatever the buffer held last time.
    for (uint32_t id = 1; id <= dataPackets && id <= f.maxDataPackets; ++id) {
      if (testBit(f.received, id)) continue;
      const size_t offset = static_cast<size_t>(id - 1) * d;
      if (offset >= payloadLength) break;
      std::memset(f.base + offset, 0, std::min(d, payloadLength - offset));
    }
  }
  AssembledFrame out;
  out.buffer = f.buffer;
  out.data = f.base;
  out.payloadLength = payloadLength;
  const uint16_t type = f.leaderSeen ? f.leader.payloadType : f.trailerSeen ? f.trailer.payloadType : static_cast<uint16_t>(kPayloadImage);
  if (isImageLike(type)) out.imageLength = f.leaderSeen ? std::min(f.imageBytes, payloadLength) : payloadLength;
  else out.imageLength = (type & 0x3FFF) == kPayloadChunkData ? 0 : payloadLength;
  out.blockId = f.blockId;
  out.leaderSeen = f.leaderSeen;
  out.trailerSeen = f.trailerSeen;
  out.leader = f.leader;
  if (!f.leaderSeen) out.leader.payloadType = type;
  out.trailer = f.trailer;
  out.complete = f.complete;
  out.expectedPackets = dataPackets + 2;
  out.receivedPackets = std::min(f.receivedCount, out.expectedPackets);
  out.resentPackets = f.resentCount;
  out.missingPackets = out.expectedPackets - out.receivedPackets;
  out.hostFirstPacketNs = f.firstArrivalNs;
  out.hostLastPacketNs = f.lastArrivalNs;

  // Only a frame that gave the camera time to answer can show that it ignores resends.
  const bool waitedForAnswer = f.finishedNs >= f.firstRequestNs + std::min<uint64_t>(retryNs(), 5000000);
  if (f.requests > 0 && (f.resentCount > 0 || f.refused || waitedForAnswer)) {
    if (f.resentCount > 0 || f.refused) {
      framesIgnored_ = 0;
      if (f.resentCount > 0 && resendIgnored_) {
        resendIgnored_ = false;
        stats_.resendIgnoredDetected.store(false);
      }
    } else if (++framesIgnored_ >= config_.resend.ignoredAfterFrames && !resendIgnored_) {
      resendIgnored_ = true;
      stats_.resendIgnoredDetected.store(true);
      onWarning_("the camera did not answer packet resend requests for " + std::to_string(framesIgnored_) +
                 " frames; incomplete frames are now finished without waiting");
    }
  }
  if (f.complete) {
    bump(stats_.framesComplete);
  } else {
    bump(stats_.framesIncomplete);
    bump(stats_.packetsMissing, out.missingPackets);
  }
  f.buffer = -1;
  if (f.complete || config_.deliverIncomplete) {
    onFrame_(std::move(out));
  } else {
    pool_->release(out.buffer);
    bump(stats_.framesDroppedIncomplete);
  }
}

}  // namespace gige
