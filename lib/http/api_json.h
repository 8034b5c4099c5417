// The API's JSON objects (docs/http-api.md, Objects) from what lib/server reports. Every string
// a peer sent goes through util::json_safe (valid UTF-8, capped).
#pragma once

#include <nlohmann/json.hpp>

#include "server/recorder.h"
#include "server/server.h"
#include "server/session_report.h"
#include "server/stream.h"

namespace http {

using json = nlohmann::ordered_json;

// "2026-12-02T00:30:00.123Z"
std::string iso_time(long long epoch_ms);

json params_json(const url::Params& params);
// A WebRTC publisher's counters; null for an RTMP session.
json webrtc_json(const std::optional<webrtc::WhipStats>& stats);
json session_json(const server::SessionReport& r);
// A recording in progress (docs/http-api.md, Recording).
json recording_json(const server::RecordingReport& r);
// A stream with its publisher and players; `players` are the reports of its players' sessions.
json stream_json(const server::Server& srv, const server::Stream& stream,
                 const std::vector<server::SessionReport>& players);

}  // namespace http
