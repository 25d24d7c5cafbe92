// Argument parsing for the GvspSender binding (sender_binding.cc).
#pragma once
#include <napi.h>

#include <memory>

#include "gvsp_sender.h"

namespace gige {

// configure({...}): the new configuration, starting from `current`; throws a GigeError-shaped error.
SenderConfig parseSenderConfig(Napi::Object options, const SenderConfig& current);

// sendBlock({...}): the block's layout under `config`; `data` receives the payload Buffer.
std::shared_ptr<BlockLayout> parseBlockLayout(const Napi::CallbackInfo& info, const SenderConfig& config,
                                              Napi::Buffer<uint8_t>& data);

}  // namespace gige
