// libFuzzer target for media::FlvReader: the input is fed whole and again in pieces whose
// sizes come from the input itself; both must produce the same tags (or the same error).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "media/flv.h"

namespace {

struct Outcome {
    std::vector<media::FlvTag> tags;
    bool ok = true;
};

Outcome run(const std::uint8_t* data, std::size_t size, std::size_t piece) {
    media::FlvReader reader(media::FlvReaderOptions{1 << 20, true, true});
    Outcome out;
    for (std::size_t pos = 0; pos < size && out.ok;) {
        std::size_t n = piece == 0 ? size : std::min(piece, size - pos);
        auto r = reader.feed(util::ByteView(data + pos, n),
                             [&](const media::FlvTag& t) { out.tags.push_back(t); });
        out.ok = r.ok();
        pos += n;
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::size_t piece = size ? (data[0] % 13) + 1 : 1;
    Outcome whole = run(data, size, 0);
    Outcome split = run(data, size, piece);
    if (whole.ok != split.ok || whole.tags.size() != split.tags.size()) std::abort();
    for (std::size_t i = 0; i < whole.tags.size(); ++i)
        if (whole.tags[i].payload != split.tags[i].payload) std::abort();
    // Everything read must round-trip through the writer.
    util::Bytes out;
    for (const auto& t : whole.tags)
        if (!media::FlvWriter::append_tag(out, t.header.type, t.header.timestamp, t.payload))
            std::abort();
    return 0;
}
