// The emulated camera's GVSP transmitter: one UDP socket and one thread that turns blocks into
// leader / data / trailer packets, paced to a bandwidth or packet delay (or as fast as possible),
// with seeded faults, answering resend requests from a history of recent blocks. No N-API here:
// sender_binding.cc is its JavaScript face.
#pragma once
#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "counters.h"
#include "fault_plan.h"
#include "gvsp_wire.h"

namespace gige {

enum class ResendMode { Honour, Ignore, Unavailable };

struct SenderConfig {
  uint32_t destinationAddress = 0;  // host byte order
  uint16_t destinationPort = 0;     // 0: stream channel closed
  uint32_t packetSize = 1500;       // SCPS: IP datagram size
  bool extendedIds = false;
  uint64_t packetDelayNs = 0;
  uint64_t bandwidthBytesPerSecond = 0;  // IP datagram bytes per second; 0 = unlimited
  bool doNotFragment = false;
  bool faultsEnabled = false;
  FaultConfig faults;
  ResendMode resendMode = ResendMode::Honour;
  uint32_t historyBlocks = 4;
  // UDP GSO: one syscall for many equal-sized packets, but a capture or packet socket on the sending
  // host sees each run as one oversized datagram. Off unless a benchmark asks for it.
  bool segmentationOffload = false;
};

// Everything needed to (re)build any packet of a block. Immutable once queued; `data` stays valid
// while the binding holds the JavaScript Buffer.
struct BlockLayout {
  uint64_t blockId = 0;
  bool extended = false;
  size_t dataPerPacket = 0;  // D
  uint32_t dataPackets = 0;  // N; the trailer is packet N + 1
  Leader leader;
  Trailer trailer;
  const uint8_t* data = nullptr;
  size_t size = 0;
};

struct SendJob {
  enum class Kind { Block, Resend, Unavailable, TestPacket };
  Kind kind = Kind::Block;
  uint64_t id = 0;
  // The stream destination this job was queued for (see GvspSenderCore::configure). A job whose
  // destination has since changed or closed is never sent: it belongs to another host's session.
  uint64_t destinationGeneration = 0;
  std::shared_ptr<const BlockLayout> block;  // Block, Resend
  uint64_t blockId = 0;                      // Unavailable
  bool extended = false;                     // Unavailable
  uint32_t firstPacketId = 0;
  uint32_t lastPacketId = 0;
  uint32_t testPacketSize = 0;
  // Block: not sent before this instant of CLOCK_MONOTONIC (steady_clock; process.hrtime in
  // JavaScript), so that a camera model can queue a frame ahead of its readout's end and have it
  // leave on time whatever its event loop is doing. Epoch (zero): at once.
  std::chrono::steady_clock::time_point notBefore{};
};

struct JobResult {
  uint64_t id = 0;
  SendJob::Kind kind = SendJob::Kind::Block;
  bool ok = true;
  // Not sent because the stream channel closed or moved to another destination first.
  bool destinationChanged = false;
  std::string error;
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

struct SenderStats {
  GIGE_SENDER_COUNTERS(GIGE_DECLARE_COUNTER)
  std::atomic<uint64_t> resendRequests{0};  // honoured; stats() adds the refused ones
};

class GvspSenderCore {
 public:
  using Completion = std::function<void(JobResult&&)>;

  // Binds the socket; throws std::runtime_error with the reason on failure.
  GvspSenderCore(uint32_t bindAddress, uint16_t bindPort, Completion onDone);
  ~GvspSenderCore();
  GvspSenderCore(const GvspSenderCore&) = delete;
  GvspSenderCore& operator=(const GvspSenderCore&) = delete;

  uint16_t port() const { return port_; }
  // Applies from the next job on; throws std::runtime_error when the socket refuses it. A new
  // destination (address or port, including closing the channel) ends the previous one's session:
  // its queued jobs fail with destinationChanged and a block being sent stops at the next batch,
  // as a camera's stream stops when the host closes the channel.
  void configure(const SenderConfig& config);
  SenderConfig config() const;
  void enqueue(SendJob job);
  // For Resend / Unavailable jobs. PACKETRESEND may come from anyone on the network and jumps the
  // block queue, so the range is clamped to what the block has and the request is refused (false,
  // counted, no completion) when the queue is full or a queued request already covers it.
  bool enqueueResend(SendJob job);
  // Stops the thread; queued and unfinished jobs complete with ok = false. Idempotent.
  void stop();
  const SenderStats& stats() const { return stats_; }
  // Resend and PACKET_UNAVAILABLE jobs waiting in the queue now.
  size_t queuedResends() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return priority_.size();
  }
  bool segmentationOffloadActive() const { return gsoActive_.load(); }
  std::string lastError() const;

 private:
  struct Packet {
    const uint8_t* head;  // GVSP header (+ leader or trailer body)
    uint32_t headLen;
    const uint8_t* body;  // slice of the block data, or null
    uint32_t bodyLen;
    uint32_t wireSize() const { return headLen + bodyLen; }
  };

  void run();
  void fail(const SendJob& job, const char* why);
  void failDestinationChanged(const SendJob& job);
  static sockaddr_in peerAddress(const SenderConfig& config);
  // Sender thread, under mutex_: point the socket at the configuration's destination.
  void connectSocket(const SenderConfig& config);
  bool takeJob(SendJob& job, bool priorityOnly);
  void execute(SendJob& job);
  void runPriorityJobs();
  JobResult sendBlock(const SendJob& job);
  JobResult sendResend(const SendJob& job);
  JobResult sendUnavailable(const SendJob& job);
  JobResult sendTestPacket(const SendJob& job);

  // Builds packet `packetId` of `block` into `arena` (header + leader/trailer); returns the packet.
  Packet buildPacket(const BlockLayout& block, uint32_t packetId, uint16_t status, uint16_t flags, uint8_t* arena) const;
  // Sends `packets` in order: equal-sized runs go out as one GSO send; pacing between batches.
  // Returns false when stopped before the end.
  bool transmit(const std::vector<Packet>& packets, JobResult& result, bool allowPriority, uint64_t generation);
  // Under mutex_: true while the sender should keep sending for `generation`.
  bool current(uint64_t generation) const { return !stopping_ && generation == generation_; }
  bool sendRun(const Packet* packets, size_t count, JobResult& result);
  bool waitUntil(std::chrono::steady_clock::time_point when);
  size_t paceBatchLimit(const Packet* packets, size_t count) const;
  void chargeLink(uint64_t wireBytes, size_t packets);
  void recordError(const std::string& message);

  int fd_ = -1;
  uint32_t bindAddress_ = 0;
  uint16_t port_ = 0;
  Completion onDone_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<SendJob> blocks_;
  std::deque<SendJob> priority_;
  uint64_t queuedResendPackets_ = 0;  // packets the queued Resend / Unavailable jobs will send
  bool stopping_ = false;
  uint64_t generation_ = 0;  // bumped by configure() whenever the destination changes
  SenderConfig config_;
  bool configDirty_ = true;

  // Sender-thread state.
  SenderConfig active_;
  FaultPlan faults_;
  std::vector<Packet> plan_;
  std::vector<uint8_t> blockArena_;
  std::vector<uint8_t> sideArena_;
  std::chrono::steady_clock::time_point linkFreeAt_{};
  std::atomic<bool> gsoActive_{true};
  std::string lastError_;

  SenderStats stats_;
  std::thread thread_;
};

}  // namespace gige
