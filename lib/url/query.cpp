// Query strings of RTMP URLs: percent-decoding, ordered parameters with repeated keys.
#include <cstdint>
#include <string>

#include "url/rtmp_url.h"

namespace url {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Characters kept as they are by to_query(); everything else is written %XX. '/', ':' and '@'
// are allowed in a query by RFC 3986 and are common in tokens, so they stay readable.
bool is_query_safe(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
        case '-':
        case '.':
        case '_':
        case '~':
        case '/':
        case ':':
        case '@':
        case '+':
        case ',':
            return true;
        default:
            return false;
    }
}

void append_encoded(std::string& out, std::string_view text) {
    static const char kHex[] = "0123456789ABCDEF";
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (is_query_safe(c)) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
}

util::Error<UrlErrc> error(UrlErrc code, std::string message) {
    return util::Error<UrlErrc>{code, std::move(message)};
}

}  // namespace

bool is_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            extra = 1, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3, cp = c & 0x07;
        } else {
            return false;  // continuation byte first, 0xC0/0xC1 (overlong) or above 0xF4
        }
        if (text.size() - i <= extra) return false;  // truncated sequence
        for (std::size_t k = 1; k <= extra; ++k) {
            auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        static const std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += extra + 1;
    }
    return true;
}

const std::string* Params::get(std::string_view key) const {
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
        if (it->first == key) return &it->second;
    }
    return nullptr;
}

std::vector<std::string> Params::get_all(std::string_view key) const {
    std::vector<std::string> values;
    for (const auto& [k, v] : items) {
        if (k == key) values.push_back(v);
    }
    return values;
}

std::string Params::to_query() const {
    std::string out;
    for (const auto& [key, value] : items) {
        if (!out.empty()) out.push_back('&');
        append_encoded(out, key);
        out.push_back('=');
        append_encoded(out, value);
    }
    return out;
}

util::Result<std::string, UrlErrc> percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out.push_back(text[i]);
            continue;
        }
        int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
        int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            return error(UrlErrc::BadPercentEncoding, "bad percent-encoding '" +
                                                          std::string(text.substr(i, 3)) +
                                                          "' (want %XX with two hex digits)");
        }
        // A NUL would silently cut the value short wherever it ends up as a C string.
        if (hi == 0 && lo == 0) return error(UrlErrc::BadPercentEncoding, "%00 is not allowed");
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    if (!is_utf8(out)) return error(UrlErrc::BadCharacter, "decoded text is not UTF-8");
    return out;
}

util::Result<Params, UrlErrc> parse_query(std::string_view query) {
    Params params;
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (piece.empty()) continue;
        if (params.items.size() == kMaxParams) {
            return error(UrlErrc::TooLong,
                         "more than " + std::to_string(kMaxParams) + " query parameters");
        }
        std::size_t eq = piece.find('=');
        auto key = percent_decode(piece.substr(0, eq));
        if (!key) return key.error();
        std::string value;
        if (eq != std::string_view::npos) {
            auto decoded = percent_decode(piece.substr(eq + 1));
            if (!decoded) return decoded.error();
            value = std::move(*decoded);
        }
        params.items.emplace_back(std::move(*key), std::move(value));
    }
    return params;
}

}  // namespace url
