// AMF values as JSON, for rtmp-probe --show-messages and log lines. Kept apart from the
// sans-IO core so only the code that prints depends on nlohmann-json.
#pragma once

#include <nlohmann/json.hpp>

#include "rtmp/amf_value.h"

namespace rtmp::amf {

// Key order follows the wire (ordered_json). Number → number (NaN/Infinity → null),
// Null and Undefined → null, Object and ECMA array → object, strict array → array,
// Date → {"$date": ms since the epoch, "$tz": minutes} (only the tz when it is not 0).
nlohmann::ordered_json to_json(const Value& value);

}  // namespace rtmp::amf
