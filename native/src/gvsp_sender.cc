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

constexpr size_t kArenaSlot = 64;           // GVSP header (≤ 20) + leader (≤ 36) or trailer (≤ 16)
constexpr uint32_t kMaxUnavailablePackets = 4096;
// Bounds on queued resend work. A receiver asks for each lost range once per packet timeout, so
// honest requests keep the queue short; only a flood reaches these.
constexpr size_t kMaxQueuedResends = 1024;
constexpr uint64_t kMaxQueuedResendPackets = 1 << 16;

bool isResendJob(const SendJob& job) {
  return job.kind == SendJob::Kind::Resend || job.kind == SendJob::Kind::Unavailable;
}

uint64_t resendPacketCount(const SendJob& job) {
  return job.firstPacketId > job.lastPacketId ? 0 : uint64_t{job.lastPacketId} - job.firstPacketId + 1;
}

// True when `queued` will already send every packet `job` asks for.
bool covers(const SendJob& queued, const SendJob& job) {
  if (queued.kind != job.kind) return false;
  const bool sameBlock = job.kind == SendJob::Kind::Resend
                             ? queued.block == job.block
                             : queued.blockId == job.blockId && queued.extended == job.extended;
  return sameBlock && queued.firstPacketId <= job.firstPacketId && job.lastPacketId <= queued.lastPacketId;
}

std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

GvspSenderCore::GvspSenderCore(uint32_t bindAddress, uint16_t bindPort, Completion onDone)
    : onDone_(std::move(onDone)) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(errnoText("socket"));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(bindAddress);
  local.sin_port = htons(bindPort);
  bindAddress_ = bindAddress;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    const std::string message = errnoText("bind");
    ::close(fd_);
    throw std::runtime_error(message);
  }
  socklen_t len = sizeof local;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len);
  port_ = ntohs(local.sin_port);
  // A multicast stream (GevSCDA a group) leaves through the device's own interface, the one that
  // holds its address, whatever the routing table says about the group.
  in_addr multicastInterface{};
  multicastInterface.s_addr = htonl(bindAddress);
  ::setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_IF, &multicastInterface, sizeof multicastInterface);
  // A block is a burst; a deep send queue keeps the thread from blocking mid-block. FORCE works as
  // root, plain SO_SNDBUF is capped by wmem_max otherwise.
  int sendBuffer = 8 << 20;
  if (::setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &sendBuffer, sizeof sendBuffer) != 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &sendBuffer, sizeof sendBuffer);
  }
  thread_ = std::thread([this] { run(); });
}

GvspSenderCore::~GvspSenderCore() {
  stop();
  if (fd_ >= 0) ::close(fd_);
}

void GvspSenderCore::configure(const SenderConfig& config) {
  if (config.destinationPort != 0) {
    // The sender thread connects its own socket when it starts the next job (so that a block in
    // flight never continues to a new host); here a scratch socket with the same local address
    // only checks that the destination can be reached, so the caller hears about it now.
    const int probe = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (probe < 0) throw std::runtime_error(errnoText("socket"));
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(bindAddress_);
    const sockaddr_in peer = peerAddress(config);
    if (::bind(probe, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(probe, reinterpret_cast<const sockaddr*>(&peer), sizeof peer) != 0) {
      const std::string message = errnoText("connect");
      ::close(probe);
      throw std::runtime_error(message);
    }
    ::close(probe);
  }
  std::deque<SendJob> stale;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool moved = config.destinationAddress != config_.destinationAddress ||
                       config.destinationPort != config_.destinationPort;
    config_ = config;
    configDirty_ = true;
    if (moved) {
      ++generation_;
      // Blocks and resends queued for the previous destination are that session's, not the new one's.
      stale.swap(blocks_);
      for (auto& job : priority_) stale.push_back(std::move(job));
      priority_.clear();
      queuedResendPackets_ = 0;
    }
  }
  for (const SendJob& job : stale) {
    stats_.jobsDroppedByDestinationChange.fetch_add(1, std::memory_order_relaxed);
    failDestinationChanged(job);
  }
}

sockaddr_in GvspSenderCore::peerAddress(const SenderConfig& config) {
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_addr.s_addr = htonl(config.destinationAddress);
  peer.sin_port = htons(config.destinationPort);
  return peer;
}

void GvspSenderCore::connectSocket(const SenderConfig& config) {
  // Connected: the kernel caches the route, so each send is cheaper. A closed channel (port 0)
  // sends nothing, so the socket stays connected to the last peer: disconnecting would give up its
  // automatically bound port, and the source port (SCSP) must stay what the device reported.
  if (config.destinationPort != 0) {
    const sockaddr_in peer = peerAddress(config);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&peer), sizeof peer) != 0) {
      lastError_ = errnoText("connect");
      stats_.sendErrors.fetch_add(1, std::memory_order_relaxed);
    }
  }
  int pmtu = config.doNotFragment ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
  ::setsockopt(fd_, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
}

void GvspSenderCore::failDestinationChanged(const SendJob& job) {
  JobResult result;
  result.id = job.id;
  result.kind = job.kind;
  result.ok = false;
  result.destinationChanged = true;
  result.error = "the stream channel was closed or given another destination before this was sent";
  onDone_(std::move(result));
}

SenderConfig GvspSenderCore::config() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return config_;
}

std::string GvspSenderCore::lastError() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lastError_;
}

void GvspSenderCore::recordError(const std::string& message) {
  stats_.sendErrors.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mutex_);
  lastError_ = message;
}

void GvspSenderCore::enqueue(SendJob job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_) {
      job.destinationGeneration = generation_;
      (job.kind == SendJob::Kind::Block ? blocks_ : priority_).push_back(std::move(job));
      wake_.notify_one();
      return;
    }
  }
  fail(job, "the sender is closed");
}

bool GvspSenderCore::enqueueResend(SendJob job) {
  // "Up to the end of the block" is the usual last id; anything past the trailer does not exist.
  if (job.kind == SendJob::Kind::Resend) {
    job.lastPacketId = std::min(job.lastPacketId, job.block->dataPackets + 1);
  } else if (resendPacketCount(job) > kMaxUnavailablePackets) {
    job.lastPacketId = job.firstPacketId + (kMaxUnavailablePackets - 1);
  }
  const uint64_t packets = resendPacketCount(job);
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return false;
  bool refuse = priority_.size() >= kMaxQueuedResends ||
                // One request larger than the budget still goes when nothing else waits.
                (!priority_.empty() && queuedResendPackets_ + packets > kMaxQueuedResendPackets);
  for (auto it = priority_.begin(); !refuse && it != priority_.end(); ++it) refuse = covers(*it, job);
  if (refuse) {
    stats_.resendRequestsDropped.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  queuedResendPackets_ += packets;
  job.destinationGeneration = generation_;
  priority_.push_back(std::move(job));
  wake_.notify_one();
  return true;
}

void GvspSenderCore::fail(const SendJob& job, const char* why) {
  JobResult result;
  result.id = job.id;
  result.kind = job.kind;
  result.ok = false;
  result.error = why;
  onDone_(std::move(result));
}

void GvspSenderCore::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  // The socket goes with the thread: a closed sender holds no port until the garbage collector
  // happens to take its JavaScript wrapper.
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  std::deque<SendJob> left;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    left.swap(priority_);
    queuedResendPackets_ = 0;
    for (auto& job : blocks_) left.push_back(std::move(job));
    blocks_.clear();
  }
  for (const SendJob& job : left) fail(job, "the sender was closed before this was sent");
  // The socket goes with the thread, not with the garbage collection of its JavaScript object: a
  // closed sender frees its port at once.
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool GvspSenderCore::takeJob(SendJob& job, bool priorityOnly) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!priorityOnly) {
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !priority_.empty() || !blocks_.empty(); });
      if (stopping_ || !priority_.empty()) break;
      const auto due = blocks_.front().notBefore;
      if (due <= std::chrono::steady_clock::now()) break;
      // Until the block is due; a resend request or a stop wakes the thread earlier.
      wake_.wait_until(lock, due);
    }
  }
  if (stopping_) return false;
  // A new configuration applies between blocks only, so a block is sent with one set of settings;
  // a resend waiting meanwhile is sent after the running block, with the new settings.
  if (configDirty_) {
    if (priorityOnly) return false;
    active_ = config_;
    faults_.reset(active_.faults);
    configDirty_ = false;
    connectSocket(active_);
  }
  if (!priority_.empty()) {
    job = std::move(priority_.front());
    priority_.pop_front();
    if (isResendJob(job)) queuedResendPackets_ -= resendPacketCount(job);
    return true;
  }
  // Only the waiting path above takes a block, and only once it is due.
  if (priorityOnly || blocks_.empty()) return false;
  job = std::move(blocks_.front());
  if (job.notBefore != std::chrono::steady_clock::time_point{}) {
    // How late a held block leaves: the thread's wake-up, or a block queued after its time.
    const auto now = std::chrono::steady_clock::now();
    const auto late = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - job.notBefore).count());
    stats_.blocksHeld.fetch_add(1, std::memory_order_relaxed);
    stats_.heldLatenessNsTotal.fetch_add(late, std::memory_order_relaxed);
    // This thread is the only writer.
    if (late > stats_.heldLatenessNsMax.load(std::memory_order_relaxed)) stats_.heldLatenessNsMax.store(late, std::memory_order_relaxed);
  }
  blocks_.pop_front();
  return true;
}

void GvspSenderCore::run() {
  // Pacing sleeps are short; the default 50 µs timer slack would smear them.
  ::prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  SendJob job;
  while (takeJob(job, false)) execute(job);
}

void GvspSenderCore::runPriorityJobs() {
  SendJob job;
  while (takeJob(job, true)) execute(job);
}

void GvspSenderCore::execute(SendJob& job) {
  JobResult result;
  switch (job.kind) {
    case SendJob::Kind::Block: result = sendBlock(job); break;
    case SendJob::Kind::Resend: result = sendResend(job); break;
    case SendJob::Kind::Unavailable: result = sendUnavailable(job); break;
    case SendJob::Kind::TestPacket: result = sendTestPacket(job); break;
  }
  result.id = job.id;
  result.kind = job.kind;
  job.block.reset();
  onDone_(std::move(result));
}

GvspSenderCore::Packet GvspSenderCore::buildPacket(const BlockLayout& block, uint32_t packetId, uint16_t status,
                                                   uint16_t flags, uint8_t* arena) const {
  GvspHeader header;
  header.status = status;
  header.flags = flags;
  header.extended = block.extended;
  header.blockId = block.blockId;
  header.packetId = packetId;
  if (packetId == 0) {
    header.format = kFormatLeader;
    size_t len = writeGvspHeader(arena, header);
    len += writeLeader(arena + len, block.leader);
    return {arena, static_cast<uint32_t>(len), nullptr, 0};
  }
  if (packetId == block.dataPackets + 1) {
    header.format = kFormatTrailer;
    size_t len = writeGvspHeader(arena, header);
    len += writeTrailer(arena + len, block.trailer);
    return {arena, static_cast<uint32_t>(len), nullptr, 0};
  }
  header.format = kFormatPayload;
  const size_t len = writeGvspHeader(arena, header);
  const size_t offset = static_cast<size_t>(packetId - 1) * block.dataPerPacket;
  const size_t bodyLen = std::min(block.dataPerPacket, block.size - offset);
  return {arena, static_cast<uint32_t>(len), block.data + offset, static_cast<uint32_t>(bodyLen)};
}

JobResult GvspSenderCore::sendBlock(const SendJob& job) {
  JobResult result;
  const BlockLayout& block = *job.block;
  const uint32_t count = block.dataPackets + 2;
  if (active_.destinationPort == 0) {
    result.ok = false;
    result.error = "the stream channel is closed (destinationPort 0)";
    return result;
  }
  blockArena_.resize(kArenaSlot * count);
  plan_.clear();
  plan_.reserve(count + 16);
  const bool faulty = active_.faultsEnabled;
  bool holding = false;
  Packet held{};
  for (uint32_t id = 0; id < count; ++id) {
    const Packet packet = buildPacket(block, id, kStatusSuccess, 0, &blockArena_[kArenaSlot * id]);
    if (!faulty) {
      plan_.push_back(packet);
      continue;
    }
    if (faults_.drop()) {
      stats_.packetsDroppedByFaults.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (!holding && id + 1 < count && faults_.reorder()) {
      held = packet;
      holding = true;
      stats_.packetsReorderedByFaults.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    plan_.push_back(packet);
    if (faults_.duplicate()) {
      plan_.push_back(packet);
      stats_.packetsDuplicatedByFaults.fetch_add(1, std::memory_order_relaxed);
    }
    if (holding) {
      plan_.push_back(held);
      holding = false;
    }
  }
  if (holding) plan_.push_back(held);
  if (!transmit(plan_, result, true, job.destinationGeneration)) {
    result.ok = false;
    std::lock_guard<std::mutex> lock(mutex_);
    result.destinationChanged = !stopping_;
    result.error = (stopping_ ? "the sender was closed while sending block "
                              : "the stream channel was closed or given another destination while sending block ") +
                   std::to_string(block.blockId);
    return result;
  }
  stats_.blocksSent.fetch_add(1, std::memory_order_relaxed);
  return result;
}

JobResult GvspSenderCore::sendResend(const SendJob& job) {
  JobResult result;
  const BlockLayout& block = *job.block;
  stats_.resendRequests.fetch_add(1, std::memory_order_relaxed);
  const uint32_t lastValid = block.dataPackets + 1;
  const uint32_t first = job.firstPacketId;
  const uint32_t last = std::min(job.lastPacketId, lastValid);
  if (active_.destinationPort == 0 || first > last) return result;
  const uint32_t count = last - first + 1;
  sideArena_.resize(kArenaSlot * count);
  std::vector<Packet> packets;
  packets.reserve(count);
  // Extended IDs have a "resent" flag; standard-ID receivers (Aravis among them) expect status 0.
  const uint16_t flags = block.extended ? kFlagResent : 0;
  for (uint32_t i = 0; i < count; ++i) {
    const Packet packet = buildPacket(block, first + i, kStatusSuccess, flags, &sideArena_[kArenaSlot * i]);
    if (active_.faultsEnabled && faults_.drop()) {
      stats_.packetsDroppedByFaults.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    packets.push_back(packet);
  }
  transmit(packets, result, false, job.destinationGeneration);
  stats_.resendPacketsSent.fetch_add(result.packets, std::memory_order_relaxed);
  return result;
}

JobResult GvspSenderCore::sendUnavailable(const SendJob& job) {
  JobResult result;
  stats_.resendRequests.fetch_add(1, std::memory_order_relaxed);
  if (active_.destinationPort == 0 || job.firstPacketId > job.lastPacketId) return result;
  const uint32_t count = std::min(job.lastPacketId - job.firstPacketId + 1, kMaxUnavailablePackets);
  sideArena_.resize(kArenaSlot * count);
  std::vector<Packet> packets;
  packets.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    GvspHeader header;
    header.status = kStatusPacketUnavailable;
    header.extended = job.extended;
    header.flags = job.extended ? kFlagResent : 0;
    header.blockId = job.blockId;
    header.packetId = job.firstPacketId + i;
    header.format = header.packetId == 0 ? kFormatLeader : kFormatPayload;
    uint8_t* slot = &sideArena_[kArenaSlot * i];
    packets.push_back({slot, static_cast<uint32_t>(writeGvspHeader(slot, header)), nullptr, 0});
  }
  transmit(packets, result, false, job.destinationGeneration);
  stats_.resendUnavailablePackets.fetch_add(result.packets, std::memory_order_relaxed);
  return result;
}

JobResult GvspSenderCore::sendTestPacket(const SendJob& job) {
  JobResult result;
  if (active_.destinationPort == 0) {
    result.ok = false;
    result.error = "the stream channel is closed (destinationPort 0)";
    return result;
  }
  const size_t udpPayload = job.testPacketSize - kIpUdpOverhead;
  sideArena_.assign(udpPayload, 0);
  GvspHeader header;
  header.extended = active_.extendedIds;
  header.format = kFormatPayload;
  header.blockId = 0;  // block id 0 marks the test packet
  const size_t headLen = writeGvspHeader(sideArena_.data(), header);
  // Filled from a 16-bit LFSR so that a receiver can tell truncation from garbage.
  uint16_t lfsr = 0xACE1;
  for (size_t i = headLen; i < udpPayload; ++i) {
    const uint16_t bit = static_cast<uint16_t>(((lfsr >> 0) ^ (lfsr >> 2) ^ (lfsr >> 3) ^ (lfsr >> 5)) & 1u);
    lfsr = static_cast<uint16_t>((lfsr >> 1) | (bit << 15));
    sideArena_[i] = static_cast<uint8_t>(lfsr);
  }
  std::vector<Packet> packets{{sideArena_.data(), static_cast<uint32_t>(udpPayload), nullptr, 0}};
  transmit(packets, result, false, job.destinationGeneration);
  if (result.packets == 0) {
    result.ok = false;
    result.error = lastError().empty() ? "the test packet was not sent" : lastError();
  } else {
    stats_.testPackets.fetch_add(1, std::memory_order_relaxed);
  }
  return result;
}

}  // namespace gige
