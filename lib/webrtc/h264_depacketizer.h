// H.264 over RTP (RFC 6184, packetization modes 0 and 1): single NAL units, STAP-A and FU-A
// packets, in sequence order, become access units; a loss drops the access unit it hit and
// every later non-IDR one until a keyframe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "util/bytes.h"

namespace webrtc {

inline constexpr std::uint8_t kNalSlice = 1;
inline constexpr std::uint8_t kNalIdr = 5;
inline constexpr std::uint8_t kNalSei = 6;
inline constexpr std::uint8_t kNalSps = 7;
inline constexpr std::uint8_t kNalPps = 8;
inline constexpr std::uint8_t kNalAud = 9;
inline constexpr std::uint8_t kNalStapA = 24;
inline constexpr std::uint8_t kNalFuA = 28;

inline std::uint8_t nal_type(std::uint8_t header) { return header & 0x1F; }

struct AccessUnit {
    std::uint32_t rtp_timestamp = 0;
    std::vector<util::Bytes> nals;  // each with its 1-byte NAL header, no start code
    bool keyframe = false;          // holds an IDR slice
};

// Generous enough for a 4K keyframe (about 1 MB), finite against a hostile sender.
struct H264Limits {
    std::size_t max_nal_bytes = 4 << 20;
    std::size_t max_au_bytes = 8 << 20;
    std::size_t max_nals = 1024;
};

enum class H264Status {
    ok,
    lost,         // the access unit this packet belongs to was dropped (a gap, a broken FU-A)
    malformed,    // a packet breaks RFC 6184 (its access unit is dropped)
    unsupported,  // STAP-B, MTAP or FU-B: not in modes 0/1 (its access unit is dropped)
    too_large,    // past H264Limits (its access unit is dropped)
};

class H264Depacketizer {
  public:
    explicit H264Depacketizer(H264Limits limits = {});

    // One RTP packet's payload, in sequence order. `after_loss` says packets before it were
    // lost. Access units completed by this packet (marker, or a new timestamp) go to `out`.
    H264Status push(util::ByteView payload, std::uint32_t rtp_timestamp, bool marker,
                    bool after_loss, std::vector<AccessUnit>& out);

    // True until an intact keyframe has been delivered after the start or a loss: the
    // caller should send a PLI (and, rate-limited, again while it stays true).
    bool needs_keyframe() const { return needs_keyframe_; }
    // Bytes of the access unit being gathered (its NAL units and an open FU-A).
    std::size_t buffered_bytes() const { return au_bytes_ + fu_.size(); }
    // A new source (another SSRC): the access unit in progress is given up, and the next one
    // delivered is a keyframe.
    void restart() {
        if (in_au_) ++dropped_;
        break_au(H264Status::lost);
        in_au_ = false;
        broken_ = false;
        au_ = AccessUnit{};
    }

    std::uint64_t dropped_access_units() const { return dropped_; }

  private:
    H264Status add_nal(util::ByteView nal);
    H264Status push_fu_a(util::ByteView payload);
    H264Status push_stap_a(util::ByteView payload);
    H264Status break_au(H264Status why);
    void finish(std::vector<AccessUnit>& out);

    H264Limits limits_;
    bool in_au_ = false;
    bool broken_ = false;  // the current access unit is known incomplete
    AccessUnit au_;
    std::size_t au_bytes_ = 0;
    bool in_fu_ = false;
    util::Bytes fu_;
    bool needs_keyframe_ = true;  // a decoder cannot start without one either
    std::uint64_t dropped_ = 0;
};

}  // namespace webrtc
