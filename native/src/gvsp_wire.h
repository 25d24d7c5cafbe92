// GVSP (GigE Vision Streaming Protocol) packet layouts: headers, leaders, trailers and the
// PACKETRESEND command, as in the protocol reference §4. Pure functions over byte ranges; every
// parser takes the available length and refuses short input, because these bytes come off the wire.
#pragma once
#include <cstddef>
#include <cstdint>

#include "byte_order.h"

namespace gige {

// IP (20, no options) + UDP (8): SCPS counts the whole IP datagram.
constexpr size_t kIpUdpOverhead = 28;
constexpr size_t kStandardHeaderSize = 8;
constexpr size_t kExtendedHeaderSize = 20;
constexpr uint32_t kMaxStandardPacketId = 0xFFFFFF;

enum PacketFormat : uint8_t {
  kFormatLeader = 1,
  kFormatTrailer = 2,
  kFormatPayload = 3,
  kFormatAllIn = 4,
};

enum PayloadType : uint16_t {
  kPayloadImage = 0x0001,
  kPayloadRawData = 0x0002,
  kPayloadChunkData = 0x0004,
  kPayloadExtendedChunk = 0x0005,
  kPayloadChunkFlag = 0x4000,
  kPayloadImageWithChunks = 0x4001,
};

enum GvspStatus : uint16_t {
  kStatusSuccess = 0x0000,
  kStatusPacketResend = 0x0100,
  kStatusPacketUnavailable = 0x800C,
  kStatusPacketNotYetAvailable = 0x8010,
  kStatusPacketAndPrevRemoved = 0x8011,
  kStatusPacketRemoved = 0x8012,
};

// Extended-ID header flags (offset 2).
constexpr uint16_t kFlagResent = 0x0001;
constexpr uint16_t kFlagPreviousBlockDropped = 0x0002;
constexpr uint16_t kFlagResendRangeError = 0x0004;

constexpr size_t kImageLeaderSize = 36;
constexpr size_t kChunkLeaderSize = 12;
constexpr size_t kRawLeaderSize = 20;
constexpr size_t kImageTrailerSize = 8;
constexpr size_t kImageChunkTrailerSize = 16;
constexpr size_t kChunkTrailerSize = 8;

struct GvspHeader {
  uint16_t status = 0;
  uint16_t flags = 0;  // extended IDs only
  bool extended = false;
  uint8_t format = 0;
  uint64_t blockId = 0;
  uint32_t packetId = 0;
};

inline size_t headerSize(bool extended) { return extended ? kExtendedHeaderSize : kStandardHeaderSize; }

// Payload bytes per data packet for an SCPS value (D = SCPS − 36 or − 48); 0 when SCPS is too small.
inline size_t dataBytesPerPacket(uint32_t packetSize, bool extended) {
  const size_t overhead = kIpUdpOverhead + headerSize(extended);
  return packetSize > overhead ? packetSize - overhead : 0;
}

// Returns the header length consumed (8 or 20), or 0 when `len` is too short for the header the
// EI bit announces.
inline size_t parseGvspHeader(const uint8_t* p, size_t len, GvspHeader& out) {
  if (len < kStandardHeaderSize) return 0;
  out.status = loadBe16(p);
  out.extended = (p[4] & 0x80) != 0;
  out.format = static_cast<uint8_t>(p[4] & 0x7F);
  if (!out.extended) {
    out.flags = 0;
    out.blockId = loadBe16(p + 2);
    out.packetId = loadBe24(p + 5);
    return kStandardHeaderSize;
  }
  if (len < kExtendedHeaderSize) return 0;
  out.flags = loadBe16(p + 2);
  out.blockId = loadBe64(p + 8);
  out.packetId = loadBe32(p + 16);
  return kExtendedHeaderSize;
}

// Writes 8 or 20 bytes; the caller guarantees the room.
inline size_t writeGvspHeader(uint8_t* p, const GvspHeader& h) {
  storeBe16(p, h.status);
  if (!h.extended) {
    storeBe16(p + 2, static_cast<uint16_t>(h.blockId));
    p[4] = static_cast<uint8_t>(h.format & 0x0F);
    storeBe24(p + 5, h.packetId & kMaxStandardPacketId);
    return kStandardHeaderSize;
  }
  storeBe16(p + 2, h.flags);
  p[4] = static_cast<uint8_t>(0x80 | (h.format & 0x0F));
  p[5] = p[6] = p[7] = 0;
  storeBe64(p + 8, h.blockId);
  storeBe32(p + 16, h.packetId);
  return kExtendedHeaderSize;
}

// Leader fields; the image fields are meaningful for image-like payload types only.
struct Leader {
  uint8_t fieldInfo = 0;
  uint16_t payloadType = kPayloadImage;
  uint64_t timestamp = 0;
  uint32_t pixelFormat = 0;
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t offsetX = 0;
  uint32_t offsetY = 0;
  uint16_t paddingX = 0;
  uint16_t paddingY = 0;
  uint64_t rawPayloadSize = 0;  // raw-data leader only
};

inline bool isImageLike(uint16_t payloadType) {
  const uint16_t base = payloadType & 0x3FFF;
  return base == kPayloadImage || base == kPayloadExtendedChunk;
}

inline size_t leaderSize(uint16_t payloadType) {
  if (isImageLike(payloadType)) return kImageLeaderSize;
  if ((payloadType & 0x3FFF) == kPayloadRawData) return kRawLeaderSize;
  return kChunkLeaderSize;
}

inline size_t writeLeader(uint8_t* p, const Leader& l) {
  p[0] = l.fieldInfo;
  p[1] = 0;
  storeBe16(p + 2, l.payloadType);
  storeBe64(p + 4, l.timestamp);
  if (isImageLike(l.payloadType)) {
    storeBe32(p + 12, l.pixelFormat);
    storeBe32(p + 16, l.width);
    storeBe32(p + 20, l.height);
    storeBe32(p + 24, l.offsetX);
    storeBe32(p + 28, l.offsetY);
    storeBe16(p + 32, l.paddingX);
    storeBe16(p + 34, l.paddingY);
    return kImageLeaderSize;
  }
  if ((l.payloadType & 0x3FFF) == kPayloadRawData) {
    storeBe64(p + 12, l.rawPayloadSize);
    return kRawLeaderSize;
  }
  return kChunkLeaderSize;
}

// Parses the leader that follows the GVSP header; false when too short for its payload type.
inline bool parseLeader(const uint8_t* p, size_t len, Leader& out) {
  if (len < kChunkLeaderSize) return false;
  out.fieldInfo = p[0];
  out.payloadType = loadBe16(p + 2);
  out.timestamp = loadBe64(p + 4);
  if (isImageLike(out.payloadType)) {
    if (len < kImageLeaderSize) return false;
    out.pixelFormat = loadBe32(p + 12);
    out.width = loadBe32(p + 16);
    out.height = loadBe32(p + 20);
    out.offsetX = loadBe32(p + 24);
    out.offsetY = loadBe32(p + 28);
    out.paddingX = loadBe16(p + 32);
    out.paddingY = loadBe16(p + 34);
  } else if ((out.payloadType & 0x3FFF) == kPayloadRawData) {
    if (len < kRawLeaderSize) return false;
    out.rawPayloadSize = loadBe64(p + 12);
  }
  return true;
}

struct Trailer {
  uint16_t payloadType = kPayloadImage;
  uint32_t sizeY = 0;
  bool hasChunkInfo = false;
  uint32_t chunkDataLength = 0;
  uint32_t chunkLayoutId = 0;
};

inline size_t trailerSize(uint16_t payloadType) {
  if (payloadType == kPayloadImageWithChunks) return kImageChunkTrailerSize;
  if (isImageLike(payloadType)) return kImageTrailerSize;
  if ((payloadType & 0x3FFF) == kPayloadChunkData) return kChunkTrailerSize;
  return 4;
}

inline size_t writeTrailer(uint8_t* p, const Trailer& t) {
  p[0] = p[1] = 0;
  storeBe16(p + 2, t.payloadType);
  if (t.payloadType == kPayloadImageWithChunks) {
    storeBe32(p + 4, t.sizeY);
    storeBe32(p + 8, t.chunkDataLength);
    storeBe32(p + 12, t.chunkLayoutId);
    return kImageChunkTrailerSize;
  }
  if (isImageLike(t.payloadType)) {
    storeBe32(p + 4, t.sizeY);
    return kImageTrailerSize;
  }
  if ((t.payloadType & 0x3FFF) == kPayloadChunkData) {
    storeBe32(p + 4, t.chunkDataLength);
    return kChunkTrailerSize;
  }
  return 4;
}

inline bool parseTrailer(const uint8_t* p, size_t len, Trailer& out) {
  if (len < 4) return false;
  out.payloadType = loadBe16(p + 2);
  out.hasChunkInfo = false;
  if (isImageLike(out.payloadType) && len >= 8) out.sizeY = loadBe32(p + 4);
  if ((out.payloadType & kPayloadChunkFlag) && isImageLike(out.payloadType) && len >= 16) {
    out.chunkDataLength = loadBe32(p + 8);
    out.chunkLayoutId = loadBe32(p + 12);
    out.hasChunkInfo = true;
  } else if ((out.payloadType & 0x3FFF) == kPayloadChunkData && len >= 8) {
    out.chunkDataLength = loadBe32(p + 4);
    out.hasChunkInfo = true;
  }
  return true;
}

// GVCP PACKETRESEND_CMD (0x0040), sent by the receiver to the device's GVCP port.
constexpr uint16_t kGvcpPacketResendCommand = 0x0040;
constexpr uint8_t kGvcpKey = 0x42;
constexpr uint8_t kGvcpFlagExtendedIds = 0x10;
constexpr size_t kPacketResendStandardSize = 8 + 12;
constexpr size_t kPacketResendExtendedSize = 8 + 20;

struct PacketResendRequest {
  bool extended = false;
  uint16_t streamChannel = 0;
  uint64_t blockId = 0;
  uint32_t firstPacketId = 0;
  uint32_t lastPacketId = 0;
};

inline size_t writePacketResend(uint8_t* p, const PacketResendRequest& r, uint16_t requestId) {
  p[0] = kGvcpKey;
  p[1] = r.extended ? kGvcpFlagExtendedIds : 0;  // no acknowledge: devices do not answer resends
  storeBe16(p + 2, kGvcpPacketResendCommand);
  storeBe16(p + 4, static_cast<uint16_t>(r.extended ? 20 : 12));
  storeBe16(p + 6, requestId);
  storeBe16(p + 8, r.streamChannel);
  if (!r.extended) {
    storeBe16(p + 10, static_cast<uint16_t>(r.blockId));
    storeBe32(p + 12, r.firstPacketId & kMaxStandardPacketId);
    storeBe32(p + 16, r.lastPacketId & kMaxStandardPacketId);
    return kPacketResendStandardSize;
  }
  storeBe16(p + 10, 0);
  storeBe32(p + 12, r.firstPacketId);
  storeBe32(p + 16, r.lastPacketId);
  storeBe64(p + 20, r.blockId);
  return kPacketResendExtendedSize;
}

inline bool parsePacketResend(const uint8_t* p, size_t len, PacketResendRequest& out) {
  if (len < kPacketResendStandardSize || p[0] != kGvcpKey || loadBe16(p + 2) != kGvcpPacketResendCommand) {
    return false;
  }
  out.extended = (p[1] & kGvcpFlagExtendedIds) != 0;
  out.streamChannel = loadBe16(p + 8);
  if (!out.extended) {
    out.blockId = loadBe16(p + 10);
    out.firstPacketId = loadBe32(p + 12) & kMaxStandardPacketId;
    out.lastPacketId = loadBe32(p + 16) & kMaxStandardPacketId;
    return true;
  }
  if (len < kPacketResendExtendedSize) return false;
  out.firstPacketId = loadBe32(p + 12);
  out.lastPacketId = loadBe32(p + 16);
  out.blockId = loadBe64(p + 20);
  return true;
}

}  // namespace gige
