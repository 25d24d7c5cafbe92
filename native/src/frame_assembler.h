// Turns GVSP packets into frames: places payload at its final offset in a pooled buffer, tracks
// which packets arrived, asks for the missing ones (bounded in number and time), and finishes
// frames in block order as complete or incomplete. No sockets and no threads here, so that the
// standalone sanitizer test can feed it malformed and adversarial packets directly.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "frame_pool.h"
#include "gvsp_wire.h"
#include "counters.h"

namespace gige {

struct ResendPolicy {
  bool enabled = true;
  uint64_t reorderGraceNs = 1000000;    // a gap may be reordering: wait this long before asking
  uint64_t retryIntervalNs = 10000000;  // before asking again for the same packets
  uint32_t maxRequestsPerFrame = 1024;
  double maxPacketRatio = 0.25;         // packets requested per frame, as a fraction of its packets
  uint32_t ignoredAfterFrames = 3;      // frames with requests and no answer ⇒ the camera ignores resends
};

struct AssemblerConfig {
  size_t dataPerPacket = 1464;  // D = SCPS − 36 (− 48 extended)
  bool extendedIds = false;
  uint16_t streamChannel = 0;
  uint32_t maxFramesInFlight = 3;
  // Longest wait for a due frame (trailer seen, or a newer block started); capped by the measured
  // frame period once known, so a frame never holds the stream up longer than one period.
  uint64_t frameTimeoutNs = 100000000;
  bool deliverIncomplete = true;
  ResendPolicy resend;
};

struct AssembledFrame {
  int buffer = -1;
  uint8_t* data = nullptr;
  size_t payloadLength = 0;  // bytes of the block payload (image + chunks)
  size_t imageLength = 0;    // bytes of the image part (0 for chunk-only payloads)
  uint64_t blockId = 0;
  bool leaderSeen = false;
  bool trailerSeen = false;
  Leader leader;
  Trailer trailer;
  bool complete = false;
  uint32_t expectedPackets = 0;  // leader + data + trailer
  uint32_t receivedPackets = 0;
  uint32_t resentPackets = 0;
  uint32_t missingPackets = 0;
  // When the block's first and last packets reached this host (CLOCK_REALTIME ns: the kernel's
  // receive time where the socket gives it); 0 when no packet carried a time.
  uint64_t hostFirstPacketNs = 0;
  uint64_t hostLastPacketNs = 0;
};

struct AssemblerStats {
  GIGE_ASSEMBLER_COUNTERS(GIGE_DECLARE_COUNTER)
  std::atomic<bool> resendIgnoredDetected{false};
  std::atomic<uint64_t> framePeriodNs{0};
};

class FrameAssembler {
 public:
  using FrameSink = std::function<void(AssembledFrame&&)>;
  using ResendSink = std::function<void(const PacketResendRequest&)>;
  using WarningSink = std::function<void(const std::string&)>;

  FrameAssembler(const AssemblerConfig& config, std::shared_ptr<FramePool> pool, AssemblerStats& stats,
                 FrameSink onFrame, ResendSink onResend, WarningSink onWarning);
  ~FrameAssembler();

  struct Prediction {
    uint8_t* region = nullptr;
    size_t length = 0;
    uint64_t blockId = 0;
    uint32_t packetId = 0;
  };
  // Where the next data packets most likely go (the newest frame's next missing ids, in order), so
  // the socket can scatter their payload straight to its final place. Returns how many were filled.
  size_t predict(Prediction* out, size_t max) const;
  size_t dataPerPacket() const { return dataPerPacket_; }
  bool extendedIds() const { return extendedIds_; }

  // `inPlace`: the body already sits at its final offset (a correct prediction). Otherwise the
  // bytes are copied there; `body` must not alias frame memory that another packet may target.
  // `arrivalRealtimeNs`: when the packet reached this host (0: unknown), for the frame's host times.
  void onPacket(const GvspHeader& header, const uint8_t* body, size_t length, bool inPlace, uint64_t nowNs,
                uint64_t arrivalRealtimeNs = 0);
  // Resend requests, timeouts and in-order delivery; call at least every millisecond while frames
  // are in flight.
  void onTick(uint64_t nowNs);
  bool framesInFlight() const { return !frames_.empty(); }
  // Returns every buffer still being assembled to the pool, delivering nothing (used by close()).
  void discardAll();

 private:
  struct Gap {
    uint32_t first;
    uint32_t last;
    uint64_t dueNs;
  };
  struct InFlight;

  uint64_t sequenceOf(uint64_t wireBlockId);
  void restartNumbering(uint64_t wireBlockId);
  InFlight* findFrame(uint64_t sequence);
  InFlight* openFrame(uint64_t sequence, uint64_t wireBlockId, uint64_t nowNs);
  void handleLeader(InFlight& f, const uint8_t* body, size_t length);
  void handleTrailer(InFlight& f, uint32_t packetId, const uint8_t* body, size_t length, uint64_t nowNs);
  bool handleData(InFlight& f, uint32_t packetId, const uint8_t* body, size_t length, bool inPlace);
  void noteArrival(InFlight& f, uint32_t packetId, uint64_t nowNs);
  void checkComplete(InFlight& f);
  void requestMissing(InFlight& f, uint64_t nowNs);
  uint64_t maxWaitNs(const InFlight& f) const;
  uint64_t silenceNs(const InFlight& f) const;
  void finish(InFlight& f, bool complete, uint64_t nowNs);
  uint64_t graceNs() const;
  uint64_t retryNs() const;
  void emitFinishedInOrder();
  void emit(InFlight& f);
  bool resendAllowed(const InFlight& f) const;

  AssemblerConfig config_;
  std::shared_ptr<FramePool> pool_;
  AssemblerStats& stats_;
  FrameSink onFrame_;
  ResendSink onResend_;
  WarningSink onWarning_;

  size_t dataPerPacket_;
  bool extendedIds_;
  std::deque<std::unique_ptr<InFlight>> frames_;  // ascending sequence
  bool haveSequence_ = false;
  uint64_t lastWire_ = 0;
  uint64_t lastSequence_ = 0;
  uint64_t sequenceOffset_ = 0;  // extended IDs: sequence = wire + offset (changes on restart)
  uint64_t lastFinishedSequence_ = 0;
  uint64_t lastFrameStartNs_ = 0;
  uint64_t framePeriodNs_ = 0;
  uint32_t framesIgnored_ = 0;
  bool resendIgnored_ = false;
  uint64_t framesSinceIgnored_ = 0;
  uint16_t nextRequestId_ = 1;
  bool warnedPacketSize_ = false;
};

}  // namespace gige
