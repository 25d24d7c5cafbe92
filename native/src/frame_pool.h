// The frame buffers of one stream, and who owns each of them.
//
// Memory comes in blocks of `capacity` bytes (4 KiB-aligned). A slot of the pool holds one block
// and cycles: free → assembling or queued (native) → lent to JavaScript → free again when
// JavaScript gives its lease back (explicitly: progress never waits for a garbage collection).
// JavaScript may instead keep a frame for good: the slot's block is handed over — from then on
// the ArrayBuffer over it is its only owner — and the slot gets another block at once: a spare
// (a handed-over block whose ArrayBuffer was collected) or a new allocation, while the memory
// limit allows. At the limit the slot may go without a block until one comes back, as long as
// half the slots keep theirs: the receive thread then drops new frames for want of a slot, which
// costs nothing, where a copy would cost the event loop a frame's memory and time while the
// collection that frees dropped frames is late. Beyond that the caller copies (HandOver::OverLimit),
// so that a flow that keeps frames for good never stops the stream. When every slot is lent and
// none comes back, the receive thread hands over the block lent longest ago by itself, within the
// same limit: a consumer that keeps frames without saying so keeps correct bytes, and the stream
// keeps going.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace gige {

// A block's bytes: the frame's capacity rounded up to whole 4 KiB pages.
inline uint64_t blockBytesFor(uint64_t capacity) { return std::max<uint64_t>(4096, (capacity + 4095) / 4096 * 4096); }

// The memory behind one pool: blocks in use anywhere (pool slots, handed over, spare, reserve)
// count against `maxBlocks`. Outlives the pool while handed-over blocks are alive. Come-back blocks
// are kept for reuse, already paged in: up to `maxSpares` as spares (the binding counts them for
// V8), then up to `maxReserve` in the reserve (not counted); beyond both they are freed. The pool
// sizes the two to fill its room, so frame memory, once paged in, stays until the stream stops.
//
// Why the reserve: V8 collects the frames a flow dropped only once new blocks have grown its count
// (spares do not: the binding counts them), so every collection cycle makes a block or two new,
// and the collection's return overflows the spares by as many, which were freed. A new block's
// pages then faulted in under the receive thread's copy (bench:flow at 1045 MB/s: 26 blocks made
// new and 26 freed in a 7 s trial; clear_page 16 % of the receive thread's samples). A reserve block
// is, to V8 and the binding, a block freed and one made new — it is not a counted spare — but its
// pages stay.
class BlockStore {
 public:
  BlockStore(size_t capacity, size_t maxBlocks, size_t maxSpares, size_t maxReserve)
      : rounded_(static_cast<size_t>(blockBytesFor(capacity))), maxBlocks_(maxBlocks), maxSpares_(maxSpares), maxReserve_(maxReserve) {}
  ~BlockStore() {
    for (uint8_t* b : spares_) std::free(b);
    for (uint8_t* b : reserve_) std::free(b);
  }
  BlockStore(const BlockStore&) = delete;
  BlockStore& operator=(const BlockStore&) = delete;

  // A spare block, a reserve one, or a new one while the limit allows; null at the limit (or out of
  // memory).
  uint8_t* take() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!spares_.empty()) {
      uint8_t* b = spares_.back();
      spares_.pop_back();
      return b;
    }
    if (!reserve_.empty()) {
      uint8_t* b = reserve_.back();
      reserve_.pop_back();
      return b;
    }
    if (blocks_ >= maxBlocks_) return nullptr;
    void* memory = std::aligned_alloc(4096, rounded_);
    if (!memory) return nullptr;
    blocks_ += 1;
    allocated_ += 1;
    return static_cast<uint8_t*>(memory);
  }
  // A block nobody uses any more: kept as a spare while its pool lives (true); else kept in the
  // reserve while it has room, or freed (false either way: not a spare).
  bool giveBack(uint8_t* block) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!closed_ && spares_.size() < maxSpares_) {
        spares_.push_back(block);
        return true;
      }
      if (!closed_ && reserve_.size() < maxReserve_) {
        reserve_.push_back(block);
        return false;
      }
      blocks_ -= 1;
      freed_ += 1;
    }
    // Outside the lock: unmapping a large block takes a while, and the receive thread may be
    // waiting in take().
    std::free(block);
    return false;
  }
  // The pool is gone: spares are freed now, blocks still held by JavaScript when they come back.
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    for (uint8_t* b : spares_) std::free(b);
    for (uint8_t* b : reserve_) std::free(b);
    blocks_ -= spares_.size() + reserve_.size();
    spares_.clear();
    reserve_.clear();
  }
  size_t blockBytes() const { return rounded_; }
  size_t maxBlocks() const { return maxBlocks_; }
  size_t blocks() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return blocks_;
  }
  size_t spares() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return spares_.size();
  }
  size_t reserve() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return reserve_.size();
  }
  // Blocks made new (their pages fault in on first use) and freed back to the system, since the start.
  uint64_t allocated() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return allocated_;
  }
  uint64_t freed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return freed_;
  }

 private:
  size_t rounded_;
  size_t maxBlocks_;
  size_t maxSpares_;
  size_t maxReserve_;
  uint64_t allocated_ = 0;
  uint64_t freed_ = 0;
  mutable std::mutex mutex_;
  size_t blocks_ = 0;
  std::vector<uint8_t*> spares_;
  std::vector<uint8_t*> reserve_;
  bool closed_ = false;
};

// One block of frame memory, shared by its pool slot and the ArrayBuffer JavaScript sees it through.
struct Block {
  Block(std::shared_ptr<BlockStore> s, uint8_t* d) : store(std::move(s)), data(d) {}
  ~Block() {
    if (data) store->giveBack(data);
  }
  // Its last owner gives the memory back now, and learns whether the store kept it as a spare.
  bool returnToStore() {
    uint8_t* d = data;
    data = nullptr;
    return d != nullptr && store->giveBack(d);
  }
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;
  std::shared_ptr<BlockStore> store;
  uint8_t* data;
};

struct PoolCounters {
  uint64_t handedOver = 0;  // blocks JavaScript kept (frame.detach())
  uint64_t handedOverShort = 0;  // of those, at the limit: the slot went without a block for a while
  uint64_t reclaimed = 0;   // lent blocks the receive thread handed over because the pool ran dry
  size_t lent = 0;          // slots JavaScript holds now
  size_t emptySlots = 0;    // slots without a block now (handed over short)
  size_t blocks = 0;        // blocks allocated: the pool's, spares, and handed-over ones not yet collected
  size_t spares = 0;
  size_t reserve = 0;            // freed blocks kept paged in for the next one made new
  size_t blockBytes = 0;
  size_t maxBlocks = 0;
  uint64_t blocksAllocated = 0;  // made new since the start (first use faults their pages in)
  uint64_t blocksFreed = 0;      // given back to the system since the start (spares and reserve full, or closed)
};

// V8 runs a major collection once its external-memory count has grown this much since the last
// (its external allocation soft limit; it may start one sooner, when that growth eats its old
// generation's slack). Handed-over blocks come back only through collections, so
// the pool's room and spare store are sized around it.
constexpr uint64_t kV8ExternalMemoryTrigger = uint64_t{64} << 20;
// Beyond the trigger: frames a flow still holds when V8 collects (a join, a recorder's last few)
// and the frames that arrive while the collection runs.
constexpr uint64_t kCollectionSlack = uint64_t{8} << 20;

class FramePool {
 public:
  enum class HandOver { Done, AlreadyJavaScripts, OverLimit };

  // New blocks that bring V8's collection, with its slack. V8 counts a block at the frame's own
  // size (its ArrayBuffer's length), not at the pool's rounded block size.
  static uint64_t collectionLeadBlocks(uint64_t capacity) {
    return (kV8ExternalMemoryTrigger + kCollectionSlack) / std::max<uint64_t>(1, capacity) + 2;
  }

  // The memory limit when the user sets none: four times the pool, so that a flow may keep several
  // times the pool's frames (a join of 10, a delay queue) without a copy — and, for small frames,
  // at least the pool and twice the collection's lead: one lead of spares (below) and one of new
  // blocks that bring the collection. Below that, frames a flow drops fill the room before V8
  // collects them, and every frame after is copied on the event loop (640×480 software triggers:
  // 225 of 320 frames at the old 9.8 MB). And with fewer spares, V8 collects far more often: its
  // count grows with every new block, and it starts a major collection once that growth eats its
  // old generation's slack, a few MB (640×480: 12–15 per 1000 frames with a pool's worth of spares,
  // 3–5 with a lead's worth; bench/README.md).
  static uint64_t defaultMemoryLimit(uint64_t bufferCount, uint64_t capacity) {
    const uint64_t block = blockBytesFor(capacity);
    const uint64_t pool = bufferCount * block;
    return std::max(4 * pool, pool + 2 * collectionLeadBlocks(capacity) * block);
  }

  // `memoryLimit`: bytes of frame memory in all (at least the pool itself; 0 = the pool only).
  FramePool(size_t bufferCount, size_t capacity, uint64_t memoryLimit = 0)
      : capacity_(capacity), minFullSlots_(std::max<size_t>(1, (bufferCount + 1) / 2)) {
    const uint64_t rounded = blockBytesFor(capacity);
    const size_t maxBlocks =
        static_cast<size_t>(std::min<uint64_t>(std::max<uint64_t>(bufferCount, memoryLimit / rounded), SIZE_MAX / rounded));
    // Blocks come back from JavaScript in bursts (one garbage collection returns every frame a
    // flow dropped since the last). Spares are reused instead of freed and page-faulted in anew by
    // the next frames (measured: ~12 % of a Node-RED process's CPU at 500 MB/s). While spares last,
    // V8's count does not grow (the binding counts them); it collects once new blocks have grown it
    // by 64 MB at most (sooner when its heap has little slack). So the more spares, the rarer the
    // collections that free the frames a flow dropped: where the room holds the collection's lead
    // beside the pool's worth of spares, spares take the rest of it, so that the collection still
    // comes before the limit binds (4504² at 8 buffers: 19 of 24 blocks, a third fewer collections
    // than half the room; bench/README.md). Where it does not (64 MB fills the room anyway), half
    // the room, as before. The price is memory kept after a burst of kept frames, within the limit
    // the user set.
    const size_t room = maxBlocks - bufferCount;
    const uint64_t lead = collectionLeadBlocks(capacity);
    const size_t maxSpares =
        room >= lead + bufferCount ? room - static_cast<size_t>(lead) : std::max<size_t>(bufferCount, room / 2);
    // The reserve (see BlockStore) takes the room the spares leave: the blocks a collection cycle
    // makes new. A reserve of two blocks still freed 6-13 per 7 s trial (4504², 1045 MB/s) and lost
    // frames in each of 6 runs; the whole lead (5) freed 0-1 and lost none in 3. So frame memory,
    // once paged in, stays until the stream stops, within the limit the user set.
    const size_t maxReserve = room > maxSpares ? room - maxSpares : 0;
    store_ = std::make_shared<BlockStore>(capacity, maxBlocks, maxSpares, maxReserve);
    slots_.resize(bufferCount);
    for (size_t i = 0; i < bufferCount; ++i) {
      uint8_t* memory = store_->take();
      if (!memory) {
        slots_.clear();
        store_->close();
        throw std::bad_alloc();
      }
      // Touched once up front, so that the receive path never page-faults in steady state.
      std::memset(memory, 0, store_->blockBytes());
      slots_[i].block = std::make_shared<Block>(store_, memory);
      free_.push_back(static_cast<int>(i));
    }
  }
  ~FramePool() {
    slots_.clear();
    store_->close();
  }
  FramePool(const FramePool&) = delete;
  FramePool& operator=(const FramePool&) = delete;

  // Receive thread: a slot for a new frame; -1 when every slot is busy or lent and the memory
  // limit allows no replacement for the block lent longest ago.
  int acquire() {
    std::lock_guard<std::mutex> lock(mutex_);
    // Slots handed over short get a block again as soon as one has come back (or the limit allows).
    while (!empty_.empty() && replaceBlock(slots_[static_cast<size_t>(empty_.back())])) {
      const int index = empty_.back();
      empty_.pop_back();
      slots_[static_cast<size_t>(index)].state = State::Free;
      free_.push_back(index);
    }
    if (!free_.empty()) {
      const int index = free_.back();
      free_.pop_back();
      slots_[static_cast<size_t>(index)].state = State::Busy;
      return index;
    }
    int oldest = -1;
    for (size_t i = 0; i < slots_.size(); ++i) {
      const Slot& s = slots_[i];
      if (s.state == State::Lent && (oldest < 0 || s.lease < slots_[static_cast<size_t>(oldest)].lease)) oldest = static_cast<int>(i);
    }
    if (oldest < 0 || !replaceBlock(slots_[static_cast<size_t>(oldest)])) return -1;
    slots_[static_cast<size_t>(oldest)].state = State::Busy;
    counters_.reclaimed += 1;
    return oldest;
  }
  // Native paths (assembler, queue, close): the slot is free again.
  void release(int index) {
    std::lock_guard<std::mutex> lock(mutex_);
    Slot& s = slots_[static_cast<size_t>(index)];
    if (s.state == State::Free || s.state == State::Empty) return;
    s.state = State::Free;
    s.lease = 0;
    free_.push_back(index);
  }
  size_t available() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return free_.size();
  }
  uint8_t* data(int index) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return slots_[static_cast<size_t>(index)].block->data;
  }
  size_t capacity() const { return capacity_; }
  size_t count() const { return slots_.size(); }
  // JavaScript's side. A delivered frame's slot is lent under a lease id; the lease ends with
  // giveBack (the slot is free) or handOver (the block is JavaScript's, the slot gets another).
  uint64_t lend(int index) {
    std::lock_guard<std::mutex> lock(mutex_);
    Slot& s = slots_[static_cast<size_t>(index)];
    s.state = State::Lent;
    s.lease = ++lastLease_;
    return s.lease;
  }
  std::shared_ptr<Block> block(int index) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return slots_[static_cast<size_t>(index)].block;
  }
  // False when the lease had already ended (given back, or its block handed over).
  bool giveBack(int index, uint64_t lease) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!lentUnder(index, lease)) return false;
    Slot& s = slots_[static_cast<size_t>(index)];
    s.state = State::Free;
    s.lease = 0;
    free_.push_back(index);
    return true;
  }
  HandOver handOver(int index, uint64_t lease) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!lentUnder(index, lease)) return HandOver::AlreadyJavaScripts;
    Slot& s = slots_[static_cast<size_t>(index)];
    if (replaceBlock(s)) {
      s.state = State::Free;
      s.lease = 0;
      free_.push_back(index);
      counters_.handedOver += 1;
      return HandOver::Done;
    }
    if (slots_.size() - empty_.size() <= minFullSlots_) return HandOver::OverLimit;
    s.block.reset();  // JavaScript's ArrayBuffer is its owner now
    s.state = State::Empty;
    s.lease = 0;
    empty_.push_back(index);
    counters_.handedOver += 1;
    counters_.handedOverShort += 1;
    return HandOver::Done;
  }
  PoolCounters counters() const {
    PoolCounters c;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      c = counters_;
      c.lent = static_cast<size_t>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.state == State::Lent; }));
      c.emptySlots = empty_.size();
    }
    c.blocks = store_->blocks();
    c.spares = store_->spares();
    c.reserve = store_->reserve();
    c.blockBytes = store_->blockBytes();
    c.maxBlocks = store_->maxBlocks();
    c.blocksAllocated = store_->allocated();
    c.blocksFreed = store_->freed();
    return c;
  }

 private:
  enum class State { Free, Busy, Lent, Empty };
  struct Slot {
    std::shared_ptr<Block> block;
    State state = State::Free;
    uint64_t lease = 0;
  };

  bool lentUnder(int index, uint64_t lease) const {
    if (index < 0 || static_cast<size_t>(index) >= slots_.size()) return false;
    const Slot& s = slots_[static_cast<size_t>(index)];
    return s.state == State::Lent && s.lease == lease;
  }
  // The slot's block stays with whoever else holds it (the ArrayBuffer JavaScript has); the slot
  // gets a spare or new block. False when the memory limit allows none.
  bool replaceBlock(Slot& s) {
    uint8_t* memory = store_->take();
    if (!memory) return false;
    try {
      s.block = std::make_shared<Block>(store_, memory);
    } catch (const std::bad_alloc&) {
      store_->giveBack(memory);
      return false;
    }
    return true;
  }

  size_t capacity_;
  size_t minFullSlots_;  // slots that keep a block whatever JavaScript keeps
  std::shared_ptr<BlockStore> store_;
  mutable std::mutex mutex_;
  std::vector<Slot> slots_;
  std::vector<int> free_;
  std::vector<int> empty_;  // slots handed over short, waiting for a block
  uint64_t lastLease_ = 0;
  PoolCounters counters_;
};

}  // namespace gige
