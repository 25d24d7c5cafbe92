// Arguments of GvspSender.configure() and sendBlock(): checked, with messages that say what was
// wrong and what is allowed, and turned into the sender core's types.
#include "sender_options.h"

#include "napi_util.h"
#include "options.h"

namespace gige {

SenderConfig parseSenderConfig(Napi::Object o, const SenderConfig& current) {
  Napi::Env env = o.Env();
  constexpr const char* ctx = "GvspSender.configure";
  SenderConfig c = current;
  const std::string destination = readString(o, sender_option::destinationAddress, "", ctx, true);
  if (!parseIpv4(destination, c.destinationAddress)) {
    throwError(env, kErrInvalidArgument, std::string(ctx) + ": destinationAddress '" + destination + "' is not an IPv4 address");
  }
  c.destinationPort = static_cast<uint16_t>(readUnsigned(o, sender_option::destinationPort, 0, 0, 65535, ctx, true));
  c.packetSize = static_cast<uint32_t>(readUnsigned(o, sender_option::packetSize, 0, 64, 65535, ctx, true));
  c.extendedIds = readBool(o, sender_option::extendedIds, false, ctx);
  c.packetDelayNs = readUnsigned(o, sender_option::packetDelayNs, 0, 0, 1000000000, ctx);
  c.bandwidthBytesPerSecond = readUnsigned(o, sender_option::bandwidthBytesPerSecond, 0, 0, 100000000000ull, ctx);
  if (c.bandwidthBytesPerSecond != 0 && c.bandwidthBytesPerSecond < 100000) {
    throwError(env, kErrOutOfRange, std::string(ctx) + ": bandwidthBytesPerSecond = " +
                                        std::to_string(c.bandwidthBytesPerSecond) +
                                        " is out of range; allowed 0 (unlimited) or 100000 … 100000000000");
  }
  c.doNotFragment = readBool(o, sender_option::doNotFragment, false, ctx);
  c.segmentationOffload = readBool(o, sender_option::segmentationOffload, false, ctx);
  c.historyBlocks = static_cast<uint32_t>(readUnsigned(o, sender_option::historyBlocks, 4, 0, 64, ctx));
  const std::string mode = readString(o, sender_option::resendMode, "honour", ctx);
  if (mode == "honour") c.resendMode = ResendMode::Honour;
  else if (mode == "ignore") c.resendMode = ResendMode::Ignore;
  else if (mode == "unavailable") c.resendMode = ResendMode::Unavailable;
  else throwError(env, kErrInvalidArgument, std::string(ctx) + ": resendMode '" + mode + "' is unknown; allowed 'honour', 'ignore', 'unavailable'");
  c.faultsEnabled = false;
  c.faults = FaultConfig{};
  Napi::Value faults = o.Get(sender_option::faults);
  if (!faults.IsUndefined() && !faults.IsNull()) {
    if (!faults.IsObject()) throwError(env, kErrInvalidArgument, std::string(ctx) + ": faults must be an object");
    constexpr const char* fctx = "GvspSender.configure faults";
    Napi::Object f = faults.As<Napi::Object>();
    c.faults.seed = readUnsigned(f, fault_option::seed, 1, 0, UINT64_MAX, fctx);
    c.faults.lossRate = readNumber(f, fault_option::lossRate, 0, 0, 1, fctx);
    c.faults.burstLossRate = readNumber(f, fault_option::burstLossRate, 0, 0, 1, fctx);
    c.faults.burstLength = static_cast<uint32_t>(readUnsigned(f, fault_option::burstLength, 0, 0, 1000000, fctx));
    c.faults.reorderRate = readNumber(f, fault_option::reorderRate, 0, 0, 1, fctx);
    c.faults.duplicateRate = readNumber(f, fault_option::duplicateRate, 0, 0, 1, fctx);
    c.faultsEnabled = c.faults.any();
  }
  if (dataBytesPerPacket(c.packetSize, c.extendedIds) < 4) {
    throwError(env, kErrOutOfRange, std::string(ctx) + ": packetSize " + std::to_string(c.packetSize) +
                                        " leaves no room for data after the IP, UDP and GVSP headers");
  }
  return c;
}

std::shared_ptr<BlockLayout> parseBlockLayout(const Napi::CallbackInfo& info, const SenderConfig& config,
                                              Napi::Buffer<uint8_t>& data) {
  Napi::Env env = info.Env();
  constexpr const char* ctx = "GvspSender.sendBlock";
  Napi::Object o = requireObject(info, 0, ctx);
  auto layout = std::make_shared<BlockLayout>();
  layout->extended = config.extendedIds;
  layout->blockId = readUnsigned(o, "blockId", 0, 1, layout->extended ? UINT64_MAX : 0xFFFF, ctx, true);
  Leader& leader = layout->leader;
  leader.timestamp = readUnsigned(o, "timestamp", 0, 0, UINT64_MAX, ctx);
  const uint32_t chunkDataLength = static_cast<uint32_t>(readUnsigned(o, "chunkDataLength", 0, 0, 0xFFFFFFFFu, ctx));
  const uint16_t defaultType = chunkDataLength > 0 ? kPayloadImageWithChunks : kPayloadImage;
  leader.payloadType = static_cast<uint16_t>(readUnsigned(o, "payloadType", defaultType, 0, 0xFFFF, ctx));
  if (leader.payloadType != kPayloadImage && leader.payloadType != kPayloadImageWithChunks &&
      leader.payloadType != kPayloadChunkData && leader.payloadType != kPayloadExtendedChunk &&
      leader.payloadType != kPayloadRawData) {
    throwError(env, kErrOutOfRange, std::string(ctx) + ": payloadType " + std::to_string(leader.payloadType) +
                                        " is not supported; allowed 0x0001 image, 0x4001 image + chunks, 0x0002 raw, "
                                        "0x0004 chunk data, 0x0005 extended chunk");
  }
  leader.pixelFormat = static_cast<uint32_t>(readUnsigned(o, "pixelFormat", 0, 0, 0xFFFFFFFFu, ctx, isImageLike(leader.payloadType)));
  leader.width = static_cast<uint32_t>(readUnsigned(o, "width", 0, 0, 0xFFFFFFFFu, ctx, isImageLike(leader.payloadType)));
  leader.height = static_cast<uint32_t>(readUnsigned(o, "height", 0, 0, 0xFFFFFFFFu, ctx, isImageLike(leader.payloadType)));
  leader.offsetX = static_cast<uint32_t>(readUnsigned(o, "offsetX", 0, 0, 0xFFFFFFFFu, ctx));
  leader.offsetY = static_cast<uint32_t>(readUnsigned(o, "offsetY", 0, 0, 0xFFFFFFFFu, ctx));
  leader.paddingX = static_cast<uint16_t>(readUnsigned(o, "paddingX", 0, 0, 0xFFFF, ctx));
  leader.paddingY = static_cast<uint16_t>(readUnsigned(o, "paddingY", 0, 0, 0xFFFF, ctx));
  data = requireBuffer(env, o.Get("data"), "GvspSender.sendBlock: data");
  layout->data = data.Data();
  layout->size = data.Length();
  leader.rawPayloadSize = layout->size;
  layout->trailer.payloadType = leader.payloadType;
  layout->trailer.sizeY = leader.height;
  layout->trailer.chunkDataLength = leader.payloadType == kPayloadChunkData ? static_cast<uint32_t>(layout->size) : chunkDataLength;
  layout->trailer.chunkLayoutId = static_cast<uint32_t>(readUnsigned(o, "chunkLayoutId", 0, 0, 0xFFFFFFFFu, ctx));
  layout->dataPerPacket = dataBytesPerPacket(config.packetSize, layout->extended);
  const uint64_t packets = (layout->size + layout->dataPerPacket - 1) / layout->dataPerPacket;
  if (!layout->extended && packets + 1 > kMaxStandardPacketId) {
    throwError(env, kErrOutOfRange, std::string(ctx) + ": " + std::to_string(layout->size) + " bytes need " +
                                        std::to_string(packets) + " packets at packetSize " +
                                        std::to_string(config.packetSize) +
                                        "; standard IDs allow 16777214 (use a larger packetSize or extendedIds)");
  }
  layout->dataPackets = static_cast<uint32_t>(packets);
  return layout;
}

std::chrono::steady_clock::time_point parseNotBefore(const Napi::CallbackInfo& info) {
  constexpr const char* ctx = "GvspSender.sendBlock";
  // A block held longer would hold every block behind it: a mistake, not a schedule.
  constexpr uint64_t kMaxAheadNs = 60'000'000'000ull;
  Napi::Object o = requireObject(info, 0, ctx);
  const uint64_t ns = readUnsigned(o, "notBefore", 0, 0, UINT64_MAX, ctx);
  if (ns == 0) return {};
  const auto nowNs = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
  if (ns > nowNs && ns - nowNs > kMaxAheadNs) {
    throwError(info.Env(), kErrOutOfRange,
               std::string(ctx) + ": notBefore is " + std::to_string((ns - nowNs) / 1'000'000) +
                   " ms ahead; allowed at most 60000 ms ahead (process.hrtime.bigint() time)");
  }
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
}

}  // namespace gige
