// Incremental RTMP chunk stream decoder: bytes in, whole messages out. Sans-IO.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "rtmp/message.h"
#include "util/result.h"

namespace rtmp {

enum class ChunkErrc {
    BadChunkSize,           // Set Chunk Size of 0, with the top bit set, or above the limit
    MessageTooLarge,        // declared message length above ChunkLimits::max_message_size
    TooManyChunkStreams,    // more chunk streams with state than ChunkLimits::max_chunk_streams
    BufferLimit,            // partial messages together above ChunkLimits::max_buffered_bytes
    NoPreviousHeader,       // fmt 1/2/3 on a chunk stream that never had a fmt 0
    BadControlMessage,      // a protocol control message with the wrong length
    Failed,                 // feed() after an earlier fatal error
};

std::string_view chunk_errc_name(ChunkErrc);

// Caps on what a peer can make the decoder hold. A violation is fatal to the session.
struct ChunkLimits {
    std::uint32_t max_message_size = 16 * 1024 * 1024;
    std::uint32_t max_chunk_size = 0x7FFFFFFF;
    std::size_t max_chunk_streams = 64;
    std::size_t max_buffered_bytes = 64 * 1024 * 1024;
};

using ChunkError = util::Error<ChunkErrc>;

class ChunkDecoder {
public:
    using Handler = std::function<void(Message&&)>;

    explicit ChunkDecoder(ChunkLimits limits = {}) : limits_(limits) {}

    // Consumes as many bytes as it can and calls `on_message` for each completed message, in
    // order. Set Chunk Size and Abort take effect at once (they are also delivered). Returns the
    // number of bytes consumed, which is all of `in` unless an error stops it.
    util::Result<std::size_t, ChunkErrc> feed(util::ByteView in, const Handler& on_message);

    std::uint32_t chunk_size() const { return chunk_size_; }
    std::uint64_t bytes_received() const { return bytes_received_; }
    std::size_t buffered_bytes() const { return buffered_; }

private:
    struct StreamState {
        MessageHeader header;          // last header seen on this chunk stream
        std::uint32_t delta = 0;       // last timestamp delta (0 after fmt 0)
        std::uint32_t extended = 0;    // value of the last extended timestamp field
        bool has_extended = false;     // whether the last fmt 0-2 header used one
        bool has_header = false;
        util::Bytes payload;           // message being assembled
        std::uint32_t received = 0;    // payload bytes of the current message so far
        bool in_message = false;
    };

    // Tries to parse one chunk header from hdr_ (plus `in` bytes appended as needed).
    // Returns false when more bytes are needed.
    enum class Step { NeedMore, Done, Error };
    Step parse_header(util::ByteView in, std::size_t& used);
    Step deliver_if_complete(StreamState& st, const Handler& on_message);
    Step handle_control(const Message& m);
    Step fail(ChunkErrc code, std::string message);

    ChunkLimits limits_;
    std::uint32_t chunk_size_ = 128;
    std::map<std::uint32_t, StreamState> streams_;
    StreamState* current_ = nullptr;    // chunk stream whose payload bytes are being read
    std::uint32_t chunk_left_ = 0;      // payload bytes left in the current chunk
    util::Bytes hdr_;                   // header bytes gathered across feed() calls (<= 18)
    std::size_t buffered_ = 0;
    std::uint64_t bytes_received_ = 0;
    bool failed_ = false;
    ChunkError error_{ChunkErrc::Failed, "", true};
};

}  // namespace rtmp
