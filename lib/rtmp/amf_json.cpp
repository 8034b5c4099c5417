// AMF value → JSON conversion for display.
#include "rtmp/amf_json.h"

#include <cmath>

#include "util/text_escape.h"

namespace rtmp::amf {

namespace {
// Peers may send any bytes as a "string", which nlohmann's dump() would throw on: invalid
// sequences become U+FFFD. Values are capped for display (a 16 MiB metadata string is shown cut).
constexpr std::size_t kMaxJsonString = 64 * 1024;
std::string valid_utf8(const std::string& s) { return util::json_safe(s, kMaxJsonString); }
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
