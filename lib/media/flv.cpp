// FLV file/tag headers, incremental reader and writer (see flv.h).
#include "media/flv.h"

#include <algorithm>
#include <string>

namespace media {

namespace {
// A file header may announce a larger data offset (room for future fields); we skip the extra
// bytes but refuse absurd values rather than skip megabytes of a peer's input.
constexpr std::uint32_t kMaxDataOffset = 4096;
}  // namespace

Result<FlvFileHeader> parse_file_header(util::ByteView bytes) {
    if (bytes.size() < kFlvFileHeaderSize) return make_error(Code::truncated, "FLV header: short");
    if (bytes[0] != 'F' || bytes[1] != 'L' || bytes[2] != 'V')
        return make_error(Code::invalid, "FLV header: signature is not \"FLV\"");
    FlvFileHeader h;
    h.version = bytes[3];
    h.has_audio = (bytes[4] & 0x04) != 0;
    h.has_video = (bytes[4] & 0x01) != 0;
    h.data_offset = util::read_be32(bytes.data() + 5);
    if (h.data_offset < kFlvFileHeaderSize)
        return make_error(Code::invalid, "FLV header: data offset below 9");
    if (h.data_offset > kMaxDataOffset)
        return make_error(Code::too_large, "FLV header: data offset too large");
    return h;
}

Result<FlvTagHeader> parse_tag_header(util::ByteView bytes) {
    if (bytes.size() < kFlvTagHeaderSize) return make_error(Code::truncated, "FLV tag header: short");
    FlvTagHeader h;
    h.type = bytes[0] & 0x1F;
    h.filtered = (bytes[0] & 0x20) != 0;
    if ((bytes[0] & 0xC0) != 0) return make_error(Code::invalid, "FLV tag header: reserved bits set");
    h.data_size = util::read_be24(bytes.data() + 1);
    h.timestamp = util::read_be24(bytes.data() + 4) | (std::uint32_t(bytes[7]) << 24);
    h.stream_id = util::read_be24(bytes.data() + 8);
    return h;
}

void write_tag_header(std::uint8_t* out, const FlvTagHeader& h) {
    out[0] = std::uint8_t((h.type & 0x1F) | (h.filtered ? 0x20 : 0));
    util::put_be24(out + 1, h.data_size);
    util::put_be24(out + 4, h.timestamp & 0xFFFFFF);
    out[7] = std::uint8_t(h.timestamp >> 24);
    util::put_be24(out + 8, h.stream_id);
}

FlvReader::FlvReader(FlvReaderOptions options)
    : options_(options), state_(options.expect_file_header ? State::file_header : State::tag_header) {}

bool FlvReader::at_tag_boundary() const {
    if (state_ == State::tag_header) return fixed_len_ == 0;
    return false;
}

Result<std::size_t> FlvReader::fail(Code code, std::string message) {
    state_ = State::failed;
    error_ = make_error(code, std::move(message));
    return *error_;
}

// Collects a fixed-size field that may arrive split across feeds; true once complete.
bool FlvReader::fill_fixed(util::Reader& in, std::size_t want) {
    std::size_t take = std::min(want - fixed_len_, in.remaining());
    util::ByteView part;
    in.bytes(take, part);
    std::copy(part.begin(), part.end(), fixed_.begin() + fixed_len_);
    fixed_len_ += take;
    return fixed_len_ == want;
}

Result<std::size_t> FlvReader::feed(util::ByteView bytes, const TagHandler& on_tag) {
    if (state_ == State::failed) return *error_;
    util::Reader in(bytes);
    while (!in.empty()) {
        switch (state_) {
            case State::file_header: {
                if (!fill_fixed(in, kFlvFileHeaderSize)) break;
                auto h = parse_file_header(util::ByteView(fixed_.data(), kFlvFileHeaderSize));
                fixed_len_ = 0;
                if (!h) return fail(h.error().code, h.error().message);
                file_header_ = *h;
                skip_left_ = h->data_offset - std::uint32_t(kFlvFileHeaderSize);
                state_ = State::header_skip;
                break;
            }
            case State::header_skip: {
                std::uint32_t take = std::uint32_t(std::min<std::size_t>(skip_left_, in.remaining()));
                in.skip(take);
                skip_left_ -= take;
                if (skip_left_ == 0) state_ = State::previous_size;
                break;
            }
            case State::previous_size: {
                if (!fill_fixed(in, kFlvPreviousTagSize)) break;
                std::uint32_t size = util::read_be32(fixed_.data());
                fixed_len_ = 0;
                // PreviousTagSize0 must be 0; the others repeat 11 + the previous data size.
                std::uint32_t expected = first_previous_size_ ? 0 : expected_previous_size_;
                if (options_.check_previous_tag_size && size != expected)
                    return fail(Code::invalid, "FLV: PreviousTagSize " + std::to_string(size) +
                                                   ", expected " + std::to_string(expected));
                first_previous_size_ = false;
                state_ = State::tag_header;
                break;
            }
            case State::tag_header: {
                if (!fill_fixed(in, kFlvTagHeaderSize)) break;
                auto h = parse_tag_header(util::ByteView(fixed_.data(), kFlvTagHeaderSize));
                fixed_len_ = 0;
                if (!h) return fail(h.error().code, h.error().message);
                if (h->data_size > options_.max_tag_size)
                    return fail(Code::too_large,
                                "FLV: tag of " + std::to_string(h->data_size) + " bytes over the cap");
                tag_.header = *h;
                tag_.payload.clear();
                tag_.payload.reserve(h->data_size);
                state_ = State::payload;
                break;
            }
            case State::payload: {
                std::size_t want = tag_.header.data_size - tag_.payload.size();
                util::ByteView part;
                in.bytes(std::min(want, in.remaining()), part);
                tag_.payload.insert(tag_.payload.end(), part.begin(), part.end());
                break;
            }
            case State::failed: return *error_;
        }
        // A tag with an empty payload completes without consuming payload bytes.
        if (state_ == State::payload && tag_.payload.size() == tag_.header.data_size) {
            ++tags_read_;
            expected_previous_size_ = std::uint32_t(kFlvTagHeaderSize) + tag_.header.data_size;
            first_previous_size_ = false;
            state_ = State::previous_size;
            on_tag(tag_);
        }
    }
    return bytes.size();
}

void FlvWriter::append_file_header(util::Bytes& out, bool has_audio, bool has_video) {
    const std::uint8_t flags = std::uint8_t((has_audio ? 0x04 : 0) | (has_video ? 0x01 : 0));
    const std::uint8_t header[] = {'F', 'L', 'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0};
    out.insert(out.end(), std::begin(header), std::end(header));
}

Result<std::size_t> FlvWriter::append_tag(util::Bytes& out, std::uint8_t type,
                                          std::uint32_t timestamp, util::ByteView payload,
                                          std::uint32_t stream_id) {
    if (payload.size() > kFlvMaxDataSize)
        return make_error(Code::too_large, "FLV: payload does not fit 24 bits");
    FlvTagHeader h;
    h.type = type;
    h.data_size = std::uint32_t(payload.size());
    h.timestamp = timestamp;
    h.stream_id = stream_id;
    const std::size_t start = out.size();
    out.resize(start + kFlvTagHeaderSize);
    write_tag_header(out.data() + start, h);
    out.insert(out.end(), payload.begin(), payload.end());
    util::append_be32(out, std::uint32_t(kFlvTagHeaderSize + payload.size()));
    return out.size() - start;
}

}  // namespace media
