// FLV files of a recording, cut at keyframes (see flv_segmenter.h).
#include "record/flv_segmenter.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "media/flv.h"
#include "rtmp/amf0.h"

namespace record {

namespace {

std::array<std::uint8_t, 8> be_double(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    std::array<std::uint8_t, 8> out{};
    for (int i = 0; i < 8; ++i) out[std::size_t(i)] = std::uint8_t(bits >> (56 - 8 * i));
    return out;
}

void put_key(util::Bytes& out, const std::string& key) {
    const std::size_t len = std::min<std::size_t>(key.size(), 0xFFFF);
    util::append_be16(out, std::uint32_t(len));
    out.insert(out.end(), key.begin(), key.begin() + std::ptrdiff_t(len));
}

// A number property whose 8 value bytes start at the returned offset of `out`.
std::size_t put_number_slot(util::Bytes& out, const std::string& key) {
    put_key(out, key);
    out.push_back(0x00);  // AMF0 number marker
    const std::size_t at = out.size();
    out.insert(out.end(), 8, 0);  // 0.0 until the file is finished
    return at;
}

// Timestamps within one file: from its first media on, never before it (what would be before
// it is left out or belongs to the previous file; a header is stamped no earlier than 0).
std::uint32_t relative(std::uint32_t ts, std::uint32_t base) {
    const std::uint32_t d = ts - base;
    return std::int32_t(d) < 0 ? 0 : d;
}

}  // namespace

std::vector<Patch> metadata_patches(const FileSummary& file) {
    return {Patch{file.slots.duration_offset, be_double(file.duration_ms() / 1000.0)},
            Patch{file.slots.filesize_offset, be_double(double(file.size))}};
}

MetadataTag file_metadata(util::ByteView published) {
    rtmp::amf::Properties kept;
    if (!published.empty()) {
        auto values = rtmp::amf::decode_all(published);
        if (values && values->size() >= 2 && (*values)[1].has_properties()) {
            // The publisher's own duration and filesize describe its source (ffmpeg sends 0):
            // this file gets its own.
            for (const auto& [key, value] : (*values)[1].properties())
                if (key != "duration" && key != "filesize") kept.emplace_back(key, value);
        }
    }
    MetadataTag tag;
    rtmp::amf::encode(rtmp::amf::Value::string("onMetaData"), tag.payload);
    tag.payload.push_back(0x08);  // ECMA array: count, then key/value pairs, then the end marker
    util::append_be32(tag.payload, std::uint32_t(kept.size() + 2));
    tag.duration_offset = put_number_slot(tag.payload, "duration");
    tag.filesize_offset = put_number_slot(tag.payload, "filesize");
    for (const auto& [key, value] : kept) {
        put_key(tag.payload, key);
        rtmp::amf::encode(value, tag.payload);
    }
    tag.payload.insert(tag.payload.end(), {0x00, 0x00, 0x09});
    return tag;
}

FlvSegmenter::Output FlvSegmenter::push(const Frame& frame) {
    Output out;
    switch (frame.kind) {
        case TagKind::Metadata:
            // Kept for the next file's head; a file carries one onMetaData, at its start, which
            // is where players read it.
            metadata_.assign(frame.payload.begin(), frame.payload.end());
            return out;
        case TagKind::VideoHeader:
            video_header_.assign(frame.payload.begin(), frame.payload.end());
            has_video_ = true;
            // While a split waits, a new header is for the next file, which starts with it.
            if (in_file_ && held_.empty()) write_tag(out.bytes, frame);
            break;
        case TagKind::AudioHeader:
            audio_header_.assign(frame.payload.begin(), frame.payload.end());
            has_audio_ = true;
            if (in_file_ && held_.empty()) write_tag(out.bytes, frame);
            break;
        case TagKind::Video:
            has_video_ = true;
            if (!in_file_) {
                if (!frame.keyframe) {
                    ++skipped_;
                    return out;
                }
                start_file(out, frame);
                break;
            }
            if (!held_.empty()) {
                // Audio has stalled (or the stream stopped sending it): split without it.
                const std::uint32_t waited = frame.timestamp - held_.front().frame.timestamp;
                if (waited >= kMaxHoldMs || held_.size() >= kMaxHeldFrames) {
                    split_now(out, frame);
                    break;
                }
                hold(frame);
                return out;
            }
            if (wait_keyframe_ && !frame.keyframe) {
                ++skipped_;
                return out;
            }
            if (frame.keyframe && past_limits(frame.timestamp)) {
                if (has_audio_) {
                    hold(frame);
                    return out;
                }
                out.finished = file_;
                start_file(out, frame);
                break;
            }
            if (frame.keyframe) wait_keyframe_ = false;
            write_tag(out.bytes, frame);
            break;
        case TagKind::Audio:
            has_audio_ = true;
            if (!in_file_) {
                // With video, a file starts at a keyframe: audio before it is left out.
                if (has_video_) {
                    ++skipped_;
                    return out;
                }
                start_file(out, frame);
                break;
            }
            if (!held_.empty()) {
                if (std::int32_t(frame.timestamp - held_.front().frame.timestamp) < 0) {
                    write_tag(out.bytes, frame);  // still the ending file's
                } else {
                    split_now(out, frame);
                }
                break;
            }
            if (std::int32_t(frame.timestamp - file_.first_timestamp) < 0) {
                ++skipped_;  // stamped before this file began: it would step back in time
                return out;
            }
            if (!has_video_ && past_limits(frame.timestamp)) {
                out.finished = file_;
                start_file(out, frame);
                break;
            }
            write_tag(out.bytes, frame);
            break;
    }
    if (in_file_) file_.size += out.bytes.size();
    return out;
}

void FlvSegmenter::hold(const Frame& frame) {
    Held h;
    h.frame = frame;
    h.frame.payload = {};
    h.payload.assign(frame.payload.begin(), frame.payload.end());
    held_.push_back(std::move(h));
}

void FlvSegmenter::split_now(Output& out, const Frame& trigger) {
    out.finished = file_;
    std::vector<Held> held;
    held.swap(held_);
    start_file(out, held.front().view());
    for (std::size_t i = 1; i < held.size(); ++i) write_tag(out.bytes, held[i].view());
    write_tag(out.bytes, trigger);
}

std::optional<FileSummary> FlvSegmenter::finish(util::Bytes& tail) {
    if (!in_file_) return std::nullopt;
    // A split that never came: what it held is the end of this file.
    for (const Held& h : held_) write_tag(tail, h.view());
    held_.clear();
    file_.size += tail.size();
    in_file_ = false;
    return file_;
}

bool FlvSegmenter::past_limits(std::uint32_t timestamp) const {
    if (limits_.max_duration_ms > 0 && relative(timestamp, file_.first_timestamp) >= limits_.max_duration_ms)
        return true;
    return limits_.max_bytes > 0 && file_.size >= limits_.max_bytes;
}

void FlvSegmenter::start_file(Output& out, const Frame& first) {
    // `out.bytes` may hold nothing yet: a file's bytes never follow another file's in one Output.
    out.started = true;
    in_file_ = true;
    file_ = FileSummary{};
    file_.first_timestamp = first.timestamp;
    file_.last_timestamp = first.timestamp;
    // A file begun with audio has no keyframe: video that shows up later waits for one.
    wait_keyframe_ = first.kind != TagKind::Video;
    const bool has_audio = !audio_header_.empty() || first.kind == TagKind::Audio;
    media::FlvWriter::append_file_header(out.bytes, has_audio, has_video_);
    const MetadataTag meta = file_metadata(metadata_);
    const std::size_t payload_at = out.bytes.size() + media::kFlvTagHeaderSize;
    media::FlvWriter::append_tag(out.bytes, std::uint8_t(media::TagType::script), 0, meta.payload);
    file_.slots.duration_offset = payload_at + meta.duration_offset;
    file_.slots.filesize_offset = payload_at + meta.filesize_offset;
    if (!video_header_.empty())
        media::FlvWriter::append_tag(out.bytes, std::uint8_t(media::TagType::video), 0, video_header_);
    if (!audio_header_.empty())
        media::FlvWriter::append_tag(out.bytes, std::uint8_t(media::TagType::audio), 0, audio_header_);
    write_tag(out.bytes, first);
}

void FlvSegmenter::write_tag(util::Bytes& out, const Frame& frame) {
    const std::uint32_t ts = relative(frame.timestamp, file_.first_timestamp);
    if (!media::FlvWriter::append_tag(out, frame.type, ts, frame.payload)) {
        ++skipped_;  // over 24 bits: RTMP cannot carry it either, but the check is cheap
        return;
    }
    if (frame.kind == TagKind::Audio || frame.kind == TagKind::Video) {
        if (std::int32_t(frame.timestamp - file_.last_timestamp) > 0)
            file_.last_timestamp = frame.timestamp;
    }
}

}  // namespace record
