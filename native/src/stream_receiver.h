// One GVSP stream: a UDP socket and one receive thread. Each batch is a single recvmmsg whose
// iovecs scatter every datagram as [GVSP header → small buffer][payload → its predicted final
// offset in a pooled frame buffer], so payload bytes are copied once, by the kernel. With UDP GRO
// a message carries several packets and the same pairs repeat inside it. A wrong prediction costs
// one extra copy, never correctness. Finished frames wait in a bounded queue for JavaScript.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "frame_assembler.h"
#include "frame_pool.h"

namespace gige {

struct ReceiverConfig {
  uint32_t bindAddress = 0;  // host byte order
  uint16_t bindPort = 0;
  uint32_t deviceAddress = 0;   // GVSP is accepted from this address only
  uint16_t devicePort = 3956;   // where PACKETRESEND goes (GVCP)
  uint16_t sourcePort = 0;      // the camera's stream source port (SCSP); 0 = learn it from its first packet
  // A multicast stream (GevSCDA a group, 224.0.0.0/4): the socket binds the group at bindPort and
  // joins it on the interface of bindAddress; 0 = unicast to bindAddress.
  uint32_t multicastGroup = 0;  // host byte order
  uint32_t packetSize = 1500;
  size_t maxPayloadSize = 0;
  uint32_t bufferCount = 8;
  uint64_t memoryLimit = 0;  // frame memory in all: the pool plus blocks handed to JavaScript (0 = the pool only)
  uint32_t queueLength = 4;
  bool dropOldest = true;  // when JavaScript falls behind: drop the oldest queued frame (else the newest)
  uint64_t socketBufferBytes = 64ull << 20;
  bool receiveOffload = true;  // UDP GRO
  uint32_t batchPackets = 128;  // packets predicted per recvmmsg
  // The receive thread's nice value when the process may set it (root, CAP_SYS_NICE, or an
  // RLIMIT_NICE that allows it; else it keeps the process's): the thread must keep up with the
  // link while garbage collection and other threads want the same cores.
  int receiveThreadNice = -10;
  AssemblerConfig assembler;
};

struct ReceiverStats : AssemblerStats {
  GIGE_RECEIVER_COUNTERS(GIGE_DECLARE_COUNTER)
  std::atomic<uint64_t> receiveThreadCpuNs{0};
  // The receive thread's nice value once it runs (kNiceUnknown before): the one asked for, or the
  // one it kept when the process may not lower it.
  static constexpr int kNiceUnknown = 100;
  std::atomic<int> receiveThreadNice{kNiceUnknown};
};

struct SocketInfo {
  uint64_t receiveBufferRequested = 0;
  uint64_t receiveBufferObtained = 0;  // getsockopt(SO_RCVBUF) after the request (Linux doubles it)
  bool receiveBufferForced = false;    // SO_RCVBUFFORCE worked (privileged)
  bool receiveOffload = false;
  // SO_TIMESTAMPNS: frames' host times are the kernel's receive times, not this thread's reads.
  bool kernelTimestamps = false;
  std::string interfaceName;
  int interfaceMtu = 0;
  uint16_t port = 0;
  bool multicastJoined = false;
};

class StreamReceiverCore {
 public:
  using Notify = std::function<void()>;
  using Warn = std::function<void(const std::string&)>;

  // Opens and binds the socket; throws std::runtime_error. The thread starts with start().
  StreamReceiverCore(const ReceiverConfig& config, Notify onQueued, Warn onWarning);
  ~StreamReceiverCore();
  StreamReceiverCore(const StreamReceiverCore&) = delete;
  StreamReceiverCore& operator=(const StreamReceiverCore&) = delete;

  void start();
  // Stops and joins the thread, returns every undelivered buffer to the pool. Idempotent.
  void stop();
  // JavaScript side: take the next finished frame. The caller owns frame.buffer afterwards.
  bool pop(AssembledFrame& frame);
  // Re-arms the notification; returns true when frames are already waiting.
  bool rearm();

  const std::shared_ptr<FramePool>& pool() const { return pool_; }
  const ReceiverStats& stats() const { return stats_; }
  const SocketInfo& socketInfo() const { return socket_; }
  const ReceiverConfig& config() const { return config_; }
  size_t queued() const;

 private:
  struct Slot;
  void run();
  void setThreadPriority();
  // One non-blocking recvmmsg; returns the number of messages (0: nothing was waiting).
  // Reads one batch; `drained` says the socket held no more than the batch took, so every datagram
  // that arrived before the call has been handled.
  size_t receiveBatch(bool& drained);
  void recordThreadCpu();
  bool fromCamera(const sockaddr_in& source, socklen_t length);
  void queueFrame(AssembledFrame&& frame);
  void sendResend(const PacketResendRequest& request);
  // Joins config_.multicastGroup and opens the resend socket; returns why not, or "" when done.
  std::string joinMulticast();

  ReceiverConfig config_;
  Notify onQueued_;
  Warn onWarning_;
  int fd_ = -1;
  // Multicast: PACKETRESEND cannot leave from a socket bound to the group; it goes from this one.
  int resendFd_ = -1;
  SocketInfo socket_;
  std::shared_ptr<FramePool> pool_;
  ReceiverStats stats_;
  std::unique_ptr<FrameAssembler> assembler_;

  mutable std::mutex queueMutex_;
  std::mutex startMutex_;  // start() waits until the thread has set its priority
  std::condition_variable startedCondition_;
  bool prioritySettled_ = false;
  std::deque<AssembledFrame> queue_;
  bool notified_ = false;

  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
  std::thread thread_;

  // Receive-thread state (allocated once: nothing per batch is allocated or cleared).
  struct Record {
    GvspHeader header;
    const uint8_t* body;
    size_t length;
    bool inPlace;
    uint64_t arrivalRealtimeNs;
  };
  std::vector<Slot> slots_;
  std::vector<Record> records_;
  std::vector<FrameAssembler::Prediction> predictions_;
  std::vector<uint8_t> staging_;
  uint32_t segmentsPerMessage_ = 1;
  uint16_t resendRequestId_ = 1;
  uint32_t lastSocketDrops_ = 0;
  uint16_t acceptedPort_ = 0;  // the camera's stream source port, once given or learned
};

}  // namespace gige
