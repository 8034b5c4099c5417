// Peer bytes made safe for logs, terminals and JSON documents: invalid UTF-8 replaced, control
// characters escaped, lengths capped. One helper for every place that shows a peer's string.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace util {

// The default cap on one value: enough for any real stream name, URL or reason, small enough
// that a 16 MiB command name cannot become a 16 MiB log line.
inline constexpr std::size_t kMaxShownBytes = 256;

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one (overlong forms,
// surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// For a terminal or a human log line: printable ASCII and valid UTF-8 stay; '\' becomes "\\";
// \n \r \t become those two-character escapes; other C0 controls, DEL, C1 controls (U+0080 to
// U+009F, which some terminals obey) and bytes that are not valid UTF-8 become \xNN (C1 as
// \u00NN). Input beyond `max_bytes` is cut at a character boundary and "...[N bytes cut]" marks
// it. The result holds no byte below 0x20 and no DEL.
std::string escape_text(std::string_view in, std::size_t max_bytes = kMaxShownBytes);

// For a JSON string (whose serializer escapes control characters itself): valid UTF-8, invalid
// sequences replaced by U+FFFD, cut after `max_bytes` of input with the same marker.
// max_bytes = npos keeps the whole value.
std::string json_safe(std::string_view in, std::size_t max_bytes = kMaxShownBytes);

// At most `max_bytes` of `in`, bytes unchanged, cut at a character boundary with the marker:
// for quoting a peer's value inside a longer text (a reason) that is escaped later.
std::string shorten(std::string_view in, std::size_t max_bytes);

}  // namespace util
