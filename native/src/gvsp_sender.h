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
  bool segmentationOffload = true;  // UDP GSO: one syscall for many equal-sized packets
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
  std::shared_ptr<const BlockLayout> block;  // Block, Resend
  uint64_t blockId = 0;                      // Unavailable
  bool extended = false;                     // Unavailable
  uint32_t firstPacketId = 0;
  uint32_t lastPacketId = 0;
  uint32_t testPacketSize = 0;
};

struct JobResult {
  uint64_t id = 0;
  SendJob::Kind kind = SendJob::Kind::Block;
  bool ok = true;
  std::string error;
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

struct SenderStats {
  std::atomic<uint64_t> blocksSent{0};
  std::atomic<uint64_t> packetsSent{0};
  std::atomic<uint64_t> bytesSent{0};  // UDP payload bytes
  std::atomic<uint64_t> packetsDroppedByFaults{0};
  std::atomic<uint64_t> packetsDuplicatedByFaults{0};
  std::atomic<uint64_t> packetsReorderedByFaults{0};
  std::atomic<uint64_t> resendRequests{0};
  std::atomic<uint64_t> resendPacketsSent{0};
  std::atomic<uint64_t> resendUnavailablePackets{0};
  std::atomic<uint64_t> resendIgnored{0};
  std::atomic<uint64_t> resendRequestsDropped{0};  // refused by enqueueResend: queue full or already queued
  std::atomic<uint64_t> testPackets{0};
  std::atomic<uint64_t> sendErrors{0};
  std::atomic<uint64_t> segmentationOffloadSends{0};
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
  // Applies from the next job on; throws std::runtime_error when the socket refuses it.
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
  bool transmit(const std::vector<Packet>& packets, JobResult& result, bool allowPriority);
  bool sendRun(const Packet* packets, size_t count, JobResult& result);
  bool waitUntil(std::chrono::steady_clock::time_point when);
  size_t paceBatchLimit(const Packet* packets, size_t count) const;
  void chargeLink(uint64_t wireBytes, size_t packets);
  void recordError(const std::string& message);

  int fd_ = -1;
  uint16_t port_ = 0;
  Completion onDone_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<SendJob> blocks_;
  std::deque<SendJob> priority_;
  uint64_t queuedResendPackets_ = 0;  // packets the queued Resend / Unavailable jobs will send
  bool stopping_ = false;
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
