// A recording cut into FLV files. Sans-IO: published messages in, the bytes of each file out,
// with "this file ended" / "a new file starts" marks; no file is opened here.
//
// Every file plays on its own: it starts with the FLV header, an onMetaData, the current
// sequence headers and then media from a video keyframe (or, for a stream without video, from
// any audio frame), and its timestamps start at 0 and never go back. onMetaData carries
// `duration` and `filesize` as AMF0 numbers at known offsets, written as 0 and patched when the
// file is finished.
//
// Encoders interleave audio a little behind or ahead of video. At a split, audio stamped before
// the keyframe that opens the next file still belongs to the previous one: the keyframe (and
// video after it) is held until audio reaches its timestamp (at most kMaxHoldMs of video), so
// the files, one after the other, hold every frame once and each file's timestamps are
// monotonic. Audio stamped before the first file's keyframe is left out, as a player would.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "util/bytes.h"

namespace record {

enum class TagKind : std::uint8_t { Metadata, AudioHeader, VideoHeader, Audio, Video };

// One published message, as the stream classified it.
struct Frame {
    TagKind kind = TagKind::Video;
    std::uint8_t type = 0;         // FLV tag type: 8 audio, 9 video, 18 script data
    std::uint32_t timestamp = 0;   // the stream's (monotonic) milliseconds
    bool keyframe = false;         // video: frame type 1
    util::ByteView payload;        // the FLV tag body (for 18: "onMetaData" and its array)
};

// When a file is closed and the next one started: at the first video keyframe (for a stream
// without video, the first audio frame) at or past either bound. 0: no bound.
struct SplitLimits {
    std::uint32_t max_duration_ms = 0;
    std::uint64_t max_bytes = 0;
};

// Where onMetaData's duration and filesize values (8-byte big-endian doubles) are in a file.
struct MetadataSlots {
    std::uint64_t duration_offset = 0;
    std::uint64_t filesize_offset = 0;
};

// A file as the segmenter wrote it.
struct FileSummary {
    std::uint64_t size = 0;            // bytes
    std::uint32_t first_timestamp = 0; // the stream's timestamp of its first media (its 0)
    std::uint32_t last_timestamp = 0;  // ... and of its latest media
    MetadataSlots slots;
    std::uint32_t duration_ms() const { return last_timestamp - first_timestamp; }
};

// Bytes to write at an offset of a finished file.
struct Patch {
    std::uint64_t offset = 0;
    std::array<std::uint8_t, 8> bytes{};
};

// The two patches that give onMetaData the file's real duration (seconds) and size (bytes).
std::vector<Patch> metadata_patches(const FileSummary& file);

// onMetaData for the head of a file: the publisher's properties (from `published`, the payload
// of its onMetaData data message; empty or unreadable: none) with its own duration and
// filesize left out, behind duration and filesize numbers at the offsets returned.
struct MetadataTag {
    util::Bytes payload;
    std::size_t duration_offset = 0;  // in payload
    std::size_t filesize_offset = 0;
};
MetadataTag file_metadata(util::ByteView published);

class FlvSegmenter {
public:
    explicit FlvSegmenter(SplitLimits limits) : limits_(limits) {}

    struct Output {
        std::optional<FileSummary> finished;  // the file that ended before this frame
        bool started = false;                 // `bytes` are the first bytes of a new file
        util::Bytes bytes;                    // for the current file; empty: nothing to write
    };
    Output push(const Frame& frame);

    // The end of the recording: `tail` gets the bytes still to append to the open file (video
    // held for a split that will not happen), then the file's summary, if a file is open.
    std::optional<FileSummary> finish(util::Bytes& tail);

    // A split waits at most this much video for audio to reach the new file's keyframe.
    static constexpr std::uint32_t kMaxHoldMs = 1000;
    static constexpr std::size_t kMaxHeldFrames = 512;

    bool in_file() const { return in_file_; }
    // The open file so far (size, first and last timestamp).
    const FileSummary& current() const { return file_; }
    // Frames not written: video before a keyframe, audio before the first file, tags too large.
    std::uint64_t skipped() const { return skipped_; }

private:
    struct Held {  // a frame of the next file, with its own copy of the payload
        Frame frame;
        util::Bytes payload;
        Frame view() const {
            Frame f = frame;
            f.payload = payload;
            return f;
        }
    };
    void hold(const Frame& frame);
    // Ends the open file and starts the next with the held frames, then `trigger`.
    void split_now(Output& out, const Frame& trigger);
    void start_file(Output& out, const Frame& first);
    void write_tag(util::Bytes& out, const Frame& frame);
    bool past_limits(std::uint32_t timestamp) const;

    SplitLimits limits_;
    util::Bytes metadata_, video_header_, audio_header_;  // the latest of each, for a new file
    bool has_video_ = false;       // the stream has shown video (a header or a frame)
    bool has_audio_ = false;       // ... and audio
    std::vector<Held> held_;       // a split waiting for audio: its keyframe, video after it
    bool in_file_ = false;
    bool wait_keyframe_ = false;   // in a file: video waits for a keyframe (began without it)
    FileSummary file_;
    std::uint64_t skipped_ = 0;
};

}  // namespace record
