// What one WebRTC publisher's session counted: for its end-of-session log line and the HTTP API
// (a small header of its own, so that the session report does not pull in the whole session).
#pragma once

#include <cstdint>

namespace webrtc {

struct WhipStats {
    std::uint64_t datagrams_in = 0, bytes_in = 0, media_bytes = 0;
    std::uint64_t stun_requests = 0, stun_refused = 0, srtp_failures = 0, unknown_datagrams = 0;
    std::uint64_t video_packets = 0, audio_packets = 0, rtx_packets = 0;
    std::uint64_t nacks_sent = 0, plis_sent = 0, lost_packets = 0, dropped_frames = 0;
    std::uint64_t frames_out = 0;
    std::uint64_t ssrc_changes = 0;  // a source restarted with a new SSRC
    int kbps = 0, max_kbps = 0;  // media bitrate over the last second, and its peak
};

}  // namespace webrtc
