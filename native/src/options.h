// The option names JavaScript passes to the native objects, listed once. Each list expands into a
// namespace of name constants (below) that the readers use, so an option a reader spells is an
// option of its list; lib/stream/native.ts types them (StreamReceiverOptions, ResendOptions,
// GvspSenderConfig, GvspFaults), and test/architecture/native-lists.test.ts checks that the
// TypeScript keys match these lists.
#pragma once

// new StreamReceiver(options) (receiver_binding.cc)
#define GIGE_RECEIVER_OPTIONS(X) \
  X(bindAddress)                 \
  X(deviceAddress)               \
  X(multicastGroup)              \
  X(bindPort)                    \
  X(devicePort)                  \
  X(sourcePort)                  \
  X(packetSize)                  \
  X(maxPayloadSize)              \
  X(bufferCount)                 \
  X(memoryLimit)                 \
  X(queueLength)                 \
  X(socketBufferBytes)           \
  X(receiveOffload)              \
  X(batchPackets)                \
  X(receiveThreadNice)           \
  X(queuePolicy)                 \
  X(incompleteFrames)            \
  X(extendedIds)                 \
  X(streamChannel)               \
  X(maxFramesInFlight)           \
  X(frameTimeoutMs)              \
  X(resend)                      \
  X(onFrame)                     \
  X(onWarning)

// StreamReceiver options.resend when it is an object
#define GIGE_RESEND_OPTIONS(X) \
  X(enabled)                   \
  X(reorderGraceUs)            \
  X(retryIntervalUs)           \
  X(maxRequestsPerFrame)       \
  X(maxPacketRatio)            \
  X(ignoredAfterFrames)

// GvspSender.configure(config) (sender_options.cc)
#define GIGE_SENDER_CONFIG_OPTIONS(X) \
  X(destinationAddress)               \
  X(destinationPort)                  \
  X(packetSize)                       \
  X(extendedIds)                      \
  X(packetDelayNs)                    \
  X(bandwidthBytesPerSecond)          \
  X(doNotFragment)                    \
  X(segmentationOffload)              \
  X(historyBlocks)                    \
  X(resendMode)                       \
  X(faults)

// GvspSender config.faults
#define GIGE_FAULT_OPTIONS(X) \
  X(seed)                     \
  X(lossRate)                 \
  X(burstLossRate)            \
  X(burstLength)              \
  X(reorderRate)              \
  X(duplicateRate)

#define GIGE_OPTION_NAME(name) constexpr const char* name = #name;
namespace receiver_option { GIGE_RECEIVER_OPTIONS(GIGE_OPTION_NAME) }
namespace resend_option { GIGE_RESEND_OPTIONS(GIGE_OPTION_NAME) }
namespace sender_option { GIGE_SENDER_CONFIG_OPTIONS(GIGE_OPTION_NAME) }
namespace fault_option { GIGE_FAULT_OPTIONS(GIGE_OPTION_NAME) }
#undef GIGE_OPTION_NAME
