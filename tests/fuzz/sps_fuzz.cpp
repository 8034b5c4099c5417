// libFuzzer target for the video side of media: video tag header, AVC decoder configuration
// record, SPS (directly and via describe_video). Invariants: no crash, sane sizes on success.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/avc.h"
#include "media/video.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const util::ByteView in(data, size);
    auto sps = media::parse_sps(in);
    if (sps && (sps->width == 0 || sps->height == 0 || sps->width > sps->coded_width ||
                sps->height > sps->coded_height))
        std::abort();
    if (sps) (void)sps->frame_rate();
    auto header = media::parse_video_tag_header(in);
    if (header && header->header_size > size) std::abort();
    (void)media::describe_video(in);
    auto config = media::parse_avc_decoder_config(in);
    if (config)
        for (const auto& nal : config->sps) (void)media::parse_sps(nal);
    (void)media::remove_emulation_prevention(in);
    return 0;
}
