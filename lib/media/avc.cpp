// AVCDecoderConfigurationRecord and SPS parsing (see avc.h).
#include "media/avc.h"

#include "media/bits.h"

namespace media {

namespace {

// Beyond any real H.264 level (8K is 512 macroblocks wide); guards size arithmetic.
constexpr std::uint32_t kMaxMacroblocks = 1024;

bool has_high_profile_fields(std::uint8_t p) {
    switch (p) {
        case 100: case 110: case 122: case 244: case 44: case 83:
        case 86: case 118: case 128: case 138: case 139: case 134: case 135: return true;
        default: return false;
    }
}

// scaling_list() of 7.3.2.1.1.1: only the delta values are read; we need to get past them.
bool skip_scaling_list(BitReader& br, int size) {
    int last = 8, next = 8;
    for (int j = 0; j < size; ++j) {
        if (next != 0) {
            std::int32_t delta = br.se();
            if (br.overrun() || delta < -128 || delta > 127) return false;
            next = (last + delta + 256) % 256;
        }
        last = next == 0 ? last : next;
    }
    return true;
}

Error truncated(const char* what) { return make_error(Code::truncated, std::string("SPS: ") + what); }
Error invalid(const char* what) { return make_error(Code::invalid, std::string("SPS: ") + what); }

void parse_vui(BitReader& br, Sps& s) {
    if (br.flag()) {  // aspect_ratio_info_present_flag
        static const std::uint16_t kSar[17][2] = {
            {0, 0},   {1, 1},   {12, 11}, {10, 11}, {16, 11}, {40, 33}, {24, 11}, {20, 11}, {32, 11},
            {80, 33}, {18, 11}, {15, 11}, {64, 33}, {160, 99}, {4, 3},  {3, 2},   {2, 1}};
        std::uint32_t idc = br.bits(8);
        if (idc == 255) {
            s.sar_width = br.bits(16);
            s.sar_height = br.bits(16);
        } else if (idc < 17) {
            s.sar_width = kSar[idc][0];
            s.sar_height = kSar[idc][1];
        }
    }
    if (br.flag()) br.skip(1);  // overscan_info_present_flag, overscan_appropriate_flag
    if (br.flag()) {            // video_signal_type_present_flag
        br.skip(4);             // video_format, video_full_range_flag
        if (br.flag()) br.skip(24);  // colour primaries, transfer, matrix
    }
    if (br.flag()) {  // chroma_loc_info_present_flag
        br.ue();
        br.ue();
    }
    s.timing_info_present = br.flag();
    if (s.timing_info_present) {
        s.num_units_in_tick = br.bits(32);
        s.time_scale = br.bits(32);
        s.fixed_frame_rate = br.flag();
    }
}

}  // namespace

double Sps::frame_rate() const {
    if (!timing_info_present || num_units_in_tick == 0 || time_scale == 0) return 0;
    return double(time_scale) / (2.0 * num_units_in_tick);
}

util::Bytes remove_emulation_prevention(util::ByteView nal) {
    util::Bytes out;
    out.reserve(nal.size());
    int zeros = 0;
    for (std::uint8_t b : nal) {
        if (zeros >= 2 && b == 0x03) {
            zeros = 0;
            continue;
        }
        zeros = b == 0 ? zeros + 1 : 0;
        out.push_back(b);
    }
    return out;
}

Result<AvcDecoderConfig> parse_avc_decoder_config(util::ByteView bytes) {
    util::Reader in(bytes);
    AvcDecoderConfig c;
    std::uint8_t b = 0;
    if (!in.u8(c.version) || !in.u8(c.profile) || !in.u8(c.compatibility) || !in.u8(c.level) ||
        !in.u8(b))
        return make_error(Code::truncated, "AVC config: short header");
    if (c.version != 1) return make_error(Code::invalid, "AVC config: configurationVersion not 1");
    c.nalu_length_size = std::uint8_t((b & 3) + 1);
    if (c.nalu_length_size == 3) return make_error(Code::invalid, "AVC config: NALU length size 3");
    for (int list = 0; list < 2; ++list) {
        std::uint8_t count = 0;
        if (!in.u8(count)) return make_error(Code::truncated, "AVC config: parameter set count");
        if (list == 0) count &= 0x1F;
        auto& out = list == 0 ? c.sps : c.pps;
        for (int i = 0; i < count; ++i) {
            std::uint32_t len = 0;
            util::ByteView nal;
            if (!in.be16(len) || !in.bytes(len, nal))
                return make_error(Code::truncated, "AVC config: parameter set cut short");
            if (len == 0) return make_error(Code::invalid, "AVC config: empty parameter set");
            out.emplace_back(nal.begin(), nal.end());
        }
    }
    // High-profile records may carry chroma/bit-depth/SPS-ext fields after this: not needed.
    return c;
}

Result<Sps> parse_sps(util::ByteView nal) {
    if (nal.empty()) return truncated("empty");
    if ((nal[0] & 0x1F) != 7) return invalid("NAL unit type is not 7");
    const util::Bytes rbsp = remove_emulation_prevention(nal.subspan(1));
    BitReader br(rbsp);
    Sps s;
    s.profile_idc = std::uint8_t(br.bits(8));
    s.constraint_flags = std::uint8_t(br.bits(8));
    s.level_idc = std::uint8_t(br.bits(8));
    s.sps_id = br.ue();
    if (br.overrun()) return truncated("short header");
    if (s.sps_id > 31) return invalid("seq_parameter_set_id above 31");
    if (has_high_profile_fields(s.profile_idc)) {
        s.chroma_format_idc = br.ue();
        if (s.chroma_format_idc > 3) return invalid("chroma_format_idc above 3");
        if (s.chroma_format_idc == 3) s.separate_colour_plane = br.flag();
        s.bit_depth_luma = br.ue() + 8;
        s.bit_depth_chroma = br.ue() + 8;
        if (s.bit_depth_luma > 14 || s.bit_depth_chroma > 14) return invalid("bit depth above 14");
        br.skip(1);  // qpprime_y_zero_transform_bypass_flag
        s.scaling_matrix_present = br.flag();
        if (s.scaling_matrix_present) {
            const int lists = s.chroma_format_idc != 3 ? 8 : 12;
            for (int i = 0; i < lists; ++i) {
                if (br.flag() && !skip_scaling_list(br, i < 6 ? 16 : 64))
                    return br.overrun() ? truncated("scaling list") : invalid("scaling list delta");
            }
        }
        if (br.overrun()) return truncated("high profile fields");
    }
    s.log2_max_frame_num = br.ue() + 4;
    if (s.log2_max_frame_num > 16) return invalid("log2_max_frame_num above 16");
    s.pic_order_cnt_type = br.ue();
    if (s.pic_order_cnt_type == 0) {
        if (br.ue() > 12) return invalid("log2_max_pic_order_cnt_lsb above 16");
    } else if (s.pic_order_cnt_type == 1) {
        br.skip(1);  // delta_pic_order_always_zero_flag
        br.se();     // offset_for_non_ref_pic
        br.se();     // offset_for_top_to_bottom_field
        std::uint32_t cycle = br.ue();
        if (cycle > 255) return invalid("num_ref_frames_in_pic_order_cnt_cycle above 255");
        for (std::uint32_t i = 0; i < cycle && !br.overrun(); ++i) br.se();
    } else if (s.pic_order_cnt_type != 2) {
        return invalid("pic_order_cnt_type above 2");
    }
    s.max_num_ref_frames = br.ue();
    br.skip(1);  // gaps_in_frame_num_value_allowed_flag
    const std::uint32_t width_mbs = br.ue() + 1;
    const std::uint32_t height_map_units = br.ue() + 1;
    s.frame_mbs_only = br.flag();
    if (!s.frame_mbs_only) s.mb_adaptive_frame_field = br.flag();
    br.skip(1);  // direct_8x8_inference_flag
    const bool cropping = br.flag();
    std::uint32_t crop[4] = {0, 0, 0, 0};
    if (cropping)
        for (auto& c : crop) c = br.ue();
    if (br.overrun()) return truncated("cut short before the picture size");
    if (width_mbs > kMaxMacroblocks || height_map_units > kMaxMacroblocks)
        return invalid("picture size out of range");
    s.coded_width = width_mbs * 16;
    s.coded_height = (s.frame_mbs_only ? 1 : 2) * height_map_units * 16;

    // Crop offsets count in chroma sample units (Table 6-1), doubled vertically for fields.
    const std::uint32_t chroma_array_type = s.separate_colour_plane ? 0 : s.chroma_format_idc;
    std::uint32_t unit_x = 1, unit_y = s.frame_mbs_only ? 1 : 2;
    if (chroma_array_type != 0) {
        unit_x = chroma_array_type == 3 ? 1 : 2;
        unit_y *= chroma_array_type == 1 ? 2 : 1;
    }
    const std::uint64_t cx = std::uint64_t(unit_x) * crop[0] + std::uint64_t(unit_x) * crop[1];
    const std::uint64_t cy = std::uint64_t(unit_y) * crop[2] + std::uint64_t(unit_y) * crop[3];
    if (cx >= s.coded_width || cy >= s.coded_height) return invalid("cropping exceeds picture");
    s.crop_left = unit_x * crop[0];
    s.crop_right = unit_x * crop[1];
    s.crop_top = unit_y * crop[2];
    s.crop_bottom = unit_y * crop[3];
    s.width = s.coded_width - std::uint32_t(cx);
    s.height = s.coded_height - std::uint32_t(cy);

    s.vui_present = br.flag();
    if (s.vui_present) parse_vui(br, s);
    if (br.overrun()) return truncated(s.vui_present ? "VUI cut short" : "no VUI flag");
    return s;
}

std::string avc_profile_name(std::uint8_t profile, std::uint8_t constraints) {
    const bool set1 = constraints & 0x40, set3 = constraints & 0x10;
    switch (profile) {
        case 66: return set1 ? "Constrained Baseline" : "Baseline";
        case 77: return "Main";
        case 88: return "Extended";
        case 100: return "High";
        case 110: return set3 ? "High 10 Intra" : "High 10";
        case 122: return set3 ? "High 4:2:2 Intra" : "High 4:2:2";
        case 244: return set3 ? "High 4:4:4 Intra" : "High 4:4:4 Predictive";
        case 44: return "CAVLC 4:4:4";
        default: return "profile " + std::to_string(profile);
    }
}

}  // namespace media
