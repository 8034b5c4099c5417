// AMF value → JSON conversion for display.
#include "rtmp/amf_json.h"

#include <cmath>

namespace rtmp::amf {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not valid (overlong forms,
// surrogates and code points above U+10FFFF included), which nlohmann's dump() would throw on.
std::size_t utf8_sequence(const std::string& s, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char b = byte(i);
    if (b < 0x80) return 1;
    std::size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0;
    if (len == 0 || b > 0xF4 || i + len > s.size()) return 0;
    std::uint32_t cp = b & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    return (overlong || surrogate || cp > 0x10FFFF) ? 0 : len;
}

// Peers may send any bytes as a "string": invalid sequences become U+FFFD.
std::string valid_utf8(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_sequence(s, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(s, i, n);
            i += n;
        }
    }
    return out;
}

}  // namespace

nlohmann::ordered_json to_json(const Value& value) {
    using json = nlohmann::ordered_json;
    switch (value.type()) {
        case Type::Number: {
            double d = value.as_number();
            if (!std::isfinite(d)) return nullptr;
            return d;
        }
        case Type::Boolean:
            return value.as_bool();
        case Type::String:
            return valid_utf8(value.as_string());
        case Type::Object:
        case Type::EcmaArray: {
            json j = json::object();
            for (const auto& [k, v] : value.properties()) j[valid_utf8(k)] = to_json(v);
            return j;
        }
        case Type::StrictArray: {
            json j = json::array();
            for (const Value& e : value.elements()) j.push_back(to_json(e));
            return j;
        }
        case Type::Date: {
            json j = {{"$date", value.as_number()}};
            if (value.timezone() != 0) j["$tz"] = value.timezone();
            return j;
        }
        case Type::Null:
        case Type::Undefined:
            return nullptr;
    }
    return nullptr;
}

}  // namespace rtmp::amf
