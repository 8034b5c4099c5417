// Fuzzes both handshake ends with arbitrary peer bytes in arbitrary splits: no crash, exact
// consumption (never past C2/S2), answers of the right size, digest answers that verify.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "rtmp/handshake.h"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

rtmp::RandomFill counter_fill() {
    return [n = std::uint8_t(0)](std::uint8_t* p, std::size_t len) mutable {
        for (std::size_t i = 0; i < len; ++i) p[i] = n += 37;
    };
}

// Feeds `in` in pieces whose sizes come from a small generator seeded by the input; returns the
// bytes consumed, or SIZE_MAX after an error.
template <class Hs>
std::size_t feed_split(Hs& hs, util::ByteView in, util::Bytes& out) {
    std::uint32_t seed = std::uint32_t(in.size()) * 2654435761u;
    std::size_t pos = 0;
    while (pos < in.size() && !hs.done()) {
        seed = seed * 1103515245u + 12345u;
        std::size_t n = std::min<std::size_t>(1 + (seed >> 16) % 2000, in.size() - pos);
        auto r = hs.feed(in.subspan(pos, n), out);
        if (!r) return SIZE_MAX;
        check(*r <= n);
        pos += *r;
        if (*r < n) check(hs.done());
    }
    return pos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    util::ByteView in(data, size);
    {
        rtmp::ServerHandshake server(counter_fill(), 1);
        util::Bytes out;
        std::size_t used = feed_split(server, in, out);
        if (used != SIZE_MAX) {
            check(out.empty() || out.size() == 3073);
            check(out.empty() == (used < 1537));
            check(server.done() == (used == 3073));
            if (!out.empty() && server.scheme() == rtmp::HandshakeScheme::Digest)
                check(rtmp::has_valid_digest(util::ByteView(out).subspan(1, 1536),
                                             server.client_layout(), rtmp::server_key_partial()));
        }
    }
    for (bool digest : {false, true}) {
        rtmp::ClientHandshake client(counter_fill(), 1, digest);
        util::Bytes c0c1, out;
        client.start(c0c1);
        check(c0c1.size() == 1537);
        std::size_t used = feed_split(client, in, out);
        if (used != SIZE_MAX) {
            check(client.done() == (used == 3073));
            check(out.size() == (client.done() ? 1536u : 0u));
        }
    }
    return 0;
}
