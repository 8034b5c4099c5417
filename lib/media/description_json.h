// A stream's codecs as JSON, the one shape rtmp-probe's report and rtmp-serve's API share:
// codec, profile, level, width, height, frame_rate; codec, profile, sample_rate, channels.
#pragma once

#include <nlohmann/json.hpp>

#include "media/audio.h"
#include "media/video.h"

namespace media {

// `frame_rate` overrides the description's (e.g. onMetaData's when the SPS has no timing).
nlohmann::ordered_json video_json(const VideoDescription& v, double frame_rate = 0);
nlohmann::ordered_json audio_json(const AudioDescription& a);

}  // namespace media
