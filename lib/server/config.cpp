// The settings table of rtmp-serve and what is derived from it: YAML loading, flags, example.
#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include "net/address.h"
#include "record/record_name.h"

namespace server {

std::vector<Setting> settings_of(Config& c) {
    return {
        {"listen", "address to listen on, ADDR:PORT or [V6ADDR]:PORT; repeatable", &c.listen,
         std::nullopt, "ADDRESS"},
        {"http_listen",
         "address of the HTTP API, /metrics and the status page, ADDR:PORT or [V6ADDR]:PORT; "
         "repeatable; an empty value turns HTTP off. When the default address cannot be bound "
         "(another rtmp-serve has it), the server logs a warning and serves RTMP without HTTP; "
         "an address given otherwise must be bound",
         &c.http_listen, std::nullopt, "ADDRESS"},
        {"rtmps_listen",
         "address for RTMP over TLS (rtmps://), ADDR:PORT or [V6ADDR]:PORT; repeatable; needs "
         "tls_cert and tls_key. Port 443 needs CAP_NET_BIND_SERVICE (see the systemd unit), not "
         "root",
         &c.rtmps_listen, std::nullopt, "ADDRESS"},
        {"https_listen",
         "address for the HTTP side over TLS (API, /metrics, status page); repeatable; needs "
         "tls_cert and tls_key",
         &c.https_listen, std::nullopt, "ADDRESS"},
        {"tls_cert",
         "PEM certificate for rtmps_listen and https_listen; a chain file works (the server's "
         "certificate first). Re-read on SIGHUP for new sessions; a bad new one keeps the old",
         &c.tls_cert},
        {"tls_key", "PEM private key of tls_cert (re-read with it)", &c.tls_key},
        {"tls_min_version", "lowest TLS version accepted", choice(c.tls_min_version, {net::tls_version_name(net::TlsVersion::V1_2),
                                    net::tls_version_name(net::TlsVersion::V1_3)})},
        {"api_token",
         "Bearer token the HTTP API and /metrics require (Authorization: Bearer TOKEN); empty: "
         "only loopback peers, with a loopback Host header, are served. Never logged or shown",
         &c.api_token},
        {"metrics_max_streams",
         "streams that get their own series in /metrics (by app and name); beyond that many only "
         "the totals are given, so that a scrape stays bounded",
         &c.metrics_max_streams, IntRange{0, 1000000}},
        {"log_level", "least severe log level printed",
         choice(c.log_level, {"debug", "info", "warn", "error"})},
        {"log_format", "log line format on stderr", choice(c.log_format, {"human", "json"})},
        {"max_connections", "connections served at once; more are closed at accept",
         &c.max_connections, IntRange{1, 10000000}},
        {"max_connections_per_ip",
         "connections served at once from one address (IPv6: one /64); more are closed at "
         "accept; 0: no limit. This refuses a benchmark of thousands of players from 127.0.0.1: "
         "`make bench` and the tests that open many connections pass a higher value",
         &c.max_connections_per_ip, IntRange{0, 10000000}},
        {"max_connection_rate_per_ip",
         "new connections per second from one address (IPv6: one /64), in bursts of up to that "
         "many; faster ones are closed at accept; 0: no limit. Like max_connections_per_ip, the "
         "benchmark and many-connection tests pass 0",
         &c.max_connection_rate_per_ip, IntRange{0, 10000000}},
        {"max_memory",
         "global budget in bytes for buffered input and output: shared chunk buffers (the GOP "
         "caches and fan-out buffers) count once, each session's own bytes (partial input, "
         "replies, private copies) per session. From three quarters of it new connections are "
         "closed at accept; above it the sessions holding the most bytes of their own are closed; "
         "0: no budget",
         &c.max_memory},
        {"idle_timeout",
         "a connection that has not started to publish or play this long after its connect is "
         "closed (players waiting for a publisher, play_wait_timeout, are not idle); 0: never",
         &c.idle_timeout},
        {"max_command_rate",
         "commands (AMF0/AMF3 command messages) per second one session may send, in bursts of "
         "up to that many; a session over it is closed; 0: no limit",
         &c.max_command_rate, IntRange{0, 1000000}},
        {"max_control_rate",
         "protocol control and user control messages (ping, set chunk size, acknowledgement, "
         "window size, abort) per second one session may send, in bursts of up to that many; a "
         "session over it is closed; 0: no limit",
         &c.max_control_rate, IntRange{0, 1000000}},
        {"handshake_timeout", "time allowed from accept to a finished handshake and connect",
         &c.handshake_timeout},
        {"idle_publisher_timeout", "a publisher that sends nothing for this long is closed",
         &c.idle_publisher_timeout},
        {"write_timeout", "a player whose socket accepts no bytes for this long is closed",
         &c.write_timeout},
        {"play_wait_timeout",
         "how long a play waits for its publisher before NetStream.Play.StreamNotFound; 0 waits "
         "while the player stays connected",
         &c.play_wait_timeout},
        {"unpublish_notify_delay",
         "when a publisher leaves, its players get StreamEOF and NetStream.Play.UnpublishNotify "
         "after this long, unless a publisher of the stream comes back first (then they just "
         "continue: ffmpeg and VLC end playback on UnpublishNotify); 0 tells them at once",
         &c.unpublish_notify_delay},
        {"write_coalesce",
         "the longest a player's bytes may wait to be sent together in one writev (as SRS's "
         "merged writes); 0 sends what one event-loop turn queued at its end. The wait adapts "
         "to the load: with few players bytes go out at once, and it grows with the players "
         "that have output in each period, reaching this value at 100 (the log and the API's "
         "write_merge say what it is). With many players this saves most of the system calls "
         "(at 1000 players of a 600 kbit/s stream, 50ms costs a third of the CPU of 0); a new "
         "player's first bytes are never held",
         &c.write_coalesce},
        {"chunk_size", "outgoing chunk size announced to every peer", &c.chunk_size,
         IntRange{128, 0xFFFFFF}},
        {"max_message_size", "largest message accepted from a peer, in bytes", &c.max_message_size,
         IntRange{1024, 0xFFFFFF + 1}},
        {"gop_cache", "keep the current GOP so that a new player starts at once", &c.gop_cache},
        {"gop_cache_max_frames", "most video frames kept in the GOP cache", &c.gop_cache_max_frames,
         IntRange{1, 1000000}},
        {"gop_cache_max_bytes",
         "most bytes kept in the GOP cache, counting each message twice (its payload and its "
         "chunked copy, which is what the cache holds)",
         &c.gop_cache_max_bytes, IntRange{1, 0x7FFFFFFF}},
        {"gop_cache_max_messages",
         "most messages (video and audio) kept in the GOP cache; the default holds 30 s of 60 fps "
         "video with 50 audio messages a second, twice over. A player's queue holds at most twice "
         "this many unsent messages",
         &c.gop_cache_max_messages, IntRange{16, 1000000}},
        {"max_control_output",
         "bytes of command replies and control messages (not media) that may wait unsent for one "
         "peer; a peer that sends requests and does not read the replies is closed past it",
         &c.max_control_output, IntRange{4096, 0x7FFFFFFF}},
        {"max_metadata_size",
         "largest onMetaData (or @setDataFrame) a publisher may send, in bytes; a bigger one is "
         "dropped and logged",
         &c.max_metadata_size, IntRange{1024, 0xFFFFFF}},
        {"player_queue_max_bytes",
         "bytes queued for one player before its frames are dropped (with "
         "rtmp.server_buffer_enabled: false, a quarter of it)",
         &c.player_queue_max_bytes, IntRange{65536, 0x7FFFFFFF}},
        {"player_queue_max_time",
         "media time queued for one player before its frames are dropped (with "
         "rtmp.server_buffer_enabled: false, a quarter of it)",
         &c.player_queue_max_time},
        {"publish_conflict",
         "what a second publisher of a live stream name gets: reject (NetStream.Publish.BadName) "
         "or replace (the first publisher is closed)",
         choice(c.publish_conflict, {"reject", "replace"})},
        {"record",
         "which publications are recorded to FLV files: none, all, or param (those whose stream "
         "parameters say record=true, as in rtmp://host/live/name?record=true); a hook backend "
         "may decide otherwise when rest_overwrite lists record",
         choice(c.record, {"none", "all", "param"})},
        {"record_path",
         "file name template of recordings, relative to the working directory or absolute; "
         "{app}, {streamName}, {mediaSessionId} (each made safe: no '/', no leading '.', no "
         "control bytes, at most 64 bytes) and {startTime} (UTC YYYYMMDD-HHMMSS of the file's "
         "start) are replaced; directories are created. A file is written as NAME.part and "
         "renamed when finished; an existing file is never replaced (NAME-1.flv, ... instead)",
         &c.record_path},
        {"record_max_duration",
         "a recording is split into a new file at the first keyframe (audio-only: audio frame) "
         "after a file has lasted this long; 0: no split by time",
         &c.record_max_duration},
        {"record_max_size",
         "a recording is split into a new file at the first keyframe (audio-only: audio frame) "
         "after a file has reached this many bytes; 0: no split by size",
         &c.record_max_size, IntRange{0, 0x7FFFFFFF}},
        {"record_queue_max_bytes",
         "bytes of one recording that may wait for the disk; past it (a disk that does not keep "
         "up) the recording stops and the log says so, the live stream goes on",
         &c.record_queue_max_bytes, IntRange{1024 * 1024, 0x7FFFFFFF}},
        {"rtmp_server_enabled", "serve RTMP players; when false, play is refused and publish works",
         &c.rtmp_server_enabled},
        {"rtmfp_server_enabled", "accepted for WCS compatibility; RTMFP is not supported",
         &c.rtmfp_server_enabled},
        {"rtmp_send_video_first",
         "the first media a player gets is video (sequence header, keyframe); audio before it is "
         "held back",
         &c.rtmp_send_video_first},
        {"rtmp_use_stream_params_as_connection",
         "treat rtmp://host/app/name?k=v as rtmp://host/app?k=v/name: stream parameters are also "
         "connection parameters",
         &c.rtmp_use_stream_params_as_connection},
        {"rtmp.server_buffer_enabled",
         "large per-player buffers so that big (FullHD, 2K, 4K) frames are never dropped under "
         "load; frames are never split or cut either way",
         &c.server_buffer_enabled},
        {"webrtc_udp_listen",
         "UDP address of WebRTC (WHIP) ingest, ADDR:PORT or [V6ADDR]:PORT: one port for every "
         "session (ICE-lite); empty turns WHIP off. Browsers publish with POST /whip/{app}/{name} "
         "on the HTTP and HTTPS listeners, or from the page /publish; with neither listener it is "
         "not bound. When the default address cannot be bound, the server logs a warning and "
         "serves without WebRTC",
         &c.webrtc_udp_listen},
        {"webrtc_candidates",
         "addresses announced to browsers as ICE host candidates for webrtc_udp_listen's port; "
         "repeatable; empty: the listen address, or every address of the host's interfaces when "
         "it listens on 0.0.0.0 or [::]. Behind NAT, give the public address",
         &c.webrtc_candidates, std::nullopt, "ADDRESS"},
        {"webrtc_timeout",
         "a WebRTC publisher silent this long (no media, no ICE consent check) is unpublished; "
         "a session answered by WHIP that never connects expires after it too",
         &c.webrtc_timeout},
        {"webrtc_keyframe_interval",
         "how often a WebRTC publisher is asked for a keyframe (RTCP PLI), so that the GOP cache "
         "starts at a keyframe; a player joining a stream without one asks at once; 0: only then",
         &c.webrtc_keyframe_interval},
        {"webrtc_max_bitrate",
         "the video bitrate a WebRTC publisher is allowed (RTCP REMB), in kbit/s",
         &c.webrtc_max_bitrate, IntRange{100, 100000}},
        {"webrtc_audio",
         "what a WebRTC publisher's audio becomes: aac (Opus decoded and encoded to AAC), pcma or "
         "pcmu (G.711 passed through, FLV sound formats 7 and 8); when the browser does not offer "
         "it, the next of these it offers",
         choice(c.webrtc_audio, {"aac", "pcma", "pcmu"})},
        {"node_id", "node name reported in logs and hooks (default: the host name)", &c.node_id},
        {"rest_hook_url",
         "REST hook backend, e.g. http://localhost:8081/apps/EchoApp; rtmp-serve POSTs JSON to "
         "<url>/connect, /publishStream, /playStream (to decide) and /ConnectionStatusEvent, "
         "/StreamStatusEvent, /unPublishStream, /stopStream, /RecordingStatusEvent (to tell); "
         "empty: no hooks",
         &c.rest_hook_url},
        {"rest_request_timeout", "how long a hook request may take", &c.rest_request_timeout},
        {"rest_on_error",
         "when the backend times out or cannot be reached: FAIL refuses the connect, publish or "
         "play; LOG allows it and logs",
         choice(c.rest_on_error, {"FAIL", "LOG"})},
        {"rest_overwrite",
         "fields a backend may change by returning them in its 2xx answer (e.g. name, record); "
         "repeatable",
         &c.rest_overwrite, std::nullopt, "FIELD"},
        {"rest_hook_secret",
         "key of the HMAC-SHA256 of each hook body, sent as X-Rtmpkit-Signature: sha256=<hex>; "
         "empty: unsigned",
         &c.rest_hook_secret},
        {"rest_event_retries", "extra attempts of a status event the backend did not take",
         &c.rest_event_retries, IntRange{0, 100}},
        {"rest_event_queue_max",
         "status events waiting for the backend (in flight or to be retried); more are dropped "
         "and counted in the log",
         &c.rest_event_queue_max, IntRange{1, 10000000}},
    };
}

std::string flag_of(const std::string& key) {
    std::string f = "--" + key;
    for (char& ch : f)
        if (ch == '_') ch = '-';
    return f;
}

std::string Setting::text() const {
    return std::visit(
        [](const auto& t) -> std::string {
            using T = std::decay_t<decltype(t)>;
            if constexpr (std::is_same_v<T, bool*>) return *t ? "true" : "false";
            else if constexpr (std::is_same_v<T, int*>) return std::to_string(*t);
            else if constexpr (std::is_same_v<T, std::string*>) return *t;
            else if constexpr (std::is_same_v<T, Duration*>) return format_duration(*t);
            else if constexpr (std::is_same_v<T, ChoiceTarget>) return t.names.at(t.get());
            else return CLI::detail::join(*t, ",");
        },
        target);
}

bool Setting::parse(const std::string& text, std::string& why) {
    if (auto* b = std::get_if<bool*>(&target)) {
        std::string t = text;  // YAML writes True and TRUE too
        std::transform(t.begin(), t.end(), t.begin(), [](unsigned char ch) { return std::tolower(ch); });
        if (t == "true" || t == "1" || t == "yes" || t == "on") **b = true;
        else if (t == "false" || t == "0" || t == "no" || t == "off") **b = false;
        else return why = "'" + text + "' is not true or false", false;
    } else if (auto* i = std::get_if<int*>(&target)) {
        long long v = 0;
        std::size_t pos = 0;
        try {
            v = std::stoll(text, &pos);
        } catch (...) {
            pos = 0;
        }
        if (pos == 0 || pos != text.size() || v < INT32_MIN || v > INT32_MAX)
            return why = "'" + text + "' is not an integer", false;
        if (range && (v < range->min || v > range->max))
            return why = "must be " + std::to_string(range->min) + ".." + std::to_string(range->max) +
                         " (not " + text + ")",
                   false;
        **i = int(v);
    } else if (auto* str = std::get_if<std::string*>(&target)) {
        **str = text;
    } else if (auto* d = std::get_if<Duration*>(&target)) {
        auto v = parse_duration(text);
        if (!v) return why = "'" + text + "' is not a duration (e.g. 500ms, 5s, 2m)", false;
        **d = *v;
    } else if (auto* c = std::get_if<ChoiceTarget>(&target)) {
        auto it = std::find(c->names.begin(), c->names.end(), text);
        if (it == c->names.end())
            return why = "'" + text + "' is not one of " + CLI::detail::join(c->names, ", "), false;
        c->set(std::size_t(it - c->names.begin()));
    } else if (auto* list = std::get_if<std::vector<std::string>*>(&target)) {
        (*list)->push_back(text);
    }
    return true;
}

std::string Setting::full_help() const {
    if (range) return help + " (" + std::to_string(range->min) + ".." + std::to_string(range->max) + ")";
    return help;
}

namespace {

std::optional<ConfigError> assign(Setting& s, const YAML::Node& node) {
    auto bad = [&](const std::string& why) {
        return ConfigError{ConfigErrc::BadValue, s.key + ": " + why};
    };
    try {
        if (auto* list = std::get_if<std::vector<std::string>*>(&s.target)) {
            (*list)->clear();
            if (node.IsSequence()) {
                for (const auto& item : node) (*list)->push_back(item.as<std::string>());
            } else {
                (*list)->push_back(node.as<std::string>());
            }
            return std::nullopt;
        }
        if (!node.IsScalar() && !node.IsNull()) return bad("expected a single value");
        std::string why;
        if (!s.parse(node.IsNull() ? "" : node.as<std::string>(), why)) return bad(why);
    } catch (const YAML::Exception& e) {
        return bad("expected a single value");
    }
    return std::nullopt;
}

std::optional<ConfigError> load_node(const YAML::Node& node, const std::string& prefix,
                                     std::vector<Setting>& table) {
    for (const auto& kv : node) {
        std::string key = prefix + kv.first.as<std::string>();
        Setting* match = nullptr;
        for (auto& s : table)
            if (s.key == key) match = &s;
        if (!match && kv.second.IsMap()) {
            if (auto e = load_node(kv.second, key + ".", table)) return e;
            continue;
        }
        if (!match) return ConfigError{ConfigErrc::UnknownKey, "unknown key '" + key + "'"};
        if (auto e = assign(*match, kv.second)) return e;
    }
    return std::nullopt;
}

}  // namespace

std::optional<ConfigError> load_yaml_text(const std::string& text, Config& config) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        return ConfigError{ConfigErrc::Yaml, e.what()};
    }
    if (root.IsNull()) return std::nullopt;
    if (!root.IsMap()) return ConfigError{ConfigErrc::Yaml, "the top level must be a map of keys"};
    auto table = settings_of(config);
    return load_node(root, "", table);
}

std::optional<ConfigError> load_yaml_file(const std::string& path, Config& config) {
    std::ifstream in(path);
    if (!in) return ConfigError{ConfigErrc::Io, "cannot read " + path};
    std::stringstream ss;
    ss << in.rdbuf();
    auto e = load_yaml_text(ss.str(), config);
    if (e) e->message = path + ": " + e->message;
    return e;
}

std::optional<ConfigError> validate(Config& config) {
    // Flags are checked by their parsers; a Config built in code is checked here alike.
    for (auto& s : settings_of(config)) {
        const auto* i = std::get_if<int*>(&s.target);
        if (i && s.range && (**i < s.range->min || **i > s.range->max))
            return ConfigError{ConfigErrc::BadValue,
                               s.key + ": must be " + std::to_string(s.range->min) + ".." +
                                   std::to_string(s.range->max) + " (not " + std::to_string(**i) + ")"};
    }
    if (config.listen.empty()) return ConfigError{ConfigErrc::BadValue, "listen: no address"};
    for (const auto& a : config.listen)
        if (!net::parse_listen_address(a))
            return ConfigError{ConfigErrc::BadValue, "listen: '" + a + "' is not ADDR:PORT"};
    // An empty value turns HTTP off: `--http-listen ""` alone, or beside other addresses.
    std::erase(config.http_listen, std::string());
    for (const auto& a : config.http_listen)
        if (!net::parse_listen_address(a))
            return ConfigError{ConfigErrc::BadValue, "http_listen: '" + a + "' is not ADDR:PORT"};
    std::erase(config.rtmps_listen, std::string());
    std::erase(config.https_listen, std::string());
    for (const auto* list : {&config.rtmps_listen, &config.https_listen})
        for (const auto& a : *list)
            if (!net::parse_listen_address(a))
                return ConfigError{ConfigErrc::BadValue,
                                   std::string(list == &config.rtmps_listen ? "rtmps_listen"
                                                                            : "https_listen") +
                                       ": '" + a + "' is not ADDR:PORT"};
    if ((!config.rtmps_listen.empty() || !config.https_listen.empty()) &&
        (config.tls_cert.empty() || config.tls_key.empty()))
        return ConfigError{ConfigErrc::BadValue,
                           "rtmps_listen and https_listen need tls_cert and tls_key"};
    if (!config.webrtc_udp_listen.empty() && !net::parse_listen_address(config.webrtc_udp_listen))
        return ConfigError{ConfigErrc::BadValue,
                           "webrtc_udp_listen: '" + config.webrtc_udp_listen + "' is not ADDR:PORT"};
    std::erase(config.webrtc_candidates, std::string());
    for (const auto& a : config.webrtc_candidates)
        if (!net::parse_listen_address((a.find(':') != std::string::npos ? "[" + a + "]" : a) +
                                       ":1"))
            return ConfigError{ConfigErrc::BadValue,
                               "webrtc_candidates: '" + a + "' is not an IP address"};
    if (config.max_memory != 0 && config.max_memory < 1024 * 1024)
        return ConfigError{ConfigErrc::BadValue, "max_memory: must be 0 (no budget) or >= 1048576"};
    if (auto bad = record::bad_template(config.record_path))
        return ConfigError{ConfigErrc::BadValue, "record_path: '" + config.record_path + "' " + *bad};
    return std::nullopt;
}

void add_flags(CLI::App& app, Config& config) {
    for (auto& s : settings_of(config)) {
        const std::string flag = flag_of(s.key);
        const std::string help = s.full_help() + "  [YAML: " + s.key + "]";
        CLI::Option* opt = nullptr;
        if (auto* list = std::get_if<std::vector<std::string>*>(&s.target)) {
            opt = app.add_option(flag, **list, help)->type_name(s.metavar);
        } else {
            // Each value goes through the table's parser: one rule for flags and YAML.
            opt = app.add_option_function<std::string>(
                flag,
                [s](const std::string& text) mutable {
                    std::string why;
                    if (!s.parse(text, why)) throw CLI::ValidationError(flag_of(s.key), why);
                },
                help);
            const char* type = std::holds_alternative<bool*>(s.target)       ? "BOOL"
                               : std::holds_alternative<int*>(s.target)      ? "INT"
                               : std::holds_alternative<Duration*>(s.target) ? "DURATION"
                                                                             : "TEXT";
            opt->type_name(type);
            opt->default_str(s.text());
            // Shells complete the names (completions read the check).
            if (const auto* c = std::get_if<ChoiceTarget>(&s.target)) opt->check(CLI::IsMember(c->names));
        }
        if (opt && std::holds_alternative<std::vector<std::string>*>(s.target))
            opt->capture_default_str();
    }
}

std::string to_commented_yaml(Config& config) {
    std::ostringstream out;
    out << "# rtmp-serve configuration: every key with its default.\n"
           "# Each key is also a command-line flag: key_name -> --key-name.\n";
    for (auto& s : settings_of(config)) {
        out << "\n# " << s.full_help();
        if (const auto* c = std::get_if<ChoiceTarget>(&s.target))
            out << " (" << CLI::detail::join(c->names, ", ") << ")";
        out << "\n";
        YAML::Emitter e;
        e << YAML::BeginMap << YAML::Key << s.key << YAML::Value;
        if (auto* b = std::get_if<bool*>(&s.target)) e << **b;
        else if (auto* i = std::get_if<int*>(&s.target)) e << **i;
        else if (auto* list = std::get_if<std::vector<std::string>*>(&s.target))
            e << YAML::Flow << **list;
        else e << YAML::DoubleQuoted << s.text();
        e << YAML::EndMap;
        out << e.c_str() << "\n";
    }
    return out.str();
}

}  // namespace server
