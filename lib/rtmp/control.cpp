// Protocol control and user control message payloads.
#include "rtmp/control.h"

namespace rtmp {

namespace {
util::Bytes u32(std::uint32_t v) {
    util::Bytes b;
    util::append_be32(b, v);
    return b;
}
}  // namespace

util::Bytes set_chunk_size_payload(std::uint32_t size) { return u32(size & 0x7FFFFFFF); }
util::Bytes abort_payload(std::uint32_t csid) { return u32(csid); }
util::Bytes acknowledgement_payload(std::uint32_t seq) { return u32(seq); }
util::Bytes window_ack_size_payload(std::uint32_t size) { return u32(size); }

util::Bytes set_peer_bandwidth_payload(std::uint32_t size, PeerBandwidthLimit limit) {
    util::Bytes b = u32(size);
    b.push_back(std::uint8_t(limit));
    return b;
}

util::Bytes user_control_payload(UserControlEvent event, std::uint32_t value) {
    util::Bytes b;
    util::append_be16(b, std::uint16_t(event));
    util::append_be32(b, value);
    return b;
}

util::Bytes set_buffer_length_payload(std::uint32_t stream_id, std::uint32_t buffer_ms) {
    util::Bytes b = user_control_payload(UserControlEvent::SetBufferLength, stream_id);
    util::append_be32(b, buffer_ms);
    return b;
}

std::optional<UserControl> read_user_control(util::ByteView payload) {
    if (payload.size() < 6) return std::nullopt;
    UserControl uc{UserControlEvent(util::read_be16(payload.data())),
                   util::read_be32(payload.data() + 2), 0};
    if (uc.event == UserControlEvent::SetBufferLength) {
        if (payload.size() < 10) return std::nullopt;
        uc.extra = util::read_be32(payload.data() + 6);
    }
    return uc;
}

std::optional<std::uint32_t> read_u32_payload(util::ByteView payload) {
    if (payload.size() < 4) return std::nullopt;
    return util::read_be32(payload.data());
}

std::optional<std::uint32_t> AckCounter::on_received(std::uint64_t n) {
    total_ += n;
    if (window_ == 0) return std::nullopt;
    if (total_ - last_acked_ >= window_ / 2) {
        last_acked_ = total_;
        return std::uint32_t(total_);  // sequence numbers wrap modulo 2^32
    }
    return std::nullopt;
}

}  // namespace rtmp
