// H.264 in FLV: the AVCDecoderConfigurationRecord (ISO 14496-15 5.2.4.1) carried by the
// sequence header, and the sequence parameter set (H.264 7.3.2.1.1): profile, level, chroma,
// size after cropping, frame rate from the VUI timing info.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "media/error.h"
#include "util/bytes.h"

namespace media {

struct AvcDecoderConfig {
    std::uint8_t version = 0;           // configurationVersion, 1
    std::uint8_t profile = 0;           // AVCProfileIndication (= SPS profile_idc)
    std::uint8_t compatibility = 0;     // profile_compatibility (= SPS constraint flags)
    std::uint8_t level = 0;             // AVCLevelIndication (= SPS level_idc)
    std::uint8_t nalu_length_size = 4;  // 1, 2 or 4: bytes of each NAL unit length prefix
    std::vector<util::Bytes> sps;       // NAL units including their 1-byte header
    std::vector<util::Bytes> pps;
};

// Parses the record (the bytes after the 5-byte FLV AVC video header).
Result<AvcDecoderConfig> parse_avc_decoder_config(util::ByteView bytes);

struct Sps {
    std::uint8_t profile_idc = 0;
    std::uint8_t constraint_flags = 0;  // constraint_set0..5 flags in the high bits
    std::uint8_t level_idc = 0;         // level * 10 (e.g. 40 = 4.0; 9 = 1b in some profiles)
    std::uint32_t sps_id = 0;
    std::uint32_t chroma_format_idc = 1;  // 0 mono, 1 4:2:0, 2 4:2:2, 3 4:4:4
    bool separate_colour_plane = false;
    std::uint32_t bit_depth_luma = 8;
    std::uint32_t bit_depth_chroma = 8;
    bool scaling_matrix_present = false;
    std::uint32_t log2_max_frame_num = 4;
    std::uint32_t pic_order_cnt_type = 0;
    std::uint32_t max_num_ref_frames = 0;
    bool frame_mbs_only = true;         // false: interlaced (field or MBAFF) coding possible
    bool mb_adaptive_frame_field = false;
    std::uint32_t coded_width = 0;      // macroblock-aligned size, before cropping
    std::uint32_t coded_height = 0;
    std::uint32_t crop_left = 0, crop_right = 0, crop_top = 0, crop_bottom = 0;  // in pixels
    std::uint32_t width = 0;            // after cropping
    std::uint32_t height = 0;
    bool vui_present = false;
    std::uint32_t sar_width = 0, sar_height = 0;  // 0 when not signalled
    bool timing_info_present = false;
    std::uint32_t num_units_in_tick = 0;
    std::uint32_t time_scale = 0;
    bool fixed_frame_rate = false;

    // time_scale / (2 * num_units_in_tick), or 0 without timing info.
    double frame_rate() const;
};

// Parses an SPS NAL unit (starting with its NAL header byte, type 7), emulation prevention
// bytes included as they appear in the stream.
Result<Sps> parse_sps(util::ByteView nal);

// Removes the 0x03 of every 0x000003 sequence (H.264 7.4.1 emulation_prevention_three_byte).
util::Bytes remove_emulation_prevention(util::ByteView nal);

// "Baseline", "Constrained Baseline", "Main", "High", "High 10", "High 4:4:4 Predictive", ...
std::string avc_profile_name(std::uint8_t profile_idc, std::uint8_t constraint_flags);

}  // namespace media
