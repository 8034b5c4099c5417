// The identity of a live stream: its application and its name, kept apart. A joined
// "app/name" string made app `a` + stream `b/c` the same stream as app `a/b` + stream `c`.
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace server {

struct StreamKey {
    std::string app;
    std::string name;

    auto operator<=>(const StreamKey&) const = default;
    bool operator==(const StreamKey&) const = default;
    // "app/name", for log lines only: two keys may print the same.
    std::string text() const { return app + "/" + name; }
};

struct StreamKeyHash {
    std::size_t operator()(const StreamKey& k) const noexcept {
        const std::size_t a = std::hash<std::string>{}(k.app);
        return a ^ (std::hash<std::string>{}(k.name) + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
    }
};

// A stream name a backend may give (rest_overwrite: name) is at most this long.
inline constexpr std::size_t kMaxOverwrittenNameBytes = 256;

// Why `name` cannot be a backend-given stream name ("is empty", "contains '/'", ...: too long,
// control bytes, not UTF-8), or nullopt when it can.
std::optional<std::string> bad_overwritten_name(std::string_view name);

// The stream name after a hook's overwritten fields: `name` is replaced when `fields` has a
// valid "name"; false with `why` when it has one that is not a string or not valid, or when
// `wrong_type` (fields the backend changed to another JSON type) lists "name".
bool apply_overwritten_name(const nlohmann::json& fields, const std::vector<std::string>& wrong_type,
                            std::string& name, std::string& why);

}  // namespace server
