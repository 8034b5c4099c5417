// Load run summary; see load_stats.h.
#include "probe/load_stats.h"

#include <algorithm>
#include <cmath>

namespace probe {

double percentile(std::vector<double>& values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    double rank = std::ceil(p / 100.0 * double(values.size()));
    std::size_t i = rank < 1 ? 0 : std::size_t(rank) - 1;
    return values[std::min(i, values.size() - 1)];
}

std::uint64_t LoadSummary::failed() const {
    std::uint64_t n = 0;
    for (const auto& [reason, count] : failures) n += count;
    return n;
}

nlohmann::ordered_json LoadSummary::to_json() {
    nlohmann::ordered_json j;
    j["clients"] = clients;
    j["connected"] = connected;
    j["receiving"] = receiving;
    j["failed"] = failed();
    j["failures"] = failures;
    j["duration_s"] = std::round(duration_s * 1000) / 1000;
    j["socket_bytes"] = socket_bytes;
    j["media_bytes"] = media_bytes;
    j["video_frames"] = video_frames;
    j["audio_frames"] = audio_frames;
    double mbit = duration_s > 0 ? double(socket_bytes) * 8 / duration_s / 1e6 : 0;
    j["throughput_mbit_s"] = std::round(mbit * 10) / 10;
    j["first_frame_ms"] = {{"p50", percentile(first_frame_ms, 50)},
                           {"p90", percentile(first_frame_ms, 90)},
                           {"p99", percentile(first_frame_ms, 99)},
                           {"max", percentile(first_frame_ms, 100)}};
    return j;
}

}  // namespace probe
