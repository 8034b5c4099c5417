// libFuzzer target for the audio side of media: audio tag header and description,
// AudioSpecificConfig, the silencer (stateful over a sequence of payloads) and Speex framing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/aac.h"
#include "media/audio.h"
#include "media/silence.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const util::ByteView in(data, size);
    auto config = media::parse_audio_specific_config(in);
    if (config) {
        auto frame = media::silent_aac_frame(*config);
        if (frame && frame->empty()) std::abort();
    }
    auto header = media::parse_audio_tag_header(in);
    if (header && header->header_size > size) std::abort();
    (void)media::describe_audio(in);
    (void)media::speex_frame_count(in);
    // Split the input into payloads at 0xFF bytes and silence them in order, as a player's
    // stream would be: the output keeps the first byte, and G.711 keeps the length.
    media::AudioSilencer silencer;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= size; ++i) {
        if (i < size && data[i] != 0xFF) continue;
        const util::ByteView payload(data + start, i - start);
        auto silent = silencer.silence(payload);
        if (silent) {
            if (silent->empty() || (*silent)[0] != payload[0]) std::abort();
            const int format = payload[0] >> 4;
            if ((format == 7 || format == 8) && silent->size() != payload.size()) std::abort();
        }
        start = i + 1;
    }
    return 0;
}
