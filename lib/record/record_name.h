// Recording file names: the record_path template with WCS's placeholders, and the sanitising
// of the peer-supplied parts that go into it. Pure code: no file system, no clock.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace record {

// A peer-supplied part of a file name is at most this many bytes after sanitising.
inline constexpr std::size_t kMaxNamePartBytes = 64;

// What the placeholders of a template stand for.
struct NameFields {
    std::string app;               // {app}
    std::string stream_name;       // {streamName}
    std::string media_session_id;  // {mediaSessionId}
    long long start_ms = 0;        // {startTime}: UTC YYYYMMDD-HHMMSS, ms since the epoch
};

// One path component made from a peer's text: '/', '\', control bytes, DEL and bytes that are
// not valid UTF-8 become '_', a leading '.' becomes '_' (no "..", no hidden file), the result is
// cut to `max_bytes` at a character boundary, and an empty text becomes "_". So it never names
// a directory other than the one it is placed in.
std::string safe_name_part(std::string_view text, std::size_t max_bytes = kMaxNamePartBytes);

// "20261202-003000" for 2026-12-02T00:30:00Z.
std::string utc_stamp(long long epoch_ms);

// Why `tmpl` cannot be a record_path, or nullopt when it can: empty, ends in '/', has an empty,
// "." or ".." component, a control byte, an unknown or unclosed placeholder, or no file name.
std::optional<std::string> bad_template(std::string_view tmpl);

// The template with its placeholders replaced by safe_name_part() of the fields ({startTime}
// by utc_stamp()). A template that bad_template() accepts yields a path whose directories are
// the template's own plus components made by safe_name_part(): it stays below the template's
// fixed directory.
std::string expand_template(std::string_view tmpl, const NameFields& fields);

// The part of `path` before its last '/' ("" when there is none): what mkdir -p creates.
std::string directory_of(std::string_view path);

// The n-th alternative of a file name already taken: "a/b.flv", 2 → "a/b-2.flv"; without an
// extension "a/b" → "a/b-2". n == 0 is the name itself.
std::string numbered_name(std::string_view path, unsigned n);

}  // namespace record
