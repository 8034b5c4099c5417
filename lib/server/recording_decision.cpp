// The recording decision of a publication (see recording_decision.h).
#include "server/recording_decision.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace server {

bool recording_wanted(const Config& config, const url::Params& stream_params) {
    if (config.record == RecordMode::All) return true;
    if (config.record != RecordMode::Param) return false;
    const std::string* v = stream_params.get("record");
    return v && (*v == "true" || *v == "1" || *v == "yes");
}

void apply_overwritten_record(const nlohmann::json& fields,
                              const std::vector<std::string>& wrong_type, bool& record,
                              std::string& why) {
    if (std::find(wrong_type.begin(), wrong_type.end(), "record") != wrong_type.end()) {
        why = "overwritten record is not a boolean";
        return;
    }
    if (!fields.is_object()) return;
    auto it = fields.find("record");
    if (it == fields.end()) return;
    if (!it->is_boolean()) {
        why = std::string("overwritten record is not a boolean but ") + it->type_name();
        return;
    }
    record = it->get<bool>();
}

}  // namespace server
