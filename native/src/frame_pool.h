// A bounded pool of frame buffers, allocated and touched once up front so that the receive path
// never allocates or page-faults. Shared ownership: JavaScript Buffers over pool memory hold the
// pool alive after the stream is closed, and return their slot when garbage-collected.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace gige {

class FramePool {
 public:
  FramePool(size_t bufferCount, size_t capacity) : capacity_(capacity) {
    const size_t rounded = (capacity + 4095) / 4096 * 4096;
    for (size_t i = 0; i < bufferCount; ++i) {
      void* memory = std::aligned_alloc(4096, rounded == 0 ? 4096 : rounded);
      if (!memory) {
        for (uint8_t* b : buffers_) std::free(b);
        throw std::bad_alloc();
      }
      std::memset(memory, 0, rounded == 0 ? 4096 : rounded);
      buffers_.push_back(static_cast<uint8_t*>(memory));
      free_.push_back(static_cast<int>(i));
    }
  }
  ~FramePool() {
    for (uint8_t* b : buffers_) std::free(b);
  }
  FramePool(const FramePool&) = delete;
  FramePool& operator=(const FramePool&) = delete;

  // -1 when every buffer is in use (assembling, queued or held by JavaScript).
  int acquire() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) return -1;
    const int index = free_.back();
    free_.pop_back();
    return index;
  }
  void release(int index) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(index);
  }
  size_t available() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return free_.size();
  }
  uint8_t* data(int index) const { return buffers_[static_cast<size_t>(index)]; }
  size_t capacity() const { return capacity_; }
  size_t count() const { return buffers_.size(); }

 private:
  size_t capacity_;
  std::vector<uint8_t*> buffers_;
  mutable std::mutex mutex_;
  std::vector<int> free_;
};

}  // namespace gige
