// hook-echo's answering rules (see rules.h).
#include "rules.h"

#include <algorithm>

#include "hook/signature.h"

namespace hook_echo {

namespace {

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        std::size_t end = s.find(sep, start);
        out.emplace_back(s.substr(start, end == s.npos ? s.npos : end - start));
        if (end == s.npos) return out;
        start = end + 1;
    }
}

bool applies(const FieldRule& rule, const std::string& method) {
    return rule.method.empty() || rule.method == method;
}

const json* find_path(const json& body, const std::vector<std::string>& path) {
    const json* at = &body;
    for (const std::string& key : path) {
        if (!at->is_object()) return nullptr;
        auto it = at->find(key);
        if (it == at->end()) return nullptr;
        at = &*it;
    }
    return at;
}

// "secret" matches the string "secret"; "true" or "5" match the boolean or number.
bool matches(const json& value, const std::string& wanted) {
    if (value.is_string()) return value.get<std::string>() == wanted;
    return value.dump() == wanted;
}

void set_path(json& body, const std::vector<std::string>& path, const json& value) {
    json* at = &body;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        json& next = (*at)[path[i]];
        if (!next.is_object()) next = json::object();
        at = &next;
    }
    (*at)[path.back()] = value;
}

Answer refuse(Answer a, int status, std::string problem) {
    a.status = status;
    a.body = "hook-echo: " + problem;
    a.problem = std::move(problem);
    return a;
}

}  // namespace

std::optional<FieldRule> parse_field_rule(std::string_view text) {
    std::size_t eq = text.find('=');
    if (eq == text.npos) return std::nullopt;
    FieldRule rule;
    rule.text = std::string(text);
    std::string_view field = text.substr(0, eq);
    rule.value = std::string(text.substr(eq + 1));
    std::size_t colon = field.find(':');
    if (colon != field.npos) {
        rule.method = std::string(field.substr(0, colon));
        field = field.substr(colon + 1);
        if (rule.method.empty()) return std::nullopt;
    }
    rule.path = split(field, '.');
    for (const std::string& key : rule.path) {
        if (key.empty()) return std::nullopt;
    }
    return rule;
}

json set_value(const std::string& text) {
    json v = json::parse(text, nullptr, false);
    if (v.is_discarded() || v.is_structured()) return text;
    return v;
}

Answer answer(const Rules& rules, const Request& req) {
    Answer a;
    if (req.http_method != "POST") return refuse(a, 405, req.http_method + " is not POST");
    const std::string prefix = "/apps/";
    std::size_t last = req.path.rfind('/');
    if (req.path.compare(0, prefix.size(), prefix) != 0 || last <= prefix.size() ||
        last + 1 >= req.path.size()) {
        return refuse(a, 404, "path " + req.path + " is not /apps/<app>/<method>");
    }
    a.app = req.path.substr(prefix.size(), last - prefix.size());
    a.method = req.path.substr(last + 1);
    if (req.body.size() > rules.max_body) {
        return refuse(a, 413, "body of " + std::to_string(req.body.size()) +
                                  " bytes is larger than --max-body " +
                                  std::to_string(rules.max_body));
    }
    if (!rules.secret.empty()) {
        if (!req.signature) return refuse(a, 401, "no X-Rtmpkit-Signature header");
        if (!hook::verify_signature(rules.secret, req.body, *req.signature)) {
            return refuse(a, 401, "X-Rtmpkit-Signature does not match the body");
        }
    }
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        return refuse(a, 400, "body is not a JSON object");
    }
    a.parsed = body;
    if (std::find(rules.deny.begin(), rules.deny.end(), a.method) != rules.deny.end()) {
        return refuse(a, 403, a.method + " denied (--deny)");
    }
    for (const FieldRule& rule : rules.require) {
        if (!applies(rule, a.method)) continue;
        const json* value = find_path(body, rule.path);
        if (!value || !matches(*value, rule.value)) {
            return refuse(a, 403, "--require " + rule.text + " not met");
        }
    }
    int status = rules.status.value_or(200);
    if (status < 200 || status > 299) {
        return refuse(a, status, "answering " + std::to_string(status) + " (--status)");
    }
    for (const FieldRule& rule : rules.set) {
        if (applies(rule, a.method)) set_path(body, rule.path, set_value(rule.value));
    }
    a.status = status;
    a.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return a;
}

}  // namespace hook_echo
