// --publish: the tags of an FLV file, handed out paced by their timestamps (as ffmpeg -re
// does), optionally looped with timestamps that keep increasing. Time is passed in; sans-IO.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "media/flv.h"
#include "probe/errors.h"

namespace probe {

// Every tag of a whole FLV file (audio, video, script data); fails on a malformed file.
util::Result<std::vector<media::FlvTag>, ProbeErrc> parse_flv_file(util::ByteView file);

class PacedSource {
public:
    using Handler = std::function<void(std::uint8_t type, std::uint32_t timestamp,
                                       util::ByteView payload)>;

    PacedSource(std::vector<media::FlvTag> tags, bool loop);

    // Hands out every tag due by `elapsed_ms` (milliseconds since publishing began), with its
    // timestamp rebased to start at 0 and shifted by the loops done. Script data tags are sent
    // on the first pass only.
    void emit_due(std::uint64_t elapsed_ms, const Handler& handler);
    bool finished() const { return !loop_ && index_ >= tags_.size(); }
    // When the next tag is due (elapsed ms); meaningless once finished().
    std::uint64_t next_due_ms() const;

    std::uint64_t tags_sent() const { return sent_; }
    std::uint64_t bytes_sent() const { return bytes_; }
    std::uint64_t loops() const { return loops_; }
    std::uint32_t last_timestamp() const { return last_ts_; }

private:
    std::uint64_t due_of(std::size_t i) const;

    std::vector<media::FlvTag> tags_;
    bool loop_;
    std::size_t index_ = 0;
    std::uint32_t first_ts_ = 0;
    std::uint64_t pass_length_ms_ = 0;  // file duration plus one frame interval
    std::uint64_t offset_ms_ = 0;       // added by the loops done
    std::uint64_t sent_ = 0, bytes_ = 0, loops_ = 0;
    std::uint32_t last_ts_ = 0;
};

}  // namespace probe
