// RTMP chunk stream encoder (see chunk_encoder.h for the header compression rules).
#include "rtmp/chunk_encoder.h"

#include <algorithm>
#include <string>

namespace rtmp {

namespace {
constexpr std::uint32_t kExtendedMarker = 0xFFFFFF;

std::size_t basic_header_len(std::uint32_t csid) { return csid < 64 ? 1 : csid < 320 ? 2 : 3; }

// Writes the chunks of one message after its first header, which the caller wrote.
// `ext` is the value of the extended timestamp field, repeated in each continuation.
void write_body(std::uint32_t csid, bool has_ext, std::uint32_t ext, util::ByteView payload,
                std::uint32_t chunk_size, util::Bytes& out) {
    if (has_ext) util::append_be32(out, ext);
    std::size_t pos = 0;
    while (true) {
        std::size_t n = std::min<std::size_t>(chunk_size, payload.size() - pos);
        out.insert(out.end(), payload.begin() + long(pos), payload.begin() + long(pos + n));
        pos += n;
        if (pos >= payload.size()) break;
        write_basic_header(3, csid, out);
        if (has_ext) util::append_be32(out, ext);
    }
}
util::Error<EncodeErrc> too_large(std::size_t size) {
    return {EncodeErrc::PayloadTooLarge,
            "payload of " + std::to_string(size) + " bytes exceeds the 24-bit RTMP length (16777215)"};
}
}  // namespace

void write_basic_header(unsigned fmt, std::uint32_t csid, util::Bytes& out) {
    const std::uint8_t f = std::uint8_t(fmt << 6);
    if (csid < 64) {
        out.push_back(std::uint8_t(f | csid));
    } else if (csid < 320) {
        out.push_back(f);
        out.push_back(std::uint8_t(csid - 64));
    } else {
        out.push_back(std::uint8_t(f | 1));
        out.push_back(std::uint8_t((csid - 64) & 0xFF));
        out.push_back(std::uint8_t((csid - 64) >> 8));
    }
}

std::size_t encoded_size_absolute(std::uint32_t csid, std::uint32_t timestamp,
                                  std::size_t payload_size, std::uint32_t chunk_size) {
    const std::size_t chunks = payload_size == 0 ? 1 : (payload_size + chunk_size - 1) / chunk_size;
    const std::size_t ext = timestamp >= kExtendedMarker ? 4 : 0;
    return basic_header_len(csid) + 11 + ext + payload_size +
           (chunks - 1) * (basic_header_len(csid) + ext);
}

EncodeResult encode_message_absolute(const MessageHeader& h, util::ByteView payload,
                                     std::uint32_t chunk_size, util::Bytes& out) {
    if (payload.size() > kMaxEncodablePayload) return too_large(payload.size());
    const std::size_t before = out.size();
    out.reserve(out.size() + encoded_size_absolute(h.csid, h.timestamp, payload.size(), chunk_size));
    const bool ext = h.timestamp >= kExtendedMarker;
    write_basic_header(0, h.csid, out);
    util::append_be24(out, ext ? kExtendedMarker : h.timestamp);
    util::append_be24(out, std::uint32_t(payload.size()));
    out.push_back(h.type);
    util::append_le32(out, h.stream_id);
    write_body(h.csid, ext, h.timestamp, payload, chunk_size, out);
    return out.size() - before;
}

EncodeResult ChunkEncoder::encode(const MessageHeader& h, util::ByteView payload, util::Bytes& out) {
    if (payload.size() > kMaxEncodablePayload) return too_large(payload.size());
    const std::size_t before = out.size();
    const std::uint32_t length = std::uint32_t(payload.size());
    auto it = last_.find(h.csid);
    unsigned fmt = 0;
    std::uint32_t delta = 0;
    if (it != last_.end() && it->second.header.stream_id == h.stream_id &&
        h.timestamp >= it->second.header.timestamp) {
        const Last& prev = it->second;
        delta = h.timestamp - prev.header.timestamp;
        const bool same_shape = prev.header.length == length && prev.header.type == h.type;
        if (same_shape && prev.delta_valid && prev.delta == delta) {
            fmt = 3;
        } else {
            fmt = same_shape ? 2 : 1;
        }
    }
    const std::uint32_t field = fmt == 0 ? h.timestamp : delta;
    const bool ext = field >= kExtendedMarker;
    write_basic_header(fmt, h.csid, out);
    if (fmt <= 2) util::append_be24(out, ext ? kExtendedMarker : field);
    if (fmt <= 1) {
        util::append_be24(out, length);
        out.push_back(h.type);
    }
    if (fmt == 0) util::append_le32(out, h.stream_id);
    write_body(h.csid, ext, field, payload, chunk_size_, out);

    Last& l = last_[h.csid];
    l.header = h;
    l.header.length = length;
    l.delta = delta;
    l.delta_valid = fmt != 0;
    return out.size() - before;
}

}  // namespace rtmp
