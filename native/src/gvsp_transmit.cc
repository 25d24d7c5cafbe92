// The sender's way onto the wire: pacing to the configured link rate or packet delay, and runs
// of equal-sized packets handed to the kernel in one UDP GSO send (sendmmsg when GSO is refused).
#include "gvsp_sender.h"
#include <arpa/inet.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace gige {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxSegmentsPerSend = 64;  // the kernel's UDP_MAX_SEGMENTS is 64 (128 on newer kernels)
constexpr size_t kMaxBytesPerSend = 65000;  // one UDP GSO send carries at most 64 KiB
constexpr auto kPacingBatch = std::chrono::microseconds(500);  // wakeups cost; 0.5 ms bursts are harmless
constexpr auto kPacingCreditLimit = std::chrono::microseconds(500);

}  // namespace

size_t GvspSenderCore::paceBatchLimit(const Packet* packets, size_t count) const {
  if (active_.bandwidthBytesPerSecond == 0 && active_.packetDelayNs == 0) return count;
  uint64_t costNs = 0;
  size_t n = 0;
  const uint64_t budget = std::chrono::duration_cast<std::chrono::nanoseconds>(kPacingBatch).count();
  while (n < count) {
    const uint64_t wire = packets[n].wireSize() + kIpUdpOverhead;
    uint64_t cost = active_.packetDelayNs;
    if (active_.bandwidthBytesPerSecond) cost += wire * 1000000000ull / active_.bandwidthBytesPerSecond;
    if (n > 0 && costNs + cost > budget) break;
    costNs += cost;
    ++n;
  }
  return n;
}

void GvspSenderCore::chargeLink(uint64_t wireBytes, size_t packets) {
  if (active_.bandwidthBytesPerSecond == 0 && active_.packetDelayNs == 0) return;
  // GevSCPD is a gap inserted between packets (GigE Vision SCPD), on top of the packet's own time
  // on the link — the frame-rate model (AcquisitionFrameRateMax) counts it the same way.
  uint64_t costNs = active_.packetDelayNs * packets;
  if (active_.bandwidthBytesPerSecond) costNs += wireBytes * 1000000000ull / active_.bandwidthBytesPerSecond;
  const auto now = Clock::now();
  // An idle link does not bank credit beyond a short burst.
  if (linkFreeAt_ < now - kPacingCreditLimit) linkFreeAt_ = now - kPacingCreditLimit;
  linkFreeAt_ += std::chrono::nanoseconds(costNs);
}

bool GvspSenderCore::waitUntil(Clock::time_point when) {
  for (;;) {
    const auto now = Clock::now();
    if (now >= when) break;
    if (when - now > std::chrono::milliseconds(2)) {
      // Long waits (slow links, long packet delays) stay interruptible by close().
      std::unique_lock<std::mutex> lock(mutex_);
      if (wake_.wait_until(lock, when - std::chrono::milliseconds(1), [this] { return stopping_; })) return false;
      continue;
    }
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when - now).count();
    timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
    ::nanosleep(&ts, nullptr);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return !stopping_;
}

bool GvspSenderCore::transmit(const std::vector<Packet>& packets, JobResult& result, bool allowPriority,
                              uint64_t generation) {
  const bool paced = active_.bandwidthBytesPerSecond != 0 || active_.packetDelayNs != 0;
  size_t i = 0;
  while (i < packets.size()) {
    // A run: consecutive packets of the same size, which one GSO send can carry.
    const uint32_t size = packets[i].wireSize();
    size_t runLimit = std::min(kMaxSegmentsPerSend, std::max<size_t>(1, kMaxBytesPerSend / size));
    runLimit = std::min(runLimit, paceBatchLimit(&packets[i], packets.size() - i));
    size_t n = 1;
    while (n < runLimit && i + n < packets.size() && packets[i + n].wireSize() == size) ++n;
    if (paced) {
      if (linkFreeAt_ > Clock::now() && !waitUntil(linkFreeAt_)) return false;
      chargeLink(static_cast<uint64_t>(size + kIpUdpOverhead) * n, n);
    }
    if (!sendRun(&packets[i], n, result)) return false;
    i += n;
    if (allowPriority) runPriorityJobs();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!current(generation)) return false;
    }
  }
  return true;
}

bool GvspSenderCore::sendRun(const Packet* packets, size_t count, JobResult& result) {
  iovec iov[2 * kMaxSegmentsPerSend];
  size_t sent = 0;
  int busyRetries = 0;
  int refusedRetries = 0;
  while (sent < count) {
    const size_t n = count - sent;
    const bool useGso = n > 1 && gsoActive_.load(std::memory_order_relaxed) && active_.segmentationOffload;
    ssize_t rc;
    size_t packetsThisCall;
    if (useGso || n == 1) {
      size_t iovCount = 0;
      for (size_t k = 0; k < n; ++k) {
        const Packet& p = packets[sent + k];
        iov[iovCount++] = {const_cast<uint8_t*>(p.head), p.headLen};
        if (p.bodyLen) iov[iovCount++] = {const_cast<uint8_t*>(p.body), p.bodyLen};
      }
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = iovCount;
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint16_t))] = {};
      if (useGso) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_UDP;
        cm->cmsg_type = UDP_SEGMENT;
        cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        const uint16_t segment = static_cast<uint16_t>(packets[sent].wireSize());
        std::memcpy(CMSG_DATA(cm), &segment, sizeof segment);
      }
      rc = ::sendmsg(fd_, &msg, 0);
      packetsThisCall = rc >= 0 ? n : 0;
      if (rc >= 0 && useGso) stats_.segmentationOffloadSends.fetch_add(1, std::memory_order_relaxed);
    } else {
      mmsghdr msgs[kMaxSegmentsPerSend];
      std::memset(msgs, 0, sizeof(mmsghdr) * n);
      for (size_t k = 0; k < n; ++k) {
        const Packet& p = packets[sent + k];
        iov[2 * k] = {const_cast<uint8_t*>(p.head), p.headLen};
        iov[2 * k + 1] = {const_cast<uint8_t*>(p.body), p.bodyLen};
        msgs[k].msg_hdr.msg_iov = &iov[2 * k];
        msgs[k].msg_hdr.msg_iovlen = p.bodyLen ? 2 : 1;
      }
      const int got = ::sendmmsg(fd_, msgs, static_cast<unsigned>(n), 0);
      rc = got;
      packetsThisCall = got > 0 ? static_cast<size_t>(got) : 0;
    }
    if (rc >= 0) {
      const uint64_t bytesBefore = result.bytes;
      for (size_t k = 0; k < packetsThisCall; ++k) {
        result.bytes += packets[sent + k].wireSize();
      }
      result.packets += packetsThisCall;
      stats_.bytesSent.fetch_add(result.bytes - bytesBefore, std::memory_order_relaxed);
      stats_.packetsSent.fetch_add(packetsThisCall, std::memory_order_relaxed);
      sent += packetsThisCall;
      continue;
    }
    const int err = errno;
    if (err == EINTR) continue;
    if (useGso && (err == EIO || err == EINVAL || err == EOPNOTSUPP || err == ENOPROTOOPT)) {
      // No segmentation offload on this path (e.g. MTU below the packet size): send one by one.
      gsoActive_.store(false);
      continue;
    }
    if ((err == EAGAIN || err == ENOBUFS) && busyRetries < 100) {
      ++busyRetries;
      pollfd pfd{fd_, POLLOUT, 0};
      ::poll(&pfd, 1, 10);
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return false;
      continue;
    }
    if (err == ECONNREFUSED && refusedRetries < 1) {
      // A previous packet drew an ICMP port-unreachable; that error is now consumed, so retry once.
      ++refusedRetries;
      continue;
    }
    recordError(err == EMSGSIZE ? "send: packet of " + std::to_string(packets[sent].wireSize() + kIpUdpOverhead) +
                                        " bytes is larger than the path allows (" + std::strerror(err) + ")"
                                  : std::string("send: ") + std::strerror(err));
    sent += 1;  // skip the packet that failed; the rest of the block still goes out
  }
  return true;
}

}  // namespace gige
