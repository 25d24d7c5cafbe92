#include "stream_receiver.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace gige {
namespace {

constexpr size_t kMaxSlots = 64;
constexpr size_t kMaxSegments = 64;       // the kernel coalesces at most 64 datagrams per GRO message
constexpr size_t kMaxMessage = 65536;     // one datagram, or one GRO message, is at most 64 KiB
// Resend timers need sub-millisecond resolution while frames are in flight. ppoll sleeps on a
// high-resolution timer; SO_RCVTIMEO would round to the scheduler tick (4 ms at HZ=250).
constexpr long kBusyWaitNs = 250000;
constexpr long kIdleWaitNs = 20000000;
constexpr uint32_t kFullBatchesPerTick = 16;

uint64_t toNs(const timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t clockNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return toNs(ts);
}

uint64_t monotonicNs() { return clockNs(CLOCK_MONOTONIC); }

std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

struct StreamReceiverCore::Slot {
  std::array<std::array<uint8_t, kExtendedHeaderSize>, kMaxSegments> headers{};
  std::vector<uint8_t> tail = std::vector<uint8_t>(kMaxMessage);
  std::array<iovec, 2 * kMaxSegments + 1> iov{};
  std::array<size_t, 2 * kMaxSegments + 2> start{};  // logical offset where each iovec begins
  std::array<FrameAssembler::Prediction, kMaxSegments> predicted{};
  size_t iovCount = 0;
  size_t pairs = 0;  // (header, predicted payload) pairs before the tail
  size_t headerLength = kStandardHeaderSize;
  alignas(cmsghdr) uint8_t control[128]{};
  sockaddr_in source{};

  // Copies logical bytes [offset, offset + length) of the message out of the iovecs.
  size_t gather(size_t offset, uint8_t* dst, size_t length) const {
    size_t i = static_cast<size_t>(std::upper_bound(start.begin(), start.begin() + iovCount + 1, offset) - start.begin());
    i = i == 0 ? 0 : i - 1;
    size_t copied = 0;
    while (copied < length && i < iovCount) {
      const size_t within = offset + copied - start[i];
      const size_t avail = iov[i].iov_len - within;
      const size_t n = std::min(avail, length - copied);
      std::memcpy(dst + copied, static_cast<const uint8_t*>(iov[i].iov_base) + within, n);
      copied += n;
      ++i;
    }
    return copied;
  }
  // The bytes themselves when [offset, offset + length) lies inside the tail scratch, else null.
  const uint8_t* inTail(size_t offset, size_t length) const {
    const size_t t = iovCount - 1;
    if (offset < start[t] || offset + length > start[t] + iov[t].iov_len) return nullptr;
    return tail.data() + (offset - start[t]);
  }
};

StreamReceiverCore::StreamReceiverCore(const ReceiverConfig& config, Notify onQueued, Warn onWarning)
    : config_(config), onQueued_(std::move(onQueued)), onWarning_(std::move(onWarning)) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(errnoText("socket"));
  auto fail = [this](const std::string& message) {
    ::close(fd_);
    fd_ = -1;
    if (resendFd_ >= 0) ::close(resendFd_);
    resendFd_ = -1;
    throw std::runtime_error(message);
  };
  // A frame arrives as one burst: the socket queue must hold a large part of it.
  const uint64_t want = std::min<uint64_t>(config.socketBufferBytes, 0x7FFFFFFF);
  int bufferBytes = static_cast<int>(want);
  socket_.receiveBufferRequested = want;
  if (::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &bufferBytes, sizeof bufferBytes) == 0) {
    socket_.receiveBufferForced = true;
  } else {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bufferBytes, sizeof bufferBytes);
  }
  int obtained = 0;
  socklen_t optlen = sizeof obtained;
  ::getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &obtained, &optlen);
  socket_.receiveBufferObtained = static_cast<uint64_t>(obtained);
  int on = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
  if (config.receiveOffload) socket_.receiveOffload = ::setsockopt(fd_, SOL_UDP, UDP_GRO, &on, sizeof on) == 0;
  socket_.kernelTimestamps = ::setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0;

  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(config.multicastGroup ? config.multicastGroup : config.bindAddress);
  local.sin_port = htons(config.bindPort);
  if (config.multicastGroup) {
    // Several receivers of one group on this host (monitors, another program) share the port.
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  }
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) fail(errnoText("bind"));
  socklen_t len = sizeof local;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len);
  socket_.port = ntohs(local.sin_port);
  if (config.multicastGroup) {
    const std::string problem = joinMulticast();
    if (!problem.empty()) fail(problem);
  }

  // Which interface carries the stream, and its MTU against the packet size.
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) == 0) {
    for (ifaddrs* a = list; a; a = a->ifa_next) {
      if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || !a->ifa_netmask) continue;
      const uint32_t addr = ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr);
      const uint32_t mask = ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_netmask)->sin_addr.s_addr);
      if ((addr & mask) != (config.bindAddress & mask)) continue;
      socket_.interfaceName = a->ifa_name;
      ifreq req{};
      std::strncpy(req.ifr_name, a->ifa_name, IFNAMSIZ - 1);
      if (::ioctl(fd_, SIOCGIFMTU, &req) == 0) socket_.interfaceMtu = req.ifr_mtu;
      break;
    }
    ::freeifaddrs(list);
  }

  try {
    pool_ = std::make_shared<FramePool>(config.bufferCount, config.maxPayloadSize, config.memoryLimit);
  } catch (const std::bad_alloc&) {
    fail("cannot allocate " + std::to_string(config.bufferCount) + " frame buffers of " +
         std::to_string(config.maxPayloadSize) + " bytes");
  }
  assembler_ = std::make_unique<FrameAssembler>(
      config.assembler, pool_, stats_, [this](AssembledFrame&& frame) { queueFrame(std::move(frame)); },
      [this](const PacketResendRequest& request) { sendResend(request); },
      [this](const std::string& message) { onWarning_(message); });
  slots_.resize(kMaxSlots);
  staging_.resize(kMaxSlots * kMaxMessage);
  records_.resize(kMaxSlots * kMaxSegments);
  predictions_.resize(2 * kMaxSlots);
  acceptedPort_ = config.sourcePort;
}

StreamReceiverCore::~StreamReceiverCore() {
  stop();
  if (fd_ >= 0) ::close(fd_);
  if (resendFd_ >= 0) ::close(resendFd_);
}

std::string StreamReceiverCore::joinMulticast() {
  // The membership goes on the interface that faces the camera (the one holding bindAddress), so
  // the IGMP report and the group's traffic use that link, not the default route's.
  ip_mreqn membership{};
  membership.imr_multiaddr.s_addr = htonl(config_.multicastGroup);
  membership.imr_address.s_addr = htonl(config_.bindAddress);
  membership.imr_ifindex = 0;
  if (::setsockopt(fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &membership, sizeof membership) != 0) {
    return errnoText("IP_ADD_MEMBERSHIP (joining the stream's multicast group on the interface of the bind address)");
  }
  socket_.multicastJoined = true;
  int off = 0;
  ::setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof off);
  resendFd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (resendFd_ < 0) return errnoText("socket (resend requests)");
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(config_.bindAddress);
  if (::bind(resendFd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return errnoText("bind (resend requests)");
  return "";
}

void StreamReceiverCore::start() {
  if (socket_.receiveBufferObtained / 2 < socket_.receiveBufferRequested) {
    onWarning_("socket receive buffer is " + std::to_string(socket_.receiveBufferObtained / 2) + " bytes, " +
               std::to_string(socket_.receiveBufferRequested) +
               " were asked for: frames may lose packets in bursts. Run as root (SO_RCVBUFFORCE) or raise the "
               "limit: sysctl -w net.core.rmem_max=" + std::to_string(socket_.receiveBufferRequested));
  }
  if (socket_.interfaceMtu > 0 && config_.packetSize > static_cast<uint32_t>(socket_.interfaceMtu)) {
    onWarning_("packetSize " + std::to_string(config_.packetSize) + " exceeds the MTU " +
               std::to_string(socket_.interfaceMtu) + " of " + socket_.interfaceName +
               ": packets will be fragmented or dropped; lower GevSCPSPacketSize or enable jumbo frames");
  }
  // The thread's priority is settled before start() returns, so that stats() report it at once.
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "gige-stream");
    setThreadPriority();
    {
      std::lock_guard<std::mutex> lock(startMutex_);
      prioritySettled_ = true;
    }
    startedCondition_.notify_one();
    run();
  });
  std::unique_lock<std::mutex> lock(startMutex_);
  startedCondition_.wait(lock, [this] { return prioritySettled_; });
}

void StreamReceiverCore::setThreadPriority() {
  // On Linux a nice value is a thread's own (setpriority(2)): this raises the receive thread only.
  // Measured (bench:flow at 977 MB/s, 2 cores): at the process's nice, Node-RED's collector threads
  // starved it until its socket overflowed in 10 of 11 runs; at -10 the drops were 5-10x fewer.
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  if (::setpriority(PRIO_PROCESS, tid, config_.receiveThreadNice) == 0) {
    stats_.receiveThreadNice.store(config_.receiveThreadNice);
    return;
  }
  errno = 0;
  const int kept = ::getpriority(PRIO_PROCESS, tid);
  if (errno == 0) stats_.receiveThreadNice.store(kept);
}

void StreamReceiverCore::stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_.store(true);
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);  // wakes a blocked recvmmsg at once
  if (thread_.joinable()) thread_.join();
  // The socket goes with the thread, not with the last frame JavaScript still holds: a closed
  // stream must free its port at once.
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (resendFd_ >= 0) {
    ::close(resendFd_);
    resendFd_ = -1;
  }
  assembler_->discardAll();
  std::lock_guard<std::mutex> lock(queueMutex_);
  for (const AssembledFrame& frame : queue_) pool_->release(frame.buffer);
  queue_.clear();
}

size_t StreamReceiverCore::queued() const {
  std::lock_guard<std::mutex> lock(queueMutex_);
  return queue_.size();
}

bool StreamReceiverCore::pop(AssembledFrame& frame) {
  std::lock_guard<std::mutex> lock(queueMutex_);
  if (queue_.empty()) return false;
  frame = queue_.front();
  queue_.pop_front();
  return true;
}

bool StreamReceiverCore::rearm() {
  std::lock_guard<std::mutex> lock(queueMutex_);
  notified_ = false;
  return !queue_.empty();
}

void StreamReceiverCore::queueFrame(AssembledFrame&& frame) {
  bool notify = false;
  {
    std::lock_guard<std::mutex> lock(queueMutex_);
    if (queue_.size() >= std::max<uint32_t>(1, config_.queueLength)) {
      stats_.framesDroppedQueueFull.fetch_add(1, std::memory_order_relaxed);
      if (!config_.dropOldest) {
        pool_->release(frame.buffer);
        return;
      }
      pool_->release(queue_.front().buffer);
      queue_.pop_front();
    }
    queue_.push_back(frame);
    notify = !notified_;
    notified_ = true;
  }
  if (notify) onQueued_();
}

void StreamReceiverCore::sendResend(const PacketResendRequest& request) {
  uint8_t packet[kPacketResendExtendedSize];
  const size_t len = writePacketResend(packet, request, resendRequestId_);
  resendRequestId_ = static_cast<uint16_t>(resendRequestId_ == 0xFFFF ? 1 : resendRequestId_ + 1);
  sockaddr_in device{};
  device.sin_family = AF_INET;
  device.sin_addr.s_addr = htonl(config_.deviceAddress);
  device.sin_port = htons(config_.devicePort);
  // From the stream socket, as Aravis does: the device answers on the stream anyway.
  if (::sendto(resendFd_ >= 0 ? resendFd_ : fd_, packet, len, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&device), sizeof device) < 0) {
    stats_.resendSendErrors.fetch_add(1, std::memory_order_relaxed);
  }
}

void StreamReceiverCore::run() {
  ::prctl(PR_SET_TIMERSLACK, 10000UL, 0, 0, 0);
  uint64_t loops = 0;
  uint32_t fullBatches = 0;
  while (!stopping_.load(std::memory_order_relaxed)) {
    // Timeouts judge silence, so they run with a time at which the socket is known to have been
    // read empty: a receive thread that lost its core for a while must not take the datagrams
    // still queued for it as missing. Under sustained load (batches always full) they still run
    // every few batches, so that resends and timeouts go on.
    const uint64_t before = monotonicNs();
    bool drained = false;
    const size_t got = receiveBatch(drained);
    fullBatches = drained ? 0 : fullBatches + 1;
    if (drained || fullBatches >= kFullBatchesPerTick) {
      fullBatches = 0;
      assembler_->onTick(before);
    }
    if (got == 0 && !stopping_.load(std::memory_order_relaxed)) {
      // Nothing waiting: sleep until a datagram arrives or the next timer is due.
      timespec wait{0, assembler_->framesInFlight() ? kBusyWaitNs : kIdleWaitNs};
      pollfd pfd{fd_, POLLIN, 0};
      ::ppoll(&pfd, 1, &wait, nullptr);
    }
    if ((++loops & 63) == 0) recordThreadCpu();
  }
  recordThreadCpu();
}

bool StreamReceiverCore::fromCamera(const sockaddr_in& source, socklen_t length) {
  if (length < sizeof(sockaddr_in) || source.sin_family != AF_INET) return false;
  if (ntohl(source.sin_addr.s_addr) != config_.deviceAddress) return false;
  const uint16_t port = ntohs(source.sin_port);
  if (acceptedPort_ == 0) acceptedPort_ = port;  // the camera's first packet names its stream source port
  return port == acceptedPort_;
}

void StreamReceiverCore::recordThreadCpu() {
  timespec cpu{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
  stats_.receiveThreadCpuNs.store(static_cast<uint64_t>(cpu.tv_sec) * 1000000000ull + static_cast<uint64_t>(cpu.tv_nsec));
}

size_t StreamReceiverCore::receiveBatch(bool& drained) {
  drained = true;
  const size_t segments = std::clamp<size_t>(segmentsPerMessage_, 1, kMaxSegments);
  const size_t slotCount = std::clamp<size_t>(config_.batchPackets / segments, 1, kMaxSlots);
  const size_t wanted = std::min(slotCount * segments, predictions_.size());
  const size_t predicted = assembler_->predict(predictions_.data(), wanted);
  const size_t headerLength = assembler_->extendedIds() ? kExtendedHeaderSize : kStandardHeaderSize;

  mmsghdr msgs[kMaxSlots];
  std::memset(msgs, 0, sizeof(mmsghdr) * slotCount);
  size_t next = 0;
  for (size_t s = 0; s < slotCount; ++s) {
    Slot& slot = slots_[s];
    slot.headerLength = headerLength;
    size_t n = 0;
    size_t offset = 0;
    slot.pairs = 0;
    for (size_t j = 0; j < segments && next < predicted; ++j, ++next) {
      slot.predicted[j] = predictions_[next];
      slot.start[n] = offset;
      slot.iov[n++] = {slot.headers[j].data(), headerLength};
      offset += headerLength;
      slot.start[n] = offset;
      slot.iov[n++] = {slot.predicted[j].region, slot.predicted[j].length};
      offset += slot.predicted[j].length;
      slot.pairs += 1;
    }
    slot.start[n] = offset;
    slot.iov[n++] = {slot.tail.data(), slot.tail.size()};
    slot.start[n] = offset + slot.tail.size();
    slot.iovCount = n;
    msgs[s].msg_hdr.msg_iov = slot.iov.data();
    msgs[s].msg_hdr.msg_iovlen = n;
    msgs[s].msg_hdr.msg_control = slot.control;
    msgs[s].msg_hdr.msg_controllen = sizeof slot.control;
    msgs[s].msg_hdr.msg_name = &slot.source;
    msgs[s].msg_hdr.msg_namelen = sizeof slot.source;
  }

  const int got = ::recvmmsg(fd_, msgs, static_cast<unsigned>(slotCount), MSG_DONTWAIT, nullptr);
  stats_.receiveCalls.fetch_add(1, std::memory_order_relaxed);
  if (got <= 0) {
    if (got == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || stopping_.load()) return 0;
    stats_.receiveErrors.fetch_add(1, std::memory_order_relaxed);
    onWarning_(errnoText("recvmmsg"));
    usleep(1000);
    return 0;
  }
  drained = static_cast<size_t>(got) < slotCount;
  const uint64_t now = monotonicNs();
  uint64_t readRealtimeNs = 0;  // when a datagram without the kernel's time was read: taken once per batch
  stats_.receiveMessages.fetch_add(static_cast<uint64_t>(got), std::memory_order_relaxed);

  // Phase 1: read every header and move every payload that is not where it belongs out of frame
  // memory, before any payload is copied to its target (a target may hold another packet's bytes).
  std::vector<Record>& records = records_;
  size_t recordCount = 0;
  size_t staged = 0;
  size_t maxSegmentsSeen = 0;
  for (int i = 0; i < got; ++i) {
    Slot& slot = slots_[static_cast<size_t>(i)];
    const msghdr& hdr = msgs[i].msg_hdr;
    const size_t length = msgs[i].msg_len;
    size_t segment = length;
    uint64_t arrival = 0;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&hdr); cm; cm = CMSG_NXTHDR(const_cast<msghdr*>(&hdr), cm)) {
      if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
        int size = 0;
        std::memcpy(&size, CMSG_DATA(cm), sizeof size);
        if (size > 0) segment = static_cast<size_t>(size);
      } else if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
        uint32_t drops = 0;
        std::memcpy(&drops, CMSG_DATA(cm), sizeof drops);
        if (drops > lastSocketDrops_) stats_.packetsDroppedBySocket.fetch_add(drops - lastSocketDrops_, std::memory_order_relaxed);
        lastSocketDrops_ = drops;
      } else if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS && cm->cmsg_len >= CMSG_LEN(sizeof(timespec))) {
        timespec stamp{};
        std::memcpy(&stamp, CMSG_DATA(cm), sizeof stamp);
        arrival = toNs(stamp);
      }
    }
    if (arrival == 0) {
      if (readRealtimeNs == 0) readRealtimeNs = clockNs(CLOCK_REALTIME);
      arrival = readRealtimeNs;
    }
    if (hdr.msg_flags & MSG_TRUNC) {
      stats_.packetsMalformed.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    // Only the camera's stream channel may write frames. A rejected datagram may already have
    // landed in a predicted region of frame memory; that region belongs to a packet not yet
    // received, so the real packet overwrites it, or the frame ends incomplete and it is zeroed.
    if (!fromCamera(slot.source, hdr.msg_namelen)) {
      stats_.packetsRejected.fetch_add(segment > 0 ? (length + segment - 1) / segment : 1, std::memory_order_relaxed);
      continue;
    }
    size_t k = 0;
    for (size_t off = 0; off < length && recordCount < records.size(); off += segment, ++k) {
      const size_t segLength = std::min(segment, length - off);
      uint8_t head[kExtendedHeaderSize];
      const size_t headBytes = slot.gather(off, head, std::min(segLength, kExtendedHeaderSize));
      GvspHeader header;
      const size_t parsed = parseGvspHeader(head, headBytes, header);
      if (parsed == 0) {
        stats_.packetsMalformed.fetch_add(1, std::memory_order_relaxed);
        stats_.packetsReceived.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      const size_t bodyOffset = off + parsed;
      const size_t bodyLength = segLength - parsed;
      Record& r = records[recordCount++];
      r.header = header;
      r.length = bodyLength;
      r.inPlace = false;
      r.arrivalRealtimeNs = arrival;
      if (k < slot.pairs && slot.start[2 * k] == off && slot.headerLength == parsed &&
          header.format == kFormatPayload && header.status == 0 && slot.predicted[k].blockId == header.blockId &&
          slot.predicted[k].packetId == header.packetId && bodyLength <= slot.predicted[k].length) {
        r.inPlace = true;
        r.body = slot.predicted[k].region;
      } else if (const uint8_t* direct = slot.inTail(bodyOffset, bodyLength)) {
        r.body = direct;
      } else {
        slot.gather(bodyOffset, staging_.data() + staged, bodyLength);
        r.body = staging_.data() + staged;
        staged += bodyLength;
        stats_.stagedBytes.fetch_add(bodyLength, std::memory_order_relaxed);
      }
    }
    maxSegmentsSeen = std::max(maxSegmentsSeen, k);
  }
  if (maxSegmentsSeen > 0) segmentsPerMessage_ = static_cast<uint32_t>(maxSegmentsSeen);
  // Phase 2: assemble.
  for (size_t i = 0; i < recordCount; ++i) {
    const Record& r = records[i];
    assembler_->onPacket(r.header, r.body, r.length, r.inPlace, now, r.arrivalRealtimeNs);
  }
  return static_cast<size_t>(got);
}

}  // namespace gige
