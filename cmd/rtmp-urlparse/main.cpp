// rtmp-urlparse: splits RTMP URLs (arguments or stdin lines) into app, stream and parameters,
// as the server sees them. Exit 0 when all parsed, 1 when any failed, 2 on usage errors.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#include "urlparse.h"
#include "util/text_escape.h"

namespace {

struct Options {
    std::vector<std::string> urls;
    std::string format = "json";
    std::string field;
    std::string tc_url;
    std::string app_field;
    std::string stream;
    bool stream_params_as_connection = false;
    bool require_stream = false;
    std::string hook_method;
    std::string client = "127.0.0.1:5643";
    std::string node_id;
};

std::string field_set() {
    std::string out = "{";
    for (std::string_view field : urlparse::kFields) {
        if (out.size() > 1) out += ",";
        out += field;
    }
    return out + "}";
}

void add_options(CLI::App& app, Options& o) {
    auto* urls = app.add_option("url", o.urls,
                                "RTMP URL to split; with none, URLs are read from standard input, "
                                "one per line")
                     ->type_name("URL");
    app.add_option("--format", o.format, "Output: one JSON object per line, or key=value lines")
        ->check(CLI::IsMember({"json", "text"}))
        ->default_val("json");
    // The set in the description is what docgen offers for completion.
    CLI::Validator field_check(
        [](std::string& name) -> std::string {
            if (urlparse::is_field_name(name)) return {};
            return "unknown field '" + name + "' (want " + field_set() +
                   ", connect_params.KEY or stream_params.KEY)";
        },
        field_set());
    app.add_option("--field", o.field,
                   "Print only this field, raw, one line per URL; a parameter set prints as JSON; "
                   "connect_params.KEY or stream_params.KEY prints that parameter's value (on a "
                   "terminal, control characters print escaped)")
        ->check(field_check)
        ->type_name("NAME");
    auto* tc_url = app.add_option("--tcurl", o.tc_url,
                                  "Read the server's split form: the tcUrl of connect, which may "
                                  "carry the connection query after the app")
                       ->type_name("URL")
                       ->excludes(urls);
    app.add_option("--app", o.app_field,
                   "With --tcurl: the app of connect, which may carry the connection query "
                   "(default: the app in the tcUrl)")
        ->type_name("APP")
        ->needs(tc_url);
    app.add_option("--stream", o.stream,
                   "With --tcurl: the name of publish or play, which may carry the stream query "
                   "(name?key=value); it must not be empty")
        ->type_name("NAME")
        ->needs(tc_url);
    app.add_flag("--stream-params-as-connection", o.stream_params_as_connection,
                 "Count stream parameters as connection parameters too, as the server's "
                 "rtmp_use_stream_params_as_connection does");
    app.add_flag("--require-stream", o.require_stream,
                 "Fail a URL that names no stream (publish and play need one)");
    app.add_option("--hook", o.hook_method,
                   "Print instead the JSON payload rtmp-serve sends to its REST hook backend for "
                   "this method, built by the server's own payload code")
        ->check(CLI::IsMember({"connect", "publishStream", "playStream"}))
        ->type_name("METHOD");
    app.add_option("--client", o.client,
                   "With --hook: the client's address, for sessionId (/CLIENT/HOST:PORT)")
        ->type_name("IP:PORT")
        ->capture_default_str();
    app.add_option("--node-id", o.node_id, "With --hook: nodeId (default: this host's name)")
        ->type_name("NAME");
}

// Prints one parsed URL, or reports why it failed; returns whether it parsed.
bool emit(const util::Result<url::RtmpUrl, url::UrlErrc>& result, const std::string& label,
          const Options& o, bool& first_record) {
    if (!result) {
        std::cerr << "rtmp-urlparse: " << label << ": " << result.error().message << "\n";
        return false;
    }
    if (!o.hook_method.empty()) {
        std::cout << urlparse::format_hook(*result, o.hook_method, o.client, o.node_id);
    } else if (!o.field.empty()) {
        std::string value = urlparse::format_field(*result, o.field);
        // Raw for $(...) in scripts; on a terminal a decoded %1b (ESC) must not reach it.
        if (isatty(STDOUT_FILENO)) {
            value.pop_back();  // the newline format_field ends with
            value = util::escape_text(value, std::string::npos) + "\n";
        }
        std::cout << value;
    } else if (o.format == "text") {
        std::cout << (first_record ? "" : "\n") << urlparse::format_text(*result);
    } else {
        std::cout << urlparse::format_json(*result);
    }
    first_record = false;
    return true;
}

std::string trim(const std::string& line) {
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) return {};
    std::size_t last = line.find_last_not_of(" \t\r");
    return line.substr(first, last - first + 1);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Split RTMP URLs into app, stream and parameters as an RTMP server sees them",
                 "rtmp-urlparse"};
    Options o;
    add_options(app, o);
    cli::add_doc_options(app, urlparse::doc_info());
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli::exit_for_parse_error(app, e);
    }

    url::ParseOptions options;
    options.stream_params_as_connection = o.stream_params_as_connection;
    options.require_stream = o.require_stream || (!o.hook_method.empty() && o.hook_method != "connect");
    bool all_ok = true;
    bool first_record = true;
    if (!o.tc_url.empty() || app.count("--tcurl") > 0) {
        if (app.count("--stream") > 0) options.require_stream = true;
        auto result = url::from_server_parts(o.tc_url, o.app_field, o.stream, options);
        std::string label = "tcUrl '" + o.tc_url + "'";
        if (!o.app_field.empty()) label += ", app '" + o.app_field + "'";
        if (app.count("--stream") > 0) label += ", stream '" + o.stream + "'";
        all_ok = emit(result, label, o, first_record);
    } else if (!o.urls.empty()) {
        for (const auto& u : o.urls)
            all_ok &= emit(url::parse_rtmp_url(u, options), u, o, first_record);
    } else {
        std::string line;
        while (std::getline(std::cin, line)) {
            std::string u = trim(line);
            if (u.empty()) continue;
            all_ok &= emit(url::parse_rtmp_url(u, options), u, o, first_record);
        }
    }
    std::cout.flush();
    return all_ok ? 0 : 1;
}
