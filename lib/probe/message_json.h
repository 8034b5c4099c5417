// One JSON object per received RTMP message, for rtmp-probe --show-messages (the RTMP twin of
// ffprobe -show_packets): header fields, media flags, decoded AMF for commands and data.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "rtmp/message.h"

namespace probe {

// at_ms: arrival time relative to the session start.
nlohmann::ordered_json message_json(const rtmp::Message& m, std::uint64_t at_ms);

}  // namespace probe
