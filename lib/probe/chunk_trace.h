// For --trace: reads the server's chunk stream a second time, only to describe every chunk
// header (fmt, chunk stream, timestamp or delta, length, type, message stream, extended
// timestamp). It assembles no payloads except Set Chunk Size's, which changes the framing.
// Sans-IO; it stops quietly at the first thing it cannot follow (the session reports errors).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "util/bytes.h"

namespace probe {

struct ChunkTrace {
    unsigned fmt = 0;
    std::uint32_t csid = 0;
    std::uint32_t timestamp_field = 0;  // the header's timestamp (fmt 0) or delta (fmt 1, 2)
    std::uint32_t timestamp = 0;        // the message's absolute timestamp
    bool extended = false;              // an extended timestamp field was read
    std::uint32_t length = 0;           // message length
    std::uint8_t type = 0;
    std::uint32_t stream_id = 0;
    std::uint32_t chunk_payload = 0;    // payload bytes in this chunk
    bool first_chunk = false;           // this chunk starts a message
};

std::string describe(const ChunkTrace& t);  // one line for a trace log

class ChunkTracer {
public:
    using Handler = std::function<void(const ChunkTrace&)>;
    void feed(util::ByteView in, const Handler& on_chunk);
    bool failed() const { return failed_; }
    std::uint32_t chunk_size() const { return chunk_size_; }

private:
    struct Stream {
        std::uint32_t timestamp = 0, delta = 0, length = 0, stream_id = 0, left = 0;
        std::uint8_t type = 0;
        bool extended = false, known = false;
        util::Bytes small;  // Set Chunk Size payload being assembled
    };
    bool parse_header(const Handler& on_chunk);  // from hdr_; false when more bytes are needed

    util::Bytes hdr_;
    std::map<std::uint32_t, Stream> streams_;
    Stream* current_ = nullptr;
    std::uint32_t chunk_left_ = 0;
    std::uint32_t chunk_size_ = 128;
    bool failed_ = false;
};

}  // namespace probe
