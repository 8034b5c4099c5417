// rtmp-urlparse internals shared by its files: output formats and the man page text.
#pragma once

#include <string>
#include <string_view>

#include "cli/docgen.h"
#include "url/rtmp_url.h"

namespace urlparse {

// Fields in output order: JSON keys, text keys and --field names.
inline constexpr std::string_view kFields[] = {
    "scheme", "host", "port", "app", "tcUrl", "stream", "connect_params", "stream_params"};

// True for a name --field accepts: one of kFields, or connect_params.KEY / stream_params.KEY.
bool is_field_name(std::string_view name);

// One JSON object on one line, keys in kFields order.
std::string format_json(const url::RtmpUrl& parsed);
// key=value lines (parameters as connect_params.KEY=VALUE, repeats kept), control characters
// and '%' in values written %XX so that each record stays one line per key.
std::string format_text(const url::RtmpUrl& parsed);
// One field raw, plus a newline: a parameter set as compact JSON, a missing parameter as "".
std::string format_field(const url::RtmpUrl& parsed, std::string_view name);
// `--hook METHOD`: the REST hook payload rtmp-serve would send for this URL, one JSON line.
std::string format_hook(const url::RtmpUrl& parsed, const std::string& method,
                        const std::string& client, const std::string& node_id);

// NAME, DESCRIPTION, EXAMPLES, EXIT STATUS, SEE ALSO of the man page.
cli::DocInfo doc_info();

}  // namespace urlparse
