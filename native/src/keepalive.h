// Keeps GigE Vision control alive while JavaScript cannot: a thread that sends the heartbeat
// command on the control channel's own UDP socket (same source IP:port, which is how the device
// knows its controller) whenever JavaScript has sent nothing for a while — a long synchronous task
// in some flow must not cost the camera. It only keeps alive: it reads no answers, so loss is still
// declared by JavaScript, from the acks it does (or does not) receive.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace gige {

struct KeepAliveConfig {
  int fd = -1;                   // the control channel's socket (not owned)
  uint32_t address = 0;          // device IPv4, host byte order
  uint16_t port = 3956;          // device GVCP port
  uint32_t graceMs = 1000;       // JavaScript silence before the thread steps in
  uint32_t intervalMs = 1000;    // then one command per interval
};

struct KeepAliveStats {
  uint64_t sent = 0;
  uint64_t sendErrors = 0;
};

class KeepAlive {
 public:
  // `packet`: a complete GVCP command (8-byte header + payload); bytes 6–7 (request id) are
  // replaced by each id of `requestIds` in turn, starting over when they run out.
  KeepAlive(const KeepAliveConfig& config, std::vector<uint8_t> packet, std::vector<uint16_t> requestIds);
  ~KeepAlive();
  KeepAlive(const KeepAlive&) = delete;
  KeepAlive& operator=(const KeepAlive&) = delete;

  // JavaScript sent a command just now.
  void feed();
  // Fresh request ids (JavaScript reserved them: it will not use them itself for a long while).
  void refill(std::vector<uint16_t> requestIds);
  // Stops and joins the thread; idempotent. Must run before the socket closes.
  void stop();
  KeepAliveStats stats() const;

 private:
  void run();
  void sendOne();
  static int64_t nowMs();

  const KeepAliveConfig config_;
  std::vector<uint8_t> packet_;
  std::mutex mutex_;  // guards ids_, nextId_, stopping_
  std::condition_variable wake_;
  std::vector<uint16_t> ids_;
  size_t nextId_ = 0;
  bool stopping_ = false;
  std::atomic<int64_t> lastFedMs_;
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> sendErrors_{0};
  std::thread thread_;
};

}  // namespace gige
