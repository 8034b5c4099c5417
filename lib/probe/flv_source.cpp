// Paced FLV tags for publishing; see flv_source.h.
#include "probe/flv_source.h"

#include <algorithm>

namespace probe {

util::Result<std::vector<media::FlvTag>, ProbeErrc> parse_flv_file(util::ByteView file) {
    std::vector<media::FlvTag> tags;
    media::FlvReader reader;
    auto r = reader.feed(file, [&](const media::FlvTag& t) {
        if (t.header.type == 8 || t.header.type == 9 || t.header.type == 18) tags.push_back(t);
    });
    if (!r) return ProbeError{ProbeErrc::Io, "not a usable FLV file: " + r.error().message};
    if (!reader.file_header()) return ProbeError{ProbeErrc::Io, "not an FLV file (too short)"};
    if (tags.empty()) return ProbeError{ProbeErrc::Io, "the FLV file has no tags"};
    return tags;
}

PacedSource::PacedSource(std::vector<media::FlvTag> tags, bool loop)
    : tags_(std::move(tags)), loop_(loop) {
    if (tags_.empty()) return;
    std::uint32_t lo = tags_.front().header.timestamp, hi = lo;
    std::uint32_t prev_video = 0, video_delta = 0;
    bool have_video = false;
    for (const auto& t : tags_) {
        lo = std::min(lo, t.header.timestamp);
        hi = std::max(hi, t.header.timestamp);
        if (t.header.type == 9) {
            if (have_video && t.header.timestamp > prev_video)
                video_delta = t.header.timestamp - prev_video;
            prev_video = t.header.timestamp;
            have_video = true;
        }
    }
    first_ts_ = lo;
    pass_length_ms_ = std::uint64_t(hi - lo) + (video_delta ? video_delta : 40);
}

std::uint64_t PacedSource::due_of(std::size_t i) const {
    return offset_ms_ + (tags_[i].header.timestamp - first_ts_);
}

std::uint64_t PacedSource::next_due_ms() const {
    if (tags_.empty()) return 0;
    if (index_ >= tags_.size()) return offset_ms_ + pass_length_ms_;
    return due_of(index_);
}

void PacedSource::emit_due(std::uint64_t elapsed_ms, const Handler& handler) {
    while (!tags_.empty()) {
        if (index_ >= tags_.size()) {
            // The next pass starts only when its first tag is due.
            if (!loop_ || offset_ms_ + pass_length_ms_ + (tags_[0].header.timestamp - first_ts_) >
                              elapsed_ms)
                return;
            index_ = 0;
            offset_ms_ += pass_length_ms_;
            ++loops_;
        }
        const media::FlvTag& t = tags_[index_];
        std::uint64_t due = due_of(index_);
        if (due > elapsed_ms) return;
        ++index_;
        if (t.header.type == 18 && loops_ > 0) continue;
        last_ts_ = std::uint32_t(due);
        ++sent_;
        bytes_ += t.payload.size();
        handler(t.header.type, std::uint32_t(due), t.payload);
    }
}

}  // namespace probe
