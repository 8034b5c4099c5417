#include "media/description_json.h"

#include <cmath>

#include "util/text_escape.h"

namespace media {

nlohmann::ordered_json video_json(const VideoDescription& v, double frame_rate) {
    nlohmann::ordered_json j;
    j["codec"] = util::json_safe(v.codec);
    if (!v.profile.empty()) j["profile"] = util::json_safe(v.profile);
    if (v.level) j["level"] = v.level;
    if (v.width) {
        j["width"] = v.width;
        j["height"] = v.height;
    }
    const double fps = frame_rate > 0 ? frame_rate : v.frame_rate;
    if (fps > 0 && std::isfinite(fps)) j["frame_rate"] = std::round(fps * 1000) / 1000;
    return j;
}

nlohmann::ordered_json audio_json(const AudioDescription& a) {
    nlohmann::ordered_json j;
    j["codec"] = util::json_safe(a.codec);
    if (!a.profile.empty()) j["profile"] = util::json_safe(a.profile);
    if (a.sample_rate) j["sample_rate"] = a.sample_rate;
    if (a.channels) j["channels"] = a.channels;
    return j;
}

}  // namespace media
