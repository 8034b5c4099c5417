// Makes a stream's timestamps monotonic for players, whatever its publishers send.
//
// The rule (also in rtmp-serve(1)): timestamps are unwrapped modulo 2^32 and shifted by one
// offset per stream. The offset changes only at a discontinuity: a new publisher of the stream,
// a step back of more than 1 s, or a step forward of more than 60 s; then the next message is
// placed 1 ms after the latest timestamp sent. Within a track (audio, video, data) timestamps
// never decrease: a smaller one is raised to the track's last. Small differences between audio
// and video (interleaving) are kept as they are. Sans-IO: no clock.
#pragma once

#include <cstdint>

namespace server {

class TimestampNormalizer {
public:
    enum class Track { Audio = 0, Video = 1, Data = 2 };

    // Call when a new publisher takes over the stream: its first timestamp is rebased.
    void new_source() { rebase_next_ = true; }

    std::uint32_t normalize(std::uint32_t in, Track track);

    // Times the offset changed (a new publisher, a jump back or far forward).
    std::uint64_t discontinuities() const { return discontinuities_; }

    static constexpr std::int64_t kBackTolerance = 1000;
    static constexpr std::int64_t kForwardJump = 60000;

private:
    bool started_ = false;
    std::uint64_t discontinuities_ = 0;
    bool rebase_next_ = false;
    std::uint32_t last_in_ = 0;
    std::int64_t last_in64_ = 0;
    std::int64_t offset_ = 0;
    std::int64_t max_out_ = 0;
    std::int64_t track_last_[3] = {0, 0, 0};
};

}  // namespace server
