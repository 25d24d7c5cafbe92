// The native counters, listed once. Each X(name) is a std::atomic<uint64_t> in a stats struct
// (frame_assembler.h, stream_receiver.h, gvsp_sender.h) and a number of the same name in the
// binding's stats() (receiver_binding.cc, sender_binding.cc); lib/stream/native.ts types them
// (StreamStats, GvspSenderStats), and test/architecture/native-lists.test.ts checks that the
// JavaScript keys match these lists. Counters that stats() derives or adds up stay outside.
#pragma once

// Counted by the frame assembler (per frame and per packet).
#define GIGE_ASSEMBLER_COUNTERS(X) \
  X(framesComplete)                \
  X(framesIncomplete)              \
  X(framesDroppedIncomplete)       \
  X(framesDroppedPoolExhausted)    \
  X(packetsReceived)               \
  X(packetsInPlace)                \
  X(packetsDuplicate)              \
  X(packetsLate)                   \
  X(packetsMalformed)              \
  X(packetsIgnored)                \
  X(packetsResent)                 \
  X(packetsUnavailable)            \
  X(packetsMissing)                \
  X(resendRequests)                \
  X(resendPacketsRequested)        \
  X(resendLimitReached)            \
  X(payloadBytes)

// Counted by the receive thread around the assembler.
#define GIGE_RECEIVER_COUNTERS(X)                                                           \
  X(framesDroppedQueueFull)                                                                 \
  X(packetsDroppedBySocket) /* SO_RXQ_OVFL: the socket queue overflowed */                  \
  X(packetsRejected)        /* from an address or port other than the camera's stream channel */ \
  X(receiveCalls)                                                                           \
  X(receiveMessages)                                                                        \
  X(stagedBytes) /* payload that took the extra copy (mispredicted) */                      \
  X(receiveErrors)                                                                          \
  X(resendSendErrors)

// Counted by the emulator's GVSP sender (gvsp_sender.cc).
#define GIGE_SENDER_COUNTERS(X)                                                             \
  X(blocksSent)                                                                             \
  X(packetsSent)                                                                            \
  X(bytesSent) /* UDP payload bytes */                                                      \
  X(packetsDroppedByFaults)                                                                 \
  X(packetsDuplicatedByFaults)                                                              \
  X(packetsReorderedByFaults)                                                               \
  X(resendRequestsDropped) /* refused by enqueueResend: queue full or already queued */     \
  X(resendPacketsSent)                                                                      \
  X(resendUnavailablePackets)                                                               \
  X(testPackets)                                                                            \
  X(sendErrors)                                                                             \
  X(segmentationOffloadSends)                                                               \
  X(jobsDroppedByDestinationChange)                                                         \
  X(blocksHeld) /* sent at their notBefore, not at once */                                  \
  X(heldLatenessNsTotal) /* how late the thread took them, summed over blocksHeld */        \
  X(heldLatenessNsMax)

#define GIGE_DECLARE_COUNTER(name) std::atomic<uint64_t> name{0};
