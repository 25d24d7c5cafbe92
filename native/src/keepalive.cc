#include "keepalive.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <stdexcept>

namespace gige {

namespace {
constexpr size_t kHeaderSize = 8;
constexpr size_t kMaxPacket = 576;  // GVCP header + the largest command payload
constexpr size_t kRequestIdOffset = 6;
}  // namespace

KeepAlive::KeepAlive(const KeepAliveConfig& config, std::vector<uint8_t> packet, std::vector<uint16_t> requestIds)
    : config_(config), packet_(std::move(packet)), ids_(std::move(requestIds)), lastFedMs_(nowMs()) {
  if (packet_.size() < kHeaderSize || packet_.size() > kMaxPacket) {
    throw std::invalid_argument("the keep-alive packet must be a GVCP command of 8 to 576 bytes");
  }
  if (ids_.empty()) throw std::invalid_argument("the keep-alive needs at least one request id");
  if (config_.fd < 0) throw std::invalid_argument("the keep-alive needs the control socket's descriptor");
  if (config_.graceMs == 0 || config_.intervalMs == 0) throw std::invalid_argument("grace and interval must be > 0 ms");
  thread_ = std::thread([this] { run(); });
}

KeepAlive::~KeepAlive() { stop(); }

int64_t KeepAlive::nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void KeepAlive::feed() { lastFedMs_.store(nowMs(), std::memory_order_relaxed); }

void KeepAlive::refill(std::vector<uint16_t> requestIds) {
  if (requestIds.empty()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  ids_ = std::move(requestIds);
  nextId_ = 0;
}

void KeepAlive::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

KeepAliveStats KeepAlive::stats() const {
  return {sent_.load(std::memory_order_relaxed), sendErrors_.load(std::memory_order_relaxed)};
}

void KeepAlive::run() {
  // Checks a few times per grace period, so a stall is covered within about a quarter of it late.
  const auto tick = std::chrono::milliseconds(std::max<uint32_t>(5, std::min(config_.graceMs, config_.intervalMs) / 4));
  int64_t lastSentMs = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, tick, [this] { return stopping_; });
    if (stopping_) break;
    const int64_t now = nowMs();
    const int64_t quiet = now - lastFedMs_.load(std::memory_order_relaxed);
    if (quiet < static_cast<int64_t>(config_.graceMs)) continue;
    if (lastSentMs != 0 && now - lastSentMs < static_cast<int64_t>(config_.intervalMs)) continue;
    // In turn, round and round: a device takes a repeated request id for a retransmission (and
    // answers from its cache without counting a heartbeat), so never the same id twice in a row.
    const uint16_t id = ids_[nextId_ % ids_.size()];
    nextId_ += 1;
    lock.unlock();
    packet_[kRequestIdOffset] = static_cast<uint8_t>(id >> 8);
    packet_[kRequestIdOffset + 1] = static_cast<uint8_t>(id & 0xff);
    sendOne();
    lastSentMs = now;
    lock.lock();
  }
}

void KeepAlive::sendOne() {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(config_.port);
  to.sin_addr.s_addr = htonl(config_.address);
  // Non-blocking: the socket belongs to libuv, which may be writing on it at the same moment (the
  // kernel serialises datagrams on one socket; each is sent whole or not at all).
  const ssize_t n = ::sendto(config_.fd, packet_.data(), packet_.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&to), sizeof to);
  if (n == static_cast<ssize_t>(packet_.size())) {
    sent_.fetch_add(1, std::memory_order_relaxed);
  } else {
    sendErrors_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace gige
