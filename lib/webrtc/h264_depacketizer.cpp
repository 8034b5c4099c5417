// RFC 6184 depacketizer. Incomplete access units are never emitted: a decoder fed one would
// show corruption until the next keyframe anyway, and RTMP players cope better with a gap.
#include "webrtc/h264_depacketizer.h"

namespace webrtc {

H264Depacketizer::H264Depacketizer(H264Limits limits) : limits_(limits) {}

H264Status H264Depacketizer::break_au(H264Status why) {
    broken_ = true;
    needs_keyframe_ = true;
    in_fu_ = false;
    fu_.clear();
    // Free what was gathered: nothing of a broken access unit is delivered.
    au_.nals.clear();
    au_bytes_ = 0;
    return why;
}

H264Status H264Depacketizer::add_nal(util::ByteView nal) {
    if (nal.empty() || (nal[0] & 0x80)) return break_au(H264Status::malformed);  // F bit
    if (nal.size() > limits_.max_nal_bytes) return break_au(H264Status::too_large);
    if (au_.nals.size() >= limits_.max_nals || nal.size() > limits_.max_au_bytes - au_bytes_)
        return break_au(H264Status::too_large);
    au_bytes_ += nal.size();
    au_.nals.emplace_back(nal.begin(), nal.end());
    if (nal_type(nal[0]) == kNalIdr) au_.keyframe = true;
    return H264Status::ok;
}

H264Status H264Depacketizer::push_stap_a(util::ByteView payload) {
    // Check the whole aggregate first, so a bad one adds nothing (RFC 6184 §5.7.1).
    std::size_t pos = 1;
    std::size_t count = 0;
    while (pos < payload.size()) {
        if (payload.size() - pos < 2) return break_au(H264Status::malformed);
        const std::size_t size = util::read_be16(payload.data() + pos);
        pos += 2;
        if (size == 0 || size > payload.size() - pos) return break_au(H264Status::malformed);
        pos += size;
        ++count;
    }
    if (count == 0) return break_au(H264Status::malformed);
    for (pos = 1; pos < payload.size();) {
        const std::size_t size = util::read_be16(payload.data() + pos);
        const H264Status s = add_nal(payload.subspan(pos + 2, size));
        if (s != H264Status::ok) return s;
        pos += 2 + size;
    }
    return H264Status::ok;
}

H264Status H264Depacketizer::push_fu_a(util::ByteView payload) {
    if (payload.size() < 2) return break_au(H264Status::malformed);
    const std::uint8_t indicator = payload[0];
    const std::uint8_t header = payload[1];
    const bool start = header & 0x80;
    const bool end = header & 0x40;
    const util::ByteView data = payload.subspan(2);
    if (start) {
        if (in_fu_) return break_au(H264Status::lost);  // the previous one never ended
        in_fu_ = true;
        fu_.clear();
        // The NAL header is rebuilt from the indicator's F/NRI bits and the FU type.
        fu_.push_back(std::uint8_t((indicator & 0xE0) | (header & 0x1F)));
    } else if (!in_fu_) {
        return break_au(H264Status::lost);  // a continuation whose start we never saw
    }
    if (data.size() > limits_.max_nal_bytes - (fu_.size() - 1))
        return break_au(H264Status::too_large);
    fu_.insert(fu_.end(), data.begin(), data.end());
    if (!end) return H264Status::ok;
    in_fu_ = false;
    const H264Status s = add_nal(fu_);
    fu_.clear();
    return s;
}

void H264Depacketizer::finish(std::vector<AccessUnit>& out) {
    if (in_fu_) break_au(H264Status::lost);  // the last fragment never came
    if (broken_)
        ++dropped_;
    else if (!au_.nals.empty()) {
        if (au_.keyframe) needs_keyframe_ = false;
        if (needs_keyframe_)
            ++dropped_;  // references something we lost
        else
            out.push_back(std::move(au_));
    }
    in_au_ = false;
    broken_ = false;
    au_ = AccessUnit{};
    au_bytes_ = 0;
}

H264Status H264Depacketizer::push(util::ByteView payload, std::uint32_t rtp_timestamp, bool marker,
                                  bool after_loss, std::vector<AccessUnit>& out) {
    // The lost packets were the current unit's tail or the next one's head (or whole units):
    // we cannot tell which, so both the open unit and the one this packet is in are dropped.
    if (after_loss && in_au_) break_au(H264Status::lost);
    if (in_au_ && rtp_timestamp != au_.rtp_timestamp) finish(out);  // marker was lost or absent
    if (!in_au_) {
        in_au_ = true;
        au_.rtp_timestamp = rtp_timestamp;
    }
    H264Status status = H264Status::ok;
    if (after_loss) status = break_au(H264Status::lost);
    if (!broken_) {
        if (payload.empty())
            status = break_au(H264Status::malformed);
        else {
            const std::uint8_t type = nal_type(payload[0]);
            if (in_fu_ && type != kNalFuA)
                status = break_au(H264Status::lost);
            else if (payload[0] & 0x80)
                status = break_au(H264Status::malformed);
            else if (type >= 1 && type <= 23)
                status = add_nal(payload);
            else if (type == kNalStapA)
                status = push_stap_a(payload);
            else if (type == kNalFuA)
                status = push_fu_a(payload);
            else if (type >= 25 && type <= 29)
                status = break_au(H264Status::unsupported);
            // Types 0, 30 and 31 are reserved: receivers ignore them (RFC 6184 §5.4).
        }
    } else if (status == H264Status::ok) {
        status = H264Status::lost;
    }
    if (marker) finish(out);
    return status;
}

}  // namespace webrtc
