// rtmp-probe: an RTMP client for operators and scripts. Parses options, builds the run from
// lib/probe (play report, publish, load) and returns its exit status; nothing else.
#include <unistd.h>

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "probe/load_run.h"
#include "probe/play_run.h"
#include "probe/publish_run.h"
#include "probe_cli.h"
#include "url/rtmp_url.h"

namespace {

struct Options {
    std::string url;
    std::string publish_file;
    bool loop = false;
    double duration = 0;
    double timeout = 10;
    bool show_messages = false;
    bool trace = false;
    std::string format;
    std::string output;
    unsigned clients = 0;
    std::vector<std::string> connect_params;
    std::string flash_ver;
    bool simple_handshake = false;
    std::string ca_file;
    bool insecure = false;
};

void add_options(CLI::App& app, Options& o) {
    app.add_option("url", o.url, "RTMP URL to play (or publish to): rtmp://host[:port]/app/stream")
        ->type_name("URL")
        ->required();
    auto* duration = app.add_option("--duration", o.duration,
                                    "Also measure over this many seconds after play started "
                                    "(bitrates, frame rate, keyframe interval, timestamp gaps, "
                                    "jumps and reorderings, audio/video drift); with --publish, "
                                    "stop publishing after this long; with --clients, how long "
                                    "the players run")
                         ->type_name("SECONDS")
                         ->check(CLI::PositiveNumber);
    app.add_option("--timeout", o.timeout,
                   "Give up (exit 8) when the report is not ready this many seconds after the "
                   "start, or when nothing arrives for this long while measuring; with --publish, "
                   "the wait for NetStream.Publish.Start")
        ->type_name("SECONDS")
        ->check(CLI::PositiveNumber)
        ->default_val(10);
    app.add_option("--format", o.format,
                   "Report format (default: text when standard output is a terminal, json "
                   "otherwise)")
        ->check(CLI::IsMember({"json", "text"}));
    app.add_flag("--show-messages", o.show_messages,
                 "Print one JSON line per message received (type, chunk stream, message stream, "
                 "timestamp, size, keyframe, codec packet type, composition time, decoded AMF) "
                 "before the report");
    app.add_flag("--trace", o.trace,
                 "Describe the handshake and every chunk header received on standard error");
    app.add_option("--output", o.output, "Save the received stream to this FLV file")
        ->type_name("FILE");
    auto* publish = app.add_option("--publish", o.publish_file,
                                   "Publish this FLV file to the URL, paced by its timestamps, "
                                   "instead of playing")
                        ->type_name("FILE")
                        ->check(CLI::ExistingFile);
    app.add_flag("--loop", o.loop, "With --publish: start the file again at its end, forever "
                                   "(or for --duration)")
        ->needs(publish);
    auto* clients = app.add_option("--clients", o.clients,
                                   "Run this many players at once on one event loop for "
                                   "--duration seconds and print a summary (load test)")
                        ->type_name("N")
                        ->check(CLI::Range(1u, 100000u))
                        ->needs(duration)
                        ->excludes(publish);
    app.add_option("--connect-param", o.connect_params,
                   "Add KEY=VALUE to the connection query (the app and tcUrl of connect), as if "
                   "the URL carried it: rtmp://host/app?KEY=VALUE/stream; repeatable")
        ->type_name("KEY=VALUE");
    app.add_option("--flash-ver", o.flash_ver,
                   "flashVer sent with connect (default: LNX 9,0,124,2 to play, FMLE/3.0 to "
                   "publish)")
        ->type_name("TEXT");
    app.add_flag("--simple-handshake", o.simple_handshake,
                 "Use the simple handshake instead of the digest one ffmpeg uses");
    app.add_option("--ca-file", o.ca_file,
                   "rtmps://: trust the server certificates this PEM file holds (or issued), "
                   "instead of the system's CA certificates")
        ->type_name("FILE");
    app.add_flag("--insecure", o.insecure,
                 "rtmps://: do not verify the server's certificate or its name (a self-signed "
                 "test server)");
    app.get_option("--show-messages")->excludes(clients);
    app.get_option("--trace")->excludes(clients);
    app.get_option("--output")->excludes(clients)->excludes(publish);
}

std::vector<std::pair<std::string, std::string>> split_params(const std::vector<std::string>& in) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& p : in) {
        auto eq = p.find('=');
        if (eq == std::string::npos) out.emplace_back(p, "");
        else out.emplace_back(p.substr(0, eq), p.substr(eq + 1));
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Probe, play, publish and load-test RTMP streams", "rtmp-probe"};
    Options o;
    add_options(app, o);
    cli::add_doc_options(app, probe_cli::doc_info());
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli::exit_for_parse_error(app, e);
    }

    auto url = url::parse_rtmp_url(o.url, {false, true});
    if (!url) {
        std::cerr << "rtmp-probe: " << o.url << ": " << url.error().message << "\n";
        return probe::kExitUsage;
    }
    if (url->scheme != "rtmp" && url->scheme != "rtmps") {
        std::cerr << "rtmp-probe: only rtmp:// and rtmps:// URLs are supported, not "
                  << url->scheme << "://\n";
        return probe::kExitUsage;
    }
    std::optional<probe::TlsClient> tls;
    if (url->scheme == "rtmps") {
        auto ctx = net::make_client_context(o.ca_file, o.insecure);
        if (!ctx) {
            std::cerr << "rtmp-probe: " << ctx.error().message << "\n";
            return probe::kExitUsage;
        }
        tls = probe::TlsClient{*ctx, url->host, !o.insecure};
    }
    probe::Mode mode = o.publish_file.empty() ? probe::Mode::Play : probe::Mode::Publish;
    auto config = probe::config_from_url(*url, mode, split_params(o.connect_params));
    if (!config) {
        std::cerr << "rtmp-probe: " << config.error().message << "\n";
        return probe::kExitUsage;
    }
    config->flash_ver = o.flash_ver;
    config->digest_handshake = !o.simple_handshake;
    bool json = o.format.empty() ? !isatty(STDOUT_FILENO) : o.format == "json";
    std::optional<double> duration;
    if (app.count("--duration")) duration = o.duration;

    if (o.clients > 0) {
        probe::LoadRunOptions l{o.url, *config, url->host, url->port, o.clients, o.duration,
                                o.timeout, json, tls};
        return probe::run_load(l, std::cout, std::cerr);
    }
    if (mode == probe::Mode::Publish) {
        probe::PublishRunOptions p{o.url, o.publish_file, *config, url->host, url->port,
                                   o.timeout, duration, o.loop, json, tls};
        return probe::run_publish(p, std::cout, std::cerr);
    }
    probe::PlayRunOptions p{o.url, *config, url->host, url->port, o.timeout, duration,
                            o.show_messages, o.trace, json, o.output, tls};
    return probe::run_play(p, std::cout, std::cerr);
}
