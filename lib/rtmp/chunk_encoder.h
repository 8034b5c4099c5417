// RTMP chunk stream encoder: messages in, chunk bytes appended to a caller-owned buffer. Sans-IO.
#pragma once

#include <cstdint>
#include <map>

#include "rtmp/message.h"
#include "util/result.h"

namespace rtmp {

// The largest payload the 24-bit message length field can carry (16 MiB - 1).
inline constexpr std::size_t kMaxEncodablePayload = 0xFFFFFF;

enum class EncodeErrc {
    PayloadTooLarge,  // more than kMaxEncodablePayload bytes: the length field cannot say it
};

// The number of bytes appended to `out`, or why nothing was.
using EncodeResult = util::Result<std::size_t, EncodeErrc>;

// Writes one whole message with a fmt 0 (absolute) first chunk and fmt 3 continuations,
// repeating the extended timestamp in every continuation. It depends on no earlier state, so the
// same bytes can be sent to any number of receivers: this is what fan-out shares.
// A payload over kMaxEncodablePayload is refused and nothing is written.
EncodeResult encode_message_absolute(const MessageHeader& header, util::ByteView payload,
                                     std::uint32_t chunk_size, util::Bytes& out);

// Bytes that encode_message_absolute() will append, for reserving buffers.
std::size_t encoded_size_absolute(std::uint32_t csid, std::uint32_t timestamp,
                                  std::size_t payload_size, std::uint32_t chunk_size);

// Per-connection encoder that compresses headers against the previous message on the same chunk
// stream (fmt 1, 2, 3). It never sends a negative delta (falls back to fmt 0) and uses fmt 3 for a
// new message only after a fmt 1/2 header with the same delta, the one case every receiver
// (ffmpeg, librtmp, nginx-rtmp) reads the same way.
class ChunkEncoder {
public:
    void set_chunk_size(std::uint32_t size) { chunk_size_ = size; }
    std::uint32_t chunk_size() const { return chunk_size_; }

    // A payload over kMaxEncodablePayload is refused; nothing is written and no state changes.
    EncodeResult encode(const MessageHeader& header, util::ByteView payload, util::Bytes& out);

    // Forget the state of a chunk stream, e.g. after absolute messages were sent on it.
    void reset(std::uint32_t csid) { last_.erase(csid); }

private:
    struct Last {
        MessageHeader header;
        std::uint32_t delta = 0;
        bool delta_valid = false;  // the last header was fmt 1 or 2 (or 3 following those)
    };
    std::uint32_t chunk_size_ = 128;
    std::map<std::uint32_t, Last> last_;
};

// Writes a basic header (1, 2 or 3 bytes) for fmt and chunk stream id (2..65599).
void write_basic_header(unsigned fmt, std::uint32_t csid, util::Bytes& out);

}  // namespace rtmp
