// Access units to FLV video tag payloads (AVC, ISO 14496-15 4-byte lengths) for RTMP: an AVC
// sequence header whenever SPS/PPS first appear or change, then one payload per access unit.
#pragma once

#include <cstdint>
#include <vector>

#include "util/bytes.h"
#include "webrtc/h264_depacketizer.h"

namespace webrtc {

struct VideoTag {
    util::Bytes payload;  // FLV VIDEODATA: 5-byte AVC header, then the body
    bool header = false;  // AVC sequence header (AVCDecoderConfigurationRecord)
    bool keyframe = false;
    std::uint32_t rtp_timestamp = 0;
};

// Builds the sequence header payload: 0x17 0x00 0 0 0 + AVCDecoderConfigurationRecord with one
// SPS and one PPS. The SPS must have at least its 4 leading bytes (header, profile, flags, level).
util::Bytes avc_sequence_header(util::ByteView sps, util::ByteView pps);

class AvcTagWriter {
  public:
    // Appends the header (when due) and the frame for `au`. Nothing is written before a
    // keyframe for which SPS and PPS are known; a new SPS/PPS takes effect at the next keyframe.
    void push(const AccessUnit& au, std::vector<VideoTag>& out);

    bool started() const { return started_; }
    const util::Bytes& sps() const { return sps_; }
    const util::Bytes& pps() const { return pps_; }

  private:
    util::Bytes sps_, pps_;  // the latest seen
    bool header_due_ = false;
    bool started_ = false;  // a header and a keyframe went out
};

}  // namespace webrtc
