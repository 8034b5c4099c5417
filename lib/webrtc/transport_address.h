// A UDP peer address as plain data (no socket headers), so sans-IO code can key sessions by it
// and name it in logs; the glue converts to and from sockaddr.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <tuple>

namespace webrtc {

struct TransportAddress {
    bool v6 = false;
    std::array<std::uint8_t, 16> ip{};  // network order; IPv4 uses the first 4 bytes
    std::uint16_t port = 0;

    friend bool operator==(const TransportAddress& a, const TransportAddress& b) {
        return a.v6 == b.v6 && a.ip == b.ip && a.port == b.port;
    }
    friend bool operator<(const TransportAddress& a, const TransportAddress& b) {
        return std::tie(a.v6, a.ip, a.port) < std::tie(b.v6, b.ip, b.port);
    }

    // "1.2.3.4:5" or "[::1]:5" (RFC 5952: lower-case hex, the longest run of two or more zero
    // groups shortened to "::").
    std::string text() const {
        std::string s;
        if (!v6) {
            for (int i = 0; i < 4; ++i) {
                if (i) s += '.';
                s += std::to_string(ip[i]);
            }
        } else {
            std::array<unsigned, 8> g{};
            for (int i = 0; i < 8; ++i) g[i] = (unsigned(ip[2 * i]) << 8) | ip[2 * i + 1];
            int best = -1, best_len = 0;
            for (int i = 0; i < 8;) {
                int j = i;
                while (j < 8 && g[j] == 0) ++j;
                if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
                i = j == i ? i + 1 : j;
            }
            static const char* kHex = "0123456789abcdef";
            s += '[';
            for (int i = 0; i < 8; ++i) {
                if (i == best) {
                    s += "::";
                    i += best_len - 1;
                    continue;
                }
                if (i && i != best + best_len) s += ':';
                bool started = false;
                for (int shift = 12; shift >= 0; shift -= 4) {
                    const unsigned d = (g[i] >> shift) & 0xF;
                    if (d || started || shift == 0) s += kHex[d], started = true;
                }
            }
            s += ']';
        }
        return s + ':' + std::to_string(port);
    }
};

}  // namespace webrtc
