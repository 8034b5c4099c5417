// Validation of a stream name that a hook backend overwrote (see stream_key.h).
#include "server/stream_key.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "util/text_escape.h"

namespace server {

std::optional<std::string> bad_overwritten_name(std::string_view name) {
    if (name.empty()) return "is empty";
    if (name.size() > kMaxOverwrittenNameBytes)
        return "is longer than " + std::to_string(kMaxOverwrittenNameBytes) + " bytes";
    for (std::size_t i = 0; i < name.size();) {
        const auto b = static_cast<unsigned char>(name[i]);
        if (b == '/') return "contains '/'";
        if (b < 0x20 || b == 0x7F) return "contains a control character";
        const std::size_t n = util::utf8_sequence_length(name, i);
        if (n == 0) return "is not valid UTF-8";
        i += n;
    }
    return std::nullopt;
}

bool apply_overwritten_name(const nlohmann::json& fields, const std::vector<std::string>& wrong_type,
                            std::string& name, std::string& why) {
    if (std::find(wrong_type.begin(), wrong_type.end(), "name") != wrong_type.end()) {
        why = "overwritten name is not a string";
        return false;
    }
    if (!fields.is_object()) return true;
    auto it = fields.find("name");
    if (it == fields.end()) return true;
    if (!it->is_string()) {
        why = std::string("overwritten name is not a string but ") + it->type_name();
        return false;
    }
    const std::string& given = it->get_ref<const std::string&>();
    if (auto bad = bad_overwritten_name(given)) {
        why = "overwritten name " + *bad;
        return false;
    }
    name = given;
    return true;
}

}  // namespace server
