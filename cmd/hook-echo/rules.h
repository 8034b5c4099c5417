// hook-echo's answering rules: what a scripted backend says to one hook request. No I/O here.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hook_echo {

using json = nlohmann::json;

// "[METHOD:]FIELD=VALUE", FIELD a dotted path into the body ("custom.auth").
struct FieldRule {
    std::string method;  // empty: every method
    std::vector<std::string> path;
    std::string value;
    std::string text;  // as given, for messages
};

// Parses "[METHOD:]FIELD=VALUE"; nullopt when there is no '=' or the field is empty.
std::optional<FieldRule> parse_field_rule(std::string_view text);

// A --set value: JSON when the text is a JSON scalar (true, 3, "x"), else the text as a string.
json set_value(const std::string& text);

struct Rules {
    std::vector<std::string> deny;      // methods answered 403
    std::vector<FieldRule> require;     // fields that must equal a value, else 403
    std::vector<FieldRule> set;         // fields changed in the echoed body
    std::optional<int> status;          // a fixed status instead of 200
    std::string secret;                 // verify X-Rtmpkit-Signature when not empty
    std::size_t max_body = 64 * 1024;   // larger bodies get 413
};

struct Request {
    std::string http_method;  // "POST"
    std::string path;         // "/apps/<app>/<method>", percent-decoded
    std::string body;
    std::optional<std::string> signature;  // the X-Rtmpkit-Signature header
};

struct Answer {
    int status = 200;
    std::string body;  // JSON (an echo) for 2xx, one line of text otherwise
    std::string app;
    std::string method;
    json parsed = nullptr;  // the request body when it was a JSON object
    std::string problem;    // why a request was refused, for the log; empty when allowed
};

// Applies the rules in this order: 405 not POST, 404 not /apps/<app>/<method>, 413 too large,
// 401 bad signature (with a secret), 400 not a JSON object, 403 --deny, 403 --require,
// --status, then the echo with --set applied.
Answer answer(const Rules& rules, const Request& request);

}  // namespace hook_echo
