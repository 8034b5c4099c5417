// hook-echo: a REST hook backend for tests and shell scripts. Prints each hook as a JSON line on
// stdout and answers it: 200 with the body echoed (as WCS's EchoApp), or as the options script.
#include <CLI/CLI.hpp>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "docs.h"
#include "echo_server.h"
#include "hook/payload.h"
#include "net/log.h"

namespace {

constexpr int kExitUsage = 2;

// "3s", "1.5s", "250ms", "250" (milliseconds) → milliseconds.
bool parse_duration_ms(const std::string& text, long& out) {
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (...) {
        return false;
    }
    std::string unit = text.substr(used);
    double ms = 0;
    if (unit == "ms" || unit.empty()) {
        ms = v;
    } else if (unit == "s") {
        ms = v * 1000;
    } else {
        return false;
    }
    if (!(ms >= 0 && ms <= 3600 * 1000.0)) return false;
    out = static_cast<long>(ms);
    return true;
}

// "127.0.0.1:8081", "[::1]:8081", ":8081" (all addresses).
bool parse_listen(const std::string& text, std::string& host, std::uint16_t& port) {
    std::size_t colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) host = "0.0.0.0";
    std::string p = text.substr(colon + 1);
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) {
        return false;
    }
    unsigned long n = std::stoul(p);
    if (n > 65535) return false;
    port = static_cast<std::uint16_t>(n);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "A REST hook backend for testing rtmp-serve: prints each hook request as one JSON line on "
        "stdout and answers 200 with the body echoed, unless options say otherwise.",
        "hook-echo"};
    std::string listen = "127.0.0.1:8081";
    std::vector<std::string> deny, require, set;
    int status = 0;
    std::string delay = "0";
    std::string secret;
    long count = 0;
    std::size_t max_body = 64 * 1024;
    bool quiet = false;
    app.add_option("--listen", listen, "Address and port to listen on: ADDR:PORT, [IPV6]:PORT, or :PORT for all")
        ->type_name("ADDRESS")
        ->capture_default_str();
    app.add_option("--deny", deny, "Answer 403 to this hook method")
        ->type_name("METHOD")
        ->check(CLI::IsMember({hook::method::kConnect, hook::method::kPublishStream,
                               hook::method::kPlayStream, hook::method::kConnectionStatusEvent,
                               hook::method::kStreamStatusEvent, hook::method::kUnPublishStream,
                               hook::method::kStopStream}));
    app.add_option("--require", require,
                   "Answer 403 unless the body's FIELD (dotted path) equals VALUE; "
                   "[METHOD:]FIELD=VALUE, e.g. connect:custom.auth=secret")
        ->type_name("RULE");
    app.add_option("--status", status, "Answer this HTTP status instead of 200")
        ->type_name("CODE")
        ->check(CLI::Range(200, 599));
    app.add_option("--delay", delay, "Wait this long before each answer: 3s, 1.5s, 250ms (a bare "
                                     "number is milliseconds)")
        ->type_name("DURATION");
    app.add_option("--set", set,
                   "Change FIELD to VALUE in the echoed answer; [METHOD:]FIELD=VALUE, VALUE as a "
                   "JSON scalar (true, 5, \"5\") or else a string")
        ->type_name("RULE");
    app.add_option("--secret", secret,
                   "Answer 401 unless X-Rtmpkit-Signature is sha256=HMAC-SHA256(SECRET, body)")
        ->type_name("SECRET")
        ->envname("HOOK_ECHO_SECRET");
    app.add_option("--count", count, "Exit (status 0) after answering N requests")
        ->type_name("N")
        ->check(CLI::PositiveNumber);
    app.add_option("--max-body", max_body, "Answer 413 to bodies larger than BYTES")
        ->type_name("BYTES")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t(1), std::size_t(64) << 20));
    app.add_flag("-q,--quiet", quiet, "No log lines on stderr (the JSON lines still go to stdout)");
    cli::add_doc_options(app, hook_echo::doc_info());
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli::exit_for_parse_error(app, e);
    }

    hook_echo::ServerOptions opts;
    auto usage = [](const std::string& msg) {
        std::cerr << "hook-echo: " << msg << "\n";
        return kExitUsage;
    };
    if (!parse_listen(listen, opts.host, opts.port)) return usage("bad --listen " + listen);
    if (!parse_duration_ms(delay, opts.delay_ms)) return usage("bad --delay " + delay);
    for (const std::string& r : require) {
        auto rule = hook_echo::parse_field_rule(r);
        if (!rule) return usage("bad --require " + r + " (want [METHOD:]FIELD=VALUE)");
        opts.rules.require.push_back(*rule);
    }
    for (const std::string& s : set) {
        auto rule = hook_echo::parse_field_rule(s);
        if (!rule) return usage("bad --set " + s + " (want [METHOD:]FIELD=VALUE)");
        opts.rules.set.push_back(*rule);
    }
    opts.rules.deny = deny;
    if (status) opts.rules.status = status;
    opts.rules.secret = secret;
    opts.rules.max_body = max_body;
    opts.count = count;
    net::logger().configure(quiet ? net::LogLevel::Error : net::LogLevel::Info,
                            net::LogFormat::Human);
    std::signal(SIGPIPE, SIG_IGN);

    try {
        return hook_echo::run(opts);
    } catch (const std::exception& e) {
        std::cerr << "hook-echo: " << e.what() << "\n";
        return 1;
    }
}
