// The summary of a --clients run: sessions connected and failed (by reason), bytes and frames
// received, throughput, first-frame latency percentiles. Plain numbers in, JSON out; sans-IO.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace probe {

// The p-th percentile (0..100) by nearest rank of `values` (sorted in place); 0 when empty.
double percentile(std::vector<double>& values, double p);

struct LoadSummary {
    std::uint64_t clients = 0;
    std::uint64_t connected = 0;   // reached NetStream.Play.Start
    std::uint64_t receiving = 0;   // got at least one media message
    std::map<std::string, std::uint64_t> failures;  // reason name -> sessions
    std::uint64_t socket_bytes = 0;
    std::uint64_t media_bytes = 0;
    std::uint64_t video_frames = 0, audio_frames = 0;
    double duration_s = 0;
    std::vector<double> first_frame_ms;  // one per session that got a frame

    std::uint64_t failed() const;
    nlohmann::ordered_json to_json();  // sorts first_frame_ms
};

}  // namespace probe
