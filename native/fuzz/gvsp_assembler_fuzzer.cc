// libFuzzer harness for the native GVSP packet path: arbitrary datagrams and sequences of them go
// through the frame assembler exactly as the receive thread hands them over (header parsed by
// parseGvspHeader, body either copied from its own buffer or already in place at a predicted
// offset), with ticks, resend answers and a consumer that holds frames. Only the assembler's
// public header is used, so the harness follows an API change with a few lines.
//
// Input: 6 configuration bytes, then operations until the input ends (see native/fuzz/README.md;
// native/fuzz/make-seeds.js writes the seed corpus in this format).
//   cfg[0] bit0 extended ids, bit1 resend on, bit2 deliver incomplete, bits3-4 frames in flight − 1,
//          bits5-7 pool buffers − 1
//   cfg[1] data bytes per packet: kPacketSizes[cfg[1] % 8]
//   cfg[2..3] pool buffer capacity − 1 (big-endian)
//   cfg[4..5] first block id of the well-formed stream that follows the operations (big-endian)
// Operations (first byte % 8):
//   0 datagram: u16 length, bytes          1 tick: u16 × 4096 ns later
//   2 in place: u8 which prediction, u16 length, bytes (written into the predicted region)
//   3 replay: u8 which earlier datagram, u8 flags (bit0: as a resend)
//   4 answer every resend request so far from the datagrams seen
//   5 the consumer releases every frame it holds
//   6 time passes: u8 × 1000 ns, no tick     7 discard everything in flight (close)
// Then a camera streams well-formed frames: whatever came before, they must come out complete.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <set>
#include <vector>

#include "../src/frame_assembler.h"
#include "../src/gvsp_wire.h"

using namespace gige;

#define REQUIRE(cond)                                                              \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "invariant broken at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                \
    }                                                                              \
  } while (0)

namespace {

constexpr size_t kPacketSizes[8] = {1, 4, 16, 64, 536, 1464, 8964, 3};
constexpr size_t kMaxHistory = 64;
constexpr size_t kMaxRequests = 256;

struct Reader {
  const uint8_t* p;
  size_t left;
  uint8_t u8() {
    if (!left) return 0;
    --left;
    return *p++;
  }
  uint16_t u16() { return static_cast<uint16_t>((u8() << 8) | u8()); }
  std::vector<uint8_t> bytes(size_t n) {
    n = std::min(n, left);
    std::vector<uint8_t> out(p, p + n);
    p += n;
    left -= n;
    return out;
  }
};

struct Session {
  std::shared_ptr<FramePool> pool;
  AssemblerStats stats;
  std::unique_ptr<FrameAssembler> assembler;
  std::set<int> held;  // buffers delivered and not yet released by the "consumer"
  AssembledFrame last;  // the latest delivered frame (its buffer stays held until released)
  std::deque<std::vector<uint8_t>> history;
  std::vector<PacketResendRequest> requests;
  uint64_t now = 1000000000;

  Session(const AssemblerConfig& config, size_t buffers, size_t capacity) {
    pool = std::make_shared<FramePool>(buffers, capacity);
    assembler = std::make_unique<FrameAssembler>(
        config, pool, stats, [this](AssembledFrame&& f) { onFrame(f); },
        [this](const PacketResendRequest& r) { onResend(r); },
        [](const std::string& w) { REQUIRE(w.size() < 1000); });
  }

  void onFrame(const AssembledFrame& f) {
    REQUIRE(f.buffer >= 0 && static_cast<size_t>(f.buffer) < pool->count());
    REQUIRE(held.insert(f.buffer).second);  // never delivered twice without a release
    REQUIRE(f.data == pool->data(f.buffer));
    REQUIRE(f.payloadLength <= pool->capacity());
    REQUIRE(f.imageLength <= f.payloadLength);
    REQUIRE(f.receivedPackets <= f.expectedPackets);
    REQUIRE(f.missingPackets == f.expectedPackets - f.receivedPackets);
    last = f;
    // What JavaScript would read: every delivered byte (ASan checks the whole range of the copy).
    static uint8_t scratch[65536];
    std::memcpy(scratch, f.data, f.payloadLength);
  }

  void onResend(const PacketResendRequest& r) {
    REQUIRE(r.firstPacketId <= r.lastPacketId);
    const size_t packets = (pool->capacity() + assembler->dataPerPacket() - 1) / assembler->dataPerPacket();
    REQUIRE(r.lastPacketId <= packets + 1);
    if (!r.extended) REQUIRE(r.blockId <= 0xFFFF);
    if (requests.size() < kMaxRequests) requests.push_back(r);
  }

  // One datagram as the receive thread sees it; the body sits in its own exact allocation.
  void feed(const std::vector<uint8_t>& datagram, bool resent) {
    GvspHeader header;
    const size_t used = parseGvspHeader(datagram.data(), datagram.size(), header);
    if (!used) return;
    if (resent) {
      if (header.extended) header.flags |= kFlagResent;
      else header.status = kStatusPacketResend;
    }
    const size_t length = datagram.size() - used;
    std::unique_ptr<uint8_t[]> body(new uint8_t[std::max<size_t>(length, 1)]);
    if (length) std::memcpy(body.get(), datagram.data() + used, length);
    assembler->onPacket(header, body.get(), length, false, now += 1000);
  }

  void remember(std::vector<uint8_t> datagram) {
    if (history.size() == kMaxHistory) history.pop_front();
    history.push_back(std::move(datagram));
  }

  void inPlace(uint8_t which, const std::vector<uint8_t>& payload) {
    FrameAssembler::Prediction predictions[16];
    const size_t n = assembler->predict(predictions, 16);
    REQUIRE(n <= 16);
    if (n == 0) return;
    for (size_t i = 0; i < n; ++i) {
      const FrameAssembler::Prediction& p = predictions[i];
      int owner = -1;
      for (size_t b = 0; b < pool->count() && owner < 0; ++b) {
        const uint8_t* base = pool->data(static_cast<int>(b));
        if (p.region >= base && p.region + p.length <= base + pool->capacity()) owner = static_cast<int>(b);
      }
      REQUIRE(owner >= 0);             // inside one pool buffer
      REQUIRE(held.count(owner) == 0);  // and never in a frame the consumer still reads
    }
    const FrameAssembler::Prediction& p = predictions[which % n];
    const size_t length = std::min(payload.size(), p.length);
    if (length) std::memcpy(p.region, payload.data(), length);  // what recvmmsg's scatter does
    // The header travels on the wire in the format the socket expects, so it carries what that
    // format can: a prediction it cannot name is a mismatch, and the receiver copies the payload.
    GvspHeader header;
    header.extended = assembler->extendedIds();
    header.format = kFormatPayload;
    header.blockId = p.blockId;
    header.packetId = p.packetId;
    std::vector<uint8_t> datagram(kExtendedHeaderSize);
    datagram.resize(writeGvspHeader(datagram.data(), header));
    parseGvspHeader(datagram.data(), datagram.size(), header);
    if (header.blockId == p.blockId && header.packetId == p.packetId) {
      assembler->onPacket(header, p.region, length, true, now += 1000);
    } else {
      datagram.insert(datagram.end(), p.region, p.region + length);
      feed(datagram, false);
    }
  }

  void answerResends() {
    std::vector<PacketResendRequest> pending;
    pending.swap(requests);
    size_t answered = 0;
    for (const PacketResendRequest& r : pending) {
      for (size_t i = 0; i < history.size() && answered < 4 * kMaxHistory; ++i) {
        GvspHeader h;
        if (!parseGvspHeader(history[i].data(), history[i].size(), h)) continue;
        if (h.blockId != r.blockId || h.packetId < r.firstPacketId || h.packetId > r.lastPacketId) continue;
        const std::vector<uint8_t> copy = history[i];  // feeding may not touch history, but stay safe
        feed(copy, true);
        ++answered;
      }
    }
  }

  // A camera that streams correctly after whatever came before: leader, data, trailer at 50 fps,
  // the consumer releasing each frame. Garbage may cost frames (late ids, a restart), not the stream.
  void wellFormedStream(bool extended, uint64_t firstBlock) {
    constexpr uint64_t kFrames = 72;  // ids up to 63 behind the garbage count as late; then a restart
    const size_t d = assembler->dataPerPacket();
    const size_t bytes = std::min({pool->capacity(), 2 * d, size_t{512}});
    size_t completeInARow = 0;
    for (uint64_t k = 0; k < kFrames; ++k) {
      const uint64_t block = extended ? firstBlock + k : (firstBlock - 1 + k) % 0xFFFF + 1;
      const uint8_t fill = static_cast<uint8_t>(block * 37 + 1);
      std::vector<std::vector<uint8_t>> packets;
      auto packet = [&](uint8_t format, uint32_t id) -> std::vector<uint8_t>& {
        GvspHeader h;
        h.extended = extended;
        h.format = format;
        h.blockId = block;
        h.packetId = id;
        packets.emplace_back(kExtendedHeaderSize);
        packets.back().resize(writeGvspHeader(packets.back().data(), h));
        return packets.back();
      };
      Leader leader;
      leader.pixelFormat = 0x01080001;  // Mono8
      leader.width = static_cast<uint32_t>(bytes);
      leader.height = 1;
      std::vector<uint8_t>& l = packet(kFormatLeader, 0);
      l.resize(l.size() + kImageLeaderSize);
      writeLeader(l.data() + l.size() - kImageLeaderSize, leader);
      uint32_t id = 1;
      for (size_t at = 0; at < bytes; at += d, ++id) {
        std::vector<uint8_t>& p = packet(kFormatPayload, id);
        p.resize(p.size() + std::min(d, bytes - at), fill);
      }
      Trailer trailer;
      trailer.sizeY = 1;
      std::vector<uint8_t>& t = packet(kFormatTrailer, id);
      t.resize(t.size() + kImageTrailerSize);
      writeTrailer(t.data() + t.size() - kImageTrailerSize, trailer);

      now += 20000000;
      last = AssembledFrame();
      for (const auto& datagram : packets) feed(datagram, false);
      assembler->onTick(now += 1000);
      const bool ok = last.blockId == block && last.complete && last.payloadLength == bytes &&
                      std::all_of(last.data, last.data + bytes, [&](uint8_t b) { return b == fill; });
      completeInARow = ok ? completeInARow + 1 : 0;
      releaseHeld();
      if (completeInARow == 4) return;
    }
    REQUIRE(completeInARow >= 4);  // not reached: 72 well-formed frames never gave 4 complete in a row
  }

  void releaseHeld() {
    for (int b : held) pool->release(b);
    held.clear();
    REQUIRE(pool->available() <= pool->count());
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  const uint8_t flags = in.u8();
  AssemblerConfig config;
  config.extendedIds = flags & 1;
  config.resend.enabled = (flags & 2) != 0;
  config.deliverIncomplete = (flags & 4) != 0;
  config.maxFramesInFlight = 1u + ((flags >> 3) & 3u);
  config.frameTimeoutNs = 5000000;
  config.dataPerPacket = kPacketSizes[in.u8() % 8];
  const size_t buffers = 1u + (flags >> 5);
  const size_t capacity = size_t{in.u16()} + 1;
  const uint64_t firstWellFormedBlock = std::max<uint16_t>(in.u16(), 1);

  Session s(config, buffers, capacity);
  while (in.left) {
    switch (in.u8() % 8) {
      case 0: {
        std::vector<uint8_t> datagram = in.bytes(in.u16() & 0x3FFF);
        s.feed(datagram, false);
        s.remember(std::move(datagram));
        break;
      }
      case 1:
        s.now += uint64_t{in.u16()} * 4096;
        s.assembler->onTick(s.now);
        break;
      case 2: {
        const uint8_t which = in.u8();
        s.inPlace(which, in.bytes(in.u16() & 0x3FFF));
        break;
      }
      case 3: {
        const uint8_t which = in.u8();
        const bool resent = in.u8() & 1;
        if (!s.history.empty()) {
          const std::vector<uint8_t> copy = s.history[which % s.history.size()];
          s.feed(copy, resent);
        }
        break;
      }
      case 4:
        s.answerResends();
        break;
      case 5:
        s.releaseHeld();
        break;
      case 6:
        s.now += uint64_t{in.u8()} * 1000;
        break;
      default:
        s.assembler->discardAll();
        REQUIRE(!s.assembler->framesInFlight());
        break;
    }
  }
  s.releaseHeld();
  s.wellFormedStream(config.extendedIds, firstWellFormedBlock);
  // Closing returns every buffer: the pool is whole again, with none returned twice.
  s.assembler->discardAll();
  s.releaseHeld();
  REQUIRE(s.pool->available() == s.pool->count());
  return 0;
}
