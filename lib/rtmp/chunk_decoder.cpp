// RTMP chunk stream decoder. The receive side is an explicit state machine: gather one chunk
// header (at most 18 bytes) into a small buffer, then copy that chunk's payload into the message
// of its chunk stream. Nothing is sized from a peer's number without a limit check first.
#include "rtmp/chunk_decoder.h"

#include <algorithm>

namespace rtmp {

namespace {
constexpr std::size_t kMessageHeaderLen[4] = {11, 7, 3, 0};
constexpr std::uint32_t kExtendedMarker = 0xFFFFFF;
}  // namespace

std::string_view chunk_errc_name(ChunkErrc c) {
    switch (c) {
        case ChunkErrc::BadChunkSize: return "bad chunk size";
        case ChunkErrc::MessageTooLarge: return "message too large";
        case ChunkErrc::TooManyChunkStreams: return "too many chunk streams";
        case ChunkErrc::BufferLimit: return "buffer limit exceeded";
        case ChunkErrc::NoPreviousHeader: return "no previous header";
        case ChunkErrc::BadControlMessage: return "bad control message";
        case ChunkErrc::Failed: return "decoder failed earlier";
    }
    return "unknown";
}

ChunkDecoder::Step ChunkDecoder::fail(ChunkErrc code, std::string message) {
    failed_ = true;
    error_ = ChunkError{code, std::move(message), true};
    return Step::Error;
}

util::Result<std::size_t, ChunkErrc> ChunkDecoder::feed(util::ByteView in,
                                                        const Handler& on_message) {
    if (failed_) return error_;
    std::size_t used = 0;
    while (used < in.size()) {
        if (current_ == nullptr) {
            std::size_t n = 0;
            Step s = parse_header(in.subspan(used), n);
            used += n;
            if (s == Step::Error) return error_;
            if (s == Step::NeedMore) break;
        }
        StreamState& st = *current_;
        std::size_t take = std::min<std::size_t>(chunk_left_, in.size() - used);
        if (take > 0) {
            if (buffered_ + take > limits_.max_buffered_bytes) {
                fail(ChunkErrc::BufferLimit, "partial messages exceed " +
                                                 std::to_string(limits_.max_buffered_bytes) +
                                                 " bytes");
                return error_;
            }
            st.payload.insert(st.payload.end(), in.begin() + used, in.begin() + used + take);
            st.received += std::uint32_t(take);
            chunk_left_ -= std::uint32_t(take);
            buffered_ += take;
            used += take;
        }
        if (chunk_left_ == 0) {
            current_ = nullptr;
            if (deliver_if_complete(st, on_message) == Step::Error) return error_;
        }
    }
    bytes_received_ += used;
    return used;
}

ChunkDecoder::Step ChunkDecoder::parse_header(util::ByteView in, std::size_t& used) {
    auto gather = [&](std::size_t want) {
        if (hdr_.size() < want) {
            std::size_t n = std::min(want - hdr_.size(), in.size() - used);
            hdr_.insert(hdr_.end(), in.begin() + used, in.begin() + used + n);
            used += n;
        }
        return hdr_.size() >= want;
    };
    if (!gather(1)) return Step::NeedMore;
    const unsigned fmt = hdr_[0] >> 6;
    const unsigned low = hdr_[0] & 0x3F;
    const std::size_t basic = low == 0 ? 2 : low == 1 ? 3 : 1;
    if (!gather(basic)) return Step::NeedMore;
    const std::uint32_t cs = low == 0   ? 64u + hdr_[1]
                             : low == 1 ? 64u + hdr_[1] + 256u * hdr_[2]
                                        : low;
    const std::size_t fixed = basic + kMessageHeaderLen[fmt];
    if (!gather(fixed)) return Step::NeedMore;

    auto it = streams_.find(cs);
    if (it == streams_.end() && fmt != 0) {
        return fail(ChunkErrc::NoPreviousHeader,
                    "chunk stream " + std::to_string(cs) + " starts with fmt " +
                        std::to_string(fmt));
    }
    const std::uint32_t ts_field = fmt <= 2 ? util::read_be24(hdr_.data() + basic) : 0;
    bool extended = fmt <= 2 ? ts_field == kExtendedMarker : (it->second.has_extended);
    // Type-3 chunks should repeat the extended timestamp, but some senders omit it: peek at the
    // next 4 bytes and take them only if they equal the value we expect. A chunk with fewer than
    // 4 payload bytes cannot be told apart, so there we follow the specification.
    bool peek_only = false;
    if (fmt == 3 && extended) {
        const StreamState& st = it->second;
        std::uint32_t remaining = st.in_message ? st.header.length - st.received : st.header.length;
        peek_only = std::min(chunk_size_, remaining) >= 4;
    }
    if (!gather(fixed + (extended ? 4 : 0))) return Step::NeedMore;
    const std::uint8_t* p = hdr_.data() + basic;  // only now: gather() may have reallocated
    std::uint32_t ext_value = extended ? util::read_be32(hdr_.data() + fixed) : 0;
    bool ext_is_payload = false;
    if (peek_only && ext_value != it->second.extended) ext_is_payload = true;

    if (it == streams_.end()) {
        if (streams_.size() >= limits_.max_chunk_streams) {
            return fail(ChunkErrc::TooManyChunkStreams,
                        "more than " + std::to_string(limits_.max_chunk_streams) +
                            " chunk streams");
        }
        it = streams_.emplace(cs, StreamState{}).first;
        it->second.header.csid = cs;
    }
    StreamState& st = it->second;
    const std::uint32_t ts_value = extended && fmt <= 2 ? ext_value : ts_field;
    if (fmt <= 2) {
        st.has_extended = extended;
        st.extended = ext_value;
    }
    if (fmt != 3 && st.in_message) {
        // A new header in the middle of a message: the sender gave up on that message.
        buffered_ -= st.received;
        st.payload = {};
        st.received = 0;
        st.in_message = false;
    }
    if (fmt <= 1) {
        st.header.length = util::read_be24(p + 3);
        st.header.type = p[6];
    }
    if (fmt == 0) st.header.stream_id = util::read_le32(p + 7);

    if (!st.in_message) {
        if (fmt == 0) {
            st.header.timestamp = ts_value;
            st.delta = 0;
        } else {
            if (fmt <= 2) st.delta = ts_value;
            st.header.timestamp += st.delta;  // modulo 2^32 by unsigned arithmetic
        }
        st.has_header = true;
        if (st.header.length > limits_.max_message_size) {
            return fail(ChunkErrc::MessageTooLarge,
                        "message of " + std::to_string(st.header.length) + " bytes, limit " +
                            std::to_string(limits_.max_message_size));
        }
        st.payload = {};
        st.received = 0;
        st.in_message = true;
    }
    chunk_left_ = std::min(chunk_size_, st.header.length - st.received);
    if (ext_is_payload) {
        // Those 4 bytes were the start of this chunk's payload (guaranteed >= 4 bytes above).
        if (buffered_ + 4 > limits_.max_buffered_bytes) {
            return fail(ChunkErrc::BufferLimit, "partial messages exceed buffer limit");
        }
        st.payload.insert(st.payload.end(), hdr_.begin() + long(fixed), hdr_.begin() + long(fixed) + 4);
        st.received += 4;
        chunk_left_ -= 4;
        buffered_ += 4;
    }
    hdr_.clear();
    current_ = &st;
    return Step::Done;
}

ChunkDecoder::Step ChunkDecoder::deliver_if_complete(StreamState& st, const Handler& on_message) {
    if (st.received != st.header.length) return Step::Done;
    Message m;
    m.csid = st.header.csid;
    m.timestamp = st.header.timestamp;
    m.type = st.header.type;
    m.stream_id = st.header.stream_id;
    m.payload = std::move(st.payload);
    buffered_ -= st.received;
    st.payload = {};
    st.received = 0;
    st.in_message = false;
    if (m.type == std::uint8_t(MessageType::SetChunkSize) ||
        m.type == std::uint8_t(MessageType::Abort)) {
        if (handle_control(m) == Step::Error) return Step::Error;
    }
    if (on_message) on_message(std::move(m));
    return Step::Done;
}

ChunkDecoder::Step ChunkDecoder::handle_control(const Message& m) {
    if (m.payload.size() < 4) {
        return fail(ChunkErrc::BadControlMessage,
                    std::string(message_type_name(m.type)) + " with " +
                        std::to_string(m.payload.size()) + " bytes");
    }
    const std::uint32_t value = util::read_be32(m.payload.data());
    if (m.type == std::uint8_t(MessageType::SetChunkSize)) {
        if (value == 0 || (value & 0x80000000u) || value > limits_.max_chunk_size) {
            return fail(ChunkErrc::BadChunkSize,
                        "peer set chunk size " + std::to_string(value) + " (allowed 1.." +
                            std::to_string(limits_.max_chunk_size) + ")");
        }
        chunk_size_ = value;
    } else {  // Abort: drop the partial message of that chunk stream
        auto it = streams_.find(value);
        if (it != streams_.end() && it->second.in_message) {
            buffered_ -= it->second.received;
            it->second.payload = {};
            it->second.received = 0;
            it->second.in_message = false;
        }
    }
    return Step::Done;
}

}  // namespace rtmp
