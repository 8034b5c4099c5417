// FLV container: file header, tag header, an incremental reader (bytes in, tags out, splits
// anywhere) and a writer that appends header and tags with correct PreviousTagSize fields.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "media/error.h"
#include "util/bytes.h"

namespace media {

inline constexpr std::size_t kFlvFileHeaderSize = 9;    // "FLV", version, flags, data offset
inline constexpr std::size_t kFlvTagHeaderSize = 11;    // type, size24, ts24, ts_ext, stream24
inline constexpr std::size_t kFlvPreviousTagSize = 4;   // follows the file header and every tag
inline constexpr std::uint32_t kFlvMaxDataSize = 0xFFFFFF;

enum class TagType : std::uint8_t { audio = 8, video = 9, script = 18 };

struct FlvFileHeader {
    std::uint8_t version = 1;
    bool has_audio = false;
    bool has_video = false;
    std::uint32_t data_offset = kFlvFileHeaderSize;
};

struct FlvTagHeader {
    std::uint8_t type = 0;         // 8 audio, 9 video, 18 script data (low 5 bits of byte 0)
    bool filtered = false;         // the encryption "Filter" bit
    std::uint32_t data_size = 0;   // payload bytes, 24 bits
    std::uint32_t timestamp = 0;   // milliseconds: 24 bits + the extended high byte
    std::uint32_t stream_id = 0;   // 24 bits, always 0 in files
};

struct FlvTag {
    FlvTagHeader header;
    util::Bytes payload;
};

// Parses the 9-byte file header (signature "FLV", version, audio/video flags, data offset).
Result<FlvFileHeader> parse_file_header(util::ByteView bytes);
// Parses an 11-byte tag header.
Result<FlvTagHeader> parse_tag_header(util::ByteView bytes);
// Writes an 11-byte tag header into out (timestamp split into 24 bits + extended byte).
void write_tag_header(std::uint8_t* out, const FlvTagHeader& header);

struct FlvReaderOptions {
    std::uint32_t max_tag_size = 8 * 1024 * 1024;  // larger tags fail with Code::too_large
    bool expect_file_header = true;     // false: the input starts with the first tag header
    bool check_previous_tag_size = true; // reject a PreviousTagSize that is not 11 + data size
};

// Incremental FLV parser: feed() any slices of the byte stream; each complete tag goes to the
// handler. After an error the reader stays failed and returns the same error.
class FlvReader {
public:
    using TagHandler = std::function<void(const FlvTag&)>;

    explicit FlvReader(FlvReaderOptions options = {});

    // Consumes all of `in` (or fails); returns the number of bytes consumed.
    Result<std::size_t> feed(util::ByteView in, const TagHandler& on_tag);

    // The file header, once it has been read (never set when expect_file_header is false).
    const std::optional<FlvFileHeader>& file_header() const { return file_header_; }
    // True when the input so far ends exactly after a tag (or after the file header), i.e.
    // a stream that stops here is complete.
    bool at_tag_boundary() const;
    std::uint64_t tags_read() const { return tags_read_; }

private:
    enum class State { file_header, header_skip, previous_size, tag_header, payload, failed };

    Result<std::size_t> fail(Code code, std::string message);
    bool fill_fixed(util::Reader& in, std::size_t want);

    FlvReaderOptions options_;
    State state_;
    std::array<std::uint8_t, kFlvTagHeaderSize> fixed_{};
    std::size_t fixed_len_ = 0;
    std::uint32_t skip_left_ = 0;
    std::uint32_t expected_previous_size_ = 0;
    bool first_previous_size_ = true;
    FlvTag tag_;
    std::optional<FlvFileHeader> file_header_;
    std::optional<Error> error_;
    std::uint64_t tags_read_ = 0;
};

// Appends FLV bytes to a buffer the caller owns.
class FlvWriter {
public:
    // The 9-byte file header followed by PreviousTagSize0 (four zero bytes).
    static void append_file_header(util::Bytes& out, bool has_audio, bool has_video);
    // A tag: header, payload, then its PreviousTagSize (11 + payload size). Fails with
    // Code::too_large when the payload does not fit the 24-bit size field.
    static Result<std::size_t> append_tag(util::Bytes& out, std::uint8_t type,
                                          std::uint32_t timestamp, util::ByteView payload,
                                          std::uint32_t stream_id = 0);
};

}  // namespace media
