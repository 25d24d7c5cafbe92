// Argument parsing for the GvspSender binding (sender_binding.cc).
#pragma once
#include <napi.h>

#include <chrono>
#include <memory>

#include "gvsp_sender.h"

namespace gige {

// configure({...}): the new configuration, starting from `current`; throws a GigeError-shaped error.
SenderConfig parseSenderConfig(Napi::Object options, const SenderConfig& current);

// sendBlock({...}): the block's layout under `config`; `data` receives the payload Buffer.
std::shared_ptr<BlockLayout> parseBlockLayout(const Napi::CallbackInfo& info, const SenderConfig& config,
                                              Napi::Buffer<uint8_t>& data);

// sendBlock({notBefore}): CLOCK_MONOTONIC ns (process.hrtime.bigint()), at most a minute ahead;
// absent: at once.
std::chrono::steady_clock::time_point parseNotBefore(const Napi::CallbackInfo& info);

}  // namespace gige
