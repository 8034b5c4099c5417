// Whether a publication is recorded: the `record` setting, the stream parameters, then a hook
// backend's answer. Pure code, so that the publishStream payload's `record` says what the server
// will do before the backend answers.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "server/config.h"
#include "url/rtmp_url.h"

namespace server {

// record: all → true; none → false; param → the stream parameter record is "true" (or "1",
// "yes").
bool recording_wanted(const Config& config, const url::Params& stream_params);

// A hook's overwritten fields (rest_overwrite: record) over `record`: a boolean "record"
// replaces it. One of another type leaves `record` as it was and sets `why` (for a log line):
// a backend's mistake must not end the publication, nor silently change what is recorded.
void apply_overwritten_record(const nlohmann::json& fields,
                              const std::vector<std::string>& wrong_type, bool& record,
                              std::string& why);

}  // namespace server
