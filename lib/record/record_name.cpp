// record_path templates and safe file-name parts (see record_name.h).
#include "record/record_name.h"

#include "util/text_escape.h"
#include "util/utc_time.h"

namespace record {

namespace {

constexpr std::string_view kPlaceholders[] = {"app", "streamName", "startTime", "mediaSessionId"};

bool is_control(unsigned char b) { return b < 0x20 || b == 0x7F; }

bool known_placeholder(std::string_view name) {
    for (std::string_view p : kPlaceholders)
        if (p == name) return true;
    return false;
}

std::string value_of(std::string_view name, const NameFields& f) {
    if (name == "app") return safe_name_part(f.app);
    if (name == "streamName") return safe_name_part(f.stream_name);
    if (name == "mediaSessionId") return safe_name_part(f.media_session_id);
    return utc_stamp(f.start_ms);  // startTime: bad_template() admits nothing else
}

}  // namespace

std::string safe_name_part(std::string_view text, std::size_t max_bytes) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const auto b = static_cast<unsigned char>(text[i]);
        std::size_t n = util::utf8_sequence_length(text, i);
        std::string_view piece = text.substr(i, n == 0 ? 1 : n);
        i += piece.size();
        const bool replace = n == 0 || (n == 1 && (is_control(b) || b == '/' || b == '\\')) ||
                             (out.empty() && b == '.');
        if (replace) piece = "_";
        if (out.size() + piece.size() > max_bytes) break;
        out += piece;
    }
    if (out.empty()) out = "_";
    return out;
}

std::string utc_stamp(long long epoch_ms) { return util::utc_time(epoch_ms, "%Y%m%d-%H%M%S"); }

std::optional<std::string> bad_template(std::string_view tmpl) {
    if (tmpl.empty()) return "is empty";
    if (tmpl.back() == '/') return "ends in '/': it names no file";
    for (char c : tmpl)
        if (is_control(static_cast<unsigned char>(c))) return "contains a control character";
    // Placeholders: each '{' opens one of the known names, closed by '}'.
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        if (tmpl[i] != '{') continue;
        const std::size_t close = tmpl.find('}', i);
        if (close == std::string_view::npos) return "has a '{' without its '}'";
        const std::string_view name = tmpl.substr(i + 1, close - i - 1);
        if (!known_placeholder(name))
            return "has an unknown placeholder {" + std::string(name) +
                   "} (known: {app}, {streamName}, {startTime}, {mediaSessionId})";
        i = close;
    }
    // Components: an absolute template starts with '/', none is empty, "." or "..".
    std::string_view rest = tmpl;
    if (rest.front() == '/') rest.remove_prefix(1);
    while (true) {
        const std::size_t slash = rest.find('/');
        const std::string_view part = rest.substr(0, slash);
        if (part.empty()) return "has an empty path component ('//')";
        if (part == "." || part == "..") return "has a '" + std::string(part) + "' component";
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    return std::nullopt;
}

std::string expand_template(std::string_view tmpl, const NameFields& fields) {
    std::string out;
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        const std::size_t close = tmpl[i] == '{' ? tmpl.find('}', i) : std::string_view::npos;
        if (close == std::string_view::npos) {
            out += tmpl[i];
            continue;
        }
        const std::string_view name = tmpl.substr(i + 1, close - i - 1);
        if (known_placeholder(name)) {
            out += value_of(name, fields);
            i = close;
        } else {
            out += tmpl[i];  // not a placeholder (the template was not checked): literal
        }
    }
    return out;
}

std::string directory_of(std::string_view path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) return "";
    if (slash == 0) return "/";
    return std::string(path.substr(0, slash));
}

std::string numbered_name(std::string_view path, unsigned n) {
    if (n == 0) return std::string(path);
    const std::size_t slash = path.rfind('/');
    const std::size_t base = slash == std::string_view::npos ? 0 : slash + 1;
    std::size_t dot = path.rfind('.');
    // A dot that starts the file name (".flv") is no extension separator.
    if (dot == std::string_view::npos || dot <= base) dot = path.size();
    return std::string(path.substr(0, dot)) + "-" + std::to_string(n) +
           std::string(path.substr(dot));
}

}  // namespace record
