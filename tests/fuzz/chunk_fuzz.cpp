// Fuzzes the chunk decoder with small limits, feeding the input in splits chosen by its first
// byte, and re-encodes every decoded message to check the encoder on arbitrary headers.
#include <cstddef>
#include <cstdint>

#include "rtmp/chunk_decoder.h"
#include "rtmp/chunk_encoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::size_t step = 1 + data[0] % 64;
    rtmp::ChunkLimits limits;
    limits.max_message_size = 1 << 20;
    limits.max_chunk_streams = 16;
    limits.max_buffered_bytes = 1 << 21;
    rtmp::ChunkDecoder decoder(limits);
    rtmp::ChunkEncoder encoder;
    util::Bytes out;
    auto on_message = [&](rtmp::Message&& m) {
        rtmp::MessageHeader h{m.csid, m.timestamp, 0, m.type, m.stream_id};
        out.clear();
        encoder.encode(h, m.payload, out);
        rtmp::encode_message_absolute(h, m.payload, 128, out);
    };
    util::ByteView in(data + 1, size - 1);
    for (std::size_t pos = 0; pos < in.size(); pos += step) {
        auto r = decoder.feed(in.subspan(pos, std::min(step, in.size() - pos)), on_message);
        if (!r) break;
    }
    return 0;
}
