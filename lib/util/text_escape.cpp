// Escaping and capping of peer text (see text_escape.h for the rules).
#include "util/text_escape.h"

#include <cstdint>

namespace util {

namespace {
constexpr char kHex[] = "0123456789abcdef";

void append_hex_byte(std::string& out, const char* prefix, unsigned char b) {
    out += prefix;
    out += kHex[b >> 4];
    out += kHex[b & 15];
}

// Where to stop reading so that at most `max_bytes` of input are shown, not splitting a
// character; npos: the whole input fits.
std::size_t cut_point(std::string_view s, std::size_t max_bytes) {
    if (max_bytes == std::string_view::npos || s.size() <= max_bytes) return std::string_view::npos;
    std::size_t i = 0;
    while (i < max_bytes) {
        std::size_t n = utf8_sequence_length(s, i);
        if (n == 0) n = 1;
        if (i + n > max_bytes) break;
        i += n;
    }
    return i;
}

void append_cut_marker(std::string& out, std::size_t cut_bytes) {
    out += "...[";
    out += std::to_string(cut_bytes);
    out += " bytes cut]";
}
}  // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b = byte(i);
    if (b < 0x80) return 1;
    const std::size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0;
    if (len == 0 || b > 0xF4 || i + len > s.size()) return 0;
    std::uint32_t cp = b & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    return (overlong || surrogate || cp > 0x10FFFF) ? 0 : len;
}

std::string escape_text(std::string_view in, std::size_t max_bytes) {
    const std::size_t cut = cut_point(in, max_bytes);
    const std::string_view shown = cut == std::string_view::npos ? in : in.substr(0, cut);
    std::string out;
    out.reserve(shown.size() + 16);
    for (std::size_t i = 0; i < shown.size();) {
        const auto b = static_cast<unsigned char>(shown[i]);
        if (b >= 0x20 && b < 0x7F) {
            if (b == '\\') out += '\\';
            out += char(b);
            ++i;
            continue;
        }
        if (b == '\n') out += "\\n";
        else if (b == '\r') out += "\\r";
        else if (b == '\t') out += "\\t";
        if (b == '\n' || b == '\r' || b == '\t') {
            ++i;
            continue;
        }
        if (b < 0x80) {  // other C0 controls and DEL
            append_hex_byte(out, "\\x", b);
            ++i;
            continue;
        }
        const std::size_t n = utf8_sequence_length(shown, i);
        if (n == 0) {
            append_hex_byte(out, "\\x", b);
            ++i;
        } else if (n == 2 && b == 0xC2 && static_cast<unsigned char>(shown[i + 1]) < 0xA0) {
            append_hex_byte(out, "\\u00", static_cast<unsigned char>(shown[i + 1]));  // C1
            i += 2;
        } else {
            out.append(shown.substr(i, n));
            i += n;
        }
    }
    if (cut != std::string_view::npos) append_cut_marker(out, in.size() - cut);
    return out;
}

std::string json_safe(std::string_view in, std::size_t max_bytes) {
    const std::size_t cut = cut_point(in, max_bytes);
    const std::string_view shown = cut == std::string_view::npos ? in : in.substr(0, cut);
    std::string out;
    out.reserve(shown.size());
    for (std::size_t i = 0; i < shown.size();) {
        const std::size_t n = utf8_sequence_length(shown, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(shown.substr(i, n));
            i += n;
        }
    }
    if (cut != std::string_view::npos) append_cut_marker(out, in.size() - cut);
    return out;
}

std::string shorten(std::string_view in, std::size_t max_bytes) {
    const std::size_t cut = cut_point(in, max_bytes);
    if (cut == std::string_view::npos) return std::string(in);
    std::string out(in.substr(0, cut));
    append_cut_marker(out, in.size() - cut);
    return out;
}

}  // namespace util
