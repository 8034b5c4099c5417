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
        {"listen", "address to listen on, ADDR:PORT or [V6ADDR]:PORT; repeatable", &c.listen, {},
         false, "ADDRESS"},
        {"http_listen",
         "address of the HTTP API, /metrics and the status page, ADDR:PORT or [V6ADDR]:PORT; "
         "repeatable; an empty value turns HTTP off. When the default address cannot be bound "
         "(another rtmp-serve has it), the server logs a warning and serves RTMP without HTTP; "
         "an address given otherwise must be bound",
         &c.http_listen, {}, false, "ADDRESS"},
        {"rtmps_listen",
         "address for RTMP over TLS (rtmps://), ADDR:PORT or [V6ADDR]:PORT; repeatable; needs "
         "tls_cert and tls_key. Port 443 needs CAP_NET_BIND_SERVICE (see the systemd unit), not "
         "root",
         &c.rtmps_listen, {}, false, "ADDRESS"},
        {"https_listen",
         "address for the HTTP side over TLS (API, /metrics, status page); repeatable; needs "
         "tls_cert and tls_key",
         &c.https_listen, {}, false, "ADDRESS"},
        {"tls_cert",
         "PEM certificate for rtmps_listen and https_listen; a chain file works (the server's "
         "certificate first). Re-read on SIGHUP for new sessions; a bad new one keeps the old",
         &c.tls_cert, {}},
        {"tls_key", "PEM private key of tls_cert (re-read with it)", &c.tls_key, {}},
        {"tls_min_version", "lowest TLS version accepted", &c.tls_min_version, {"1.2", "1.3"}},
        {"api_token",
         "Bearer token the HTTP API and /metrics require (Authorization: Bearer TOKEN); empty: "
         "only loopback peers, with a loopback Host header, are served. Never logged or shown",
         &c.api_token, {}},
        {"metrics_max_streams",
         "streams that get their own series in /metrics (by app and name); beyond that many only "
         "the totals are given, so that a scrape stays bounded",
         &c.metrics_max_streams, {}},
        {"log_level", "least severe log level printed", &c.log_level,
         {"debug", "info", "warn", "error"}},
        {"log_format", "log line format on stderr", &c.log_format, {"human", "json"}},
        {"max_connections", "connections served at once; more are closed at accept",
         &c.max_connections, {}},
        {"max_connections_per_ip",
         "connections served at once from one address (IPv6: one /64); more are closed at "
         "accept; 0: no limit. This refuses a benchmark of thousands of players from 127.0.0.1: "
         "`make bench` and the tests that open many connections pass a higher value",
         &c.max_connections_per_ip, {}},
        {"max_connection_rate_per_ip",
         "new connections per second from one address (IPv6: one /64), in bursts of up to that "
         "many; faster ones are closed at accept; 0: no limit. Like max_connections_per_ip, the "
         "benchmark and many-connection tests pass 0",
         &c.max_connection_rate_per_ip, {}},
        {"max_memory",
         "global budget in bytes for buffered input and output: shared chunk buffers (the GOP "
         "caches and fan-out buffers) count once, each session's own bytes (partial input, "
         "replies, private copies) per session. From three quarters of it new connections are "
         "closed at accept; above it the sessions holding the most bytes of their own are closed; "
         "0: no budget",
         &c.max_memory, {}},
        {"idle_timeout",
         "a connection that has not started to publish or play this long after its connect is "
         "closed (players waiting for a publisher, play_wait_timeout, are not idle); 0: never",
         &c.idle_timeout, {}, true},
        {"max_command_rate",
         "commands (AMF0/AMF3 command messages) per second one session may send, in bursts of "
         "up to that many; a session over it is closed; 0: no limit",
         &c.max_command_rate, {}},
        {"max_control_rate",
         "protocol control and user control messages (ping, set chunk size, acknowledgement, "
         "window size, abort) per second one session may send, in bursts of up to that many; a "
         "session over it is closed; 0: no limit",
         &c.max_control_rate, {}},
        {"handshake_timeout", "time allowed from accept to a finished handshake and connect",
         &c.handshake_timeout, {}, true},
        {"idle_publisher_timeout", "a publisher that sends nothing for this long is closed",
         &c.idle_publisher_timeout, {}, true},
        {"write_timeout", "a player whose socket accepts no bytes for this long is closed",
         &c.write_timeout, {}, true},
        {"play_wait_timeout",
         "how long a play waits for its publisher before NetStream.Play.StreamNotFound; 0 waits "
         "while the player stays connected",
         &c.play_wait_timeout, {}, true},
        {"unpublish_notify_delay",
         "when a publisher leaves, its players get StreamEOF and NetStream.Play.UnpublishNotify "
         "after this long, unless a publisher of the stream comes back first (then they just "
         "continue: ffmpeg and VLC end playback on UnpublishNotify); 0 tells them at once",
         &c.unpublish_notify_delay, {}, true},
        {"write_coalesce",
         "the longest a player's bytes may wait to be sent together in one writev (as SRS's "
         "merged writes); 0 sends what one event-loop turn queued at its end. The wait adapts "
         "to the load: with few players bytes go out at once, and it grows with the players "
         "that have output in each period, reaching this value at 100 (the log and the API's "
         "write_merge say what it is). With many players this saves most of the system calls "
         "(at 1000 players of a 600 kbit/s stream, 50ms costs a third of the CPU of 0); a new "
         "player's first bytes are never held",
         &c.write_coalesce, {}, true},
        {"chunk_size", "outgoing chunk size announced to every peer (128..16777215)", &c.chunk_size,
         {}},
        {"max_message_size", "largest message accepted from a peer, in bytes", &c.max_message_size,
         {}},
        {"gop_cache", "keep the current GOP so that a new player starts at once", &c.gop_cache, {}},
        {"gop_cache_max_frames", "most video frames kept in the GOP cache", &c.gop_cache_max_frames,
         {}},
        {"gop_cache_max_bytes",
         "most bytes kept in the GOP cache, counting each message twice (its payload and its "
         "chunked copy, which is what the cache holds)",
         &c.gop_cache_max_bytes, {}},
        {"gop_cache_max_messages",
         "most messages (video and audio) kept in the GOP cache; the default holds 30 s of 60 fps "
         "video with 50 audio messages a second, twice over. A player's queue holds at most twice "
         "this many unsent messages",
         &c.gop_cache_max_messages, {}},
        {"max_control_output",
         "bytes of command replies and control messages (not media) that may wait unsent for one "
         "peer; a peer that sends requests and does not read the replies is closed past it",
         &c.max_control_output, {}},
        {"max_metadata_size",
         "largest onMetaData (or @setDataFrame) a publisher may send, in bytes; a bigger one is "
         "dropped and logged",
         &c.max_metadata_size, {}},
        {"player_queue_max_bytes",
         "bytes queued for one player before its frames are dropped (with "
         "rtmp.server_buffer_enabled: false, a quarter of it)",
         &c.player_queue_max_bytes, {}},
        {"player_queue_max_time",
         "media time queued for one player before its frames are dropped (with "
         "rtmp.server_buffer_enabled: false, a quarter of it)",
         &c.player_queue_max_time, {}, true},
        {"publish_conflict",
         "what a second publisher of a live stream name gets: reject (NetStream.Publish.BadName) "
         "or replace (the first publisher is closed)",
         &c.publish_conflict, {"reject", "replace"}},
        {"record",
         "which publications are recorded to FLV files: none, all, or param (those whose stream "
         "parameters say record=true, as in rtmp://host/live/name?record=true); a hook backend "
         "may decide otherwise when rest_overwrite lists record",
         &c.record, {"none", "all", "param"}},
        {"record_path",
         "file name template of recordings, relative to the working directory or absolute; "
         "{app}, {streamName}, {mediaSessionId} (each made safe: no '/', no leading '.', no "
         "control bytes, at most 64 bytes) and {startTime} (UTC YYYYMMDD-HHMMSS of the file's "
         "start) are replaced; directories are created. A file is written as NAME.part and "
         "renamed when finished; an existing file is never replaced (NAME-1.flv, ... instead)",
         &c.record_path, {}},
        {"record_max_duration",
         "a recording is split into a new file at the first keyframe (audio-only: audio frame) "
         "after a file has lasted this long; 0: no split by time",
         &c.record_max_duration, {}, true},
        {"record_max_size",
         "a recording is split into a new file at the first keyframe (audio-only: audio frame) "
         "after a file has reached this many bytes (at most 2147483647); 0: no split by size",
         &c.record_max_size, {}},
        {"record_queue_max_bytes",
         "bytes of one recording that may wait for the disk; past it (a disk that does not keep "
         "up) the recording stops and the log says so, the live stream goes on",
         &c.record_queue_max_bytes, {}},
        {"rtmp_server_enabled", "serve RTMP players; when false, play is refused and publish works",
         &c.rtmp_server_enabled, {}},
        {"rtmfp_server_enabled", "accepted for WCS compatibility; RTMFP is not supported",
         &c.rtmfp_server_enabled, {}},
        {"rtmp_send_video_first",
         "the first media a player gets is video (sequence header, keyframe); audio before it is "
         "held back",
         &c.rtmp_send_video_first, {}},
        {"rtmp_use_stream_params_as_connection",
         "treat rtmp://host/app/name?k=v as rtmp://host/app?k=v/name: stream parameters are also "
         "connection parameters",
         &c.rtmp_use_stream_params_as_connection, {}},
        {"rtmp.server_buffer_enabled",
         "large per-player buffers so that big (FullHD, 2K, 4K) frames are never dropped under "
         "load; frames are never split or cut either way",
         &c.server_buffer_enabled, {}},
        {"node_id", "node name reported in logs and hooks (default: the host name)", &c.node_id,
         {}},
        {"rest_hook_url",
         "REST hook backend, e.g. http://localhost:8081/apps/EchoApp; rtmp-serve POSTs JSON to "
         "<url>/connect, /publishStream, /playStream (to decide) and /ConnectionStatusEvent, "
         "/StreamStatusEvent, /unPublishStream, /stopStream, /RecordingStatusEvent (to tell); "
         "empty: no hooks",
         &c.rest_hook_url, {}},
        {"rest_request_timeout", "how long a hook request may take", &c.rest_request_timeout, {},
         true},
        {"rest_on_error",
         "when the backend times out or cannot be reached: FAIL refuses the connect, publish or "
         "play; LOG allows it and logs",
         &c.rest_on_error, {"FAIL", "LOG"}},
        {"rest_overwrite",
         "fields a backend may change by returning them in its 2xx answer (e.g. name, record); "
         "repeatable",
         &c.rest_overwrite, {}, false, "FIELD"},
        {"rest_hook_secret",
         "key of the HMAC-SHA256 of each hook body, sent as X-Rtmpkit-Signature: sha256=<hex>; "
         "empty: unsigned",
         &c.rest_hook_secret, {}},
        {"rest_event_retries", "extra attempts of a status event the backend did not take",
         &c.rest_event_retries, {}},
        {"rest_event_queue_max",
         "status events waiting for the backend (in flight or to be retried); more are dropped "
         "and counted in the log",
         &c.rest_event_queue_max, {}},
    };
}

std::string flag_of(const std::string& key) {
    std::string f = "--" + key;
    for (char& ch : f)
        if (ch == '_') ch = '-';
    return f;
}

long long duration_ms(const std::string& text) {
    if (text.empty()) return -1;
    std::size_t pos = 0;
    double value = 0;
    try {
        value = std::stod(text, &pos);
    } catch (...) {
        return -1;
    }
    std::string unit = text.substr(pos);
    double scale = 1000;
    if (unit == "ms") scale = 1;
    else if (unit == "s" || unit.empty()) scale = 1000;
    else if (unit == "m") scale = 60000;
    else return -1;
    if (!(value >= 0) || !std::isfinite(value)) return -1;
    return static_cast<long long>(value * scale + 0.5);
}

namespace {

std::optional<ConfigError> assign(Setting& s, const YAML::Node& node) {
    auto bad = [&](const std::string& why) {
        return ConfigError{ConfigErrc::BadValue, s.key + ": " + why};
    };
    try {
        if (auto* b = std::get_if<bool*>(&s.target)) {
            **b = node.as<bool>();
        } else if (auto* i = std::get_if<int*>(&s.target)) {
            **i = node.as<int>();
        } else if (auto* str = std::get_if<std::string*>(&s.target)) {
            **str = node.IsNull() ? "" : node.as<std::string>();
        } else if (auto* list = std::get_if<std::vector<std::string>*>(&s.target)) {
            (*list)->clear();
            if (node.IsSequence()) {
                for (const auto& item : node) (*list)->push_back(item.as<std::string>());
            } else {
                (*list)->push_back(node.as<std::string>());
            }
        }
    } catch (const YAML::Exception& e) {
        return bad("expected " + std::string(std::holds_alternative<bool*>(s.target) ? "true or false"
                                             : std::holds_alternative<int*>(s.target) ? "an integer"
                                                                                       : "a string"));
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
    for (auto& s : settings_of(config)) {
        auto bad = [&](const std::string& why) {
            return ConfigError{ConfigErrc::BadValue, s.key + ": " + why};
        };
        if (auto* str = std::get_if<std::string*>(&s.target)) {
            if (s.duration && duration_ms(**str) < 0)
                return bad("'" + **str + "' is not a duration (e.g. 500ms, 5s, 2m)");
            if (!s.choices.empty() &&
                std::find(s.choices.begin(), s.choices.end(), **str) == s.choices.end())
                return bad("'" + **str + "' is not one of " + CLI::detail::join(s.choices, ", "));
        }
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
    if (config.metrics_max_streams < 0)
        return ConfigError{ConfigErrc::BadValue, "metrics_max_streams: must be 0 or positive"};
    if (config.chunk_size < 128 || config.chunk_size > 0xFFFFFF)
        return ConfigError{ConfigErrc::BadValue, "chunk_size: must be 128..16777215"};
    if (config.max_message_size < 1024 || config.max_message_size > 0xFFFFFF + 1)
        return ConfigError{ConfigErrc::BadValue, "max_message_size: must be 1024..16777216"};
    if (config.max_connections < 1)
        return ConfigError{ConfigErrc::BadValue, "max_connections: must be at least 1"};
    if (config.max_connections_per_ip < 0 || config.max_connection_rate_per_ip < 0 ||
        config.max_command_rate < 0 || config.max_control_rate < 0)
        return ConfigError{ConfigErrc::BadValue,
                           "max_connections_per_ip, max_*_rate: must be 0 (no limit) or positive"};
    if (config.max_memory != 0 && config.max_memory < 1024 * 1024)
        return ConfigError{ConfigErrc::BadValue, "max_memory: must be 0 (no budget) or >= 1048576"};
    if (config.rest_event_queue_max < 1)
        return ConfigError{ConfigErrc::BadValue, "rest_event_queue_max: must be at least 1"};
    if (config.gop_cache_max_frames < 1 || config.gop_cache_max_bytes < 1 ||
        config.player_queue_max_bytes < 65536)
        return ConfigError{ConfigErrc::BadValue,
                           "gop_cache_max_* must be positive, player_queue_max_bytes >= 65536"};
    if (config.gop_cache_max_messages < 16 || config.max_control_output < 4096 ||
        config.max_metadata_size < 1024)
        return ConfigError{ConfigErrc::BadValue,
                           "gop_cache_max_messages must be >= 16, max_control_output >= 4096, "
                           "max_metadata_size >= 1024"};
    if (auto bad = record::bad_template(config.record_path))
        return ConfigError{ConfigErrc::BadValue, "record_path: '" + config.record_path + "' " + *bad};
    if (config.record_max_size < 0)
        return ConfigError{ConfigErrc::BadValue, "record_max_size: must be 0 (no split) or positive"};
    if (config.record_queue_max_bytes < 1024 * 1024)
        return ConfigError{ConfigErrc::BadValue, "record_queue_max_bytes: must be >= 1048576"};
    return std::nullopt;
}

void add_flags(CLI::App& app, Config& config) {
    for (auto& s : settings_of(config)) {
        std::string flag = flag_of(s.key);
        std::string help = s.help + "  [YAML: " + s.key + "]";
        CLI::Option* opt = nullptr;
        if (auto* b = std::get_if<bool*>(&s.target)) {
            opt = app.add_option(flag, **b, help)->type_name("BOOL");
        } else if (auto* i = std::get_if<int*>(&s.target)) {
            opt = app.add_option(flag, **i, help);
        } else if (auto* str = std::get_if<std::string*>(&s.target)) {
            opt = app.add_option(flag, **str, help);
            if (s.duration) opt->type_name("DURATION");
        } else if (auto* list = std::get_if<std::vector<std::string>*>(&s.target)) {
            opt = app.add_option(flag, **list, help)->type_name(s.metavar);
        }
        if (opt) {
            opt->capture_default_str();
            if (!s.choices.empty()) opt->check(CLI::IsMember(s.choices));
        }
    }
}

std::string to_commented_yaml(Config& config) {
    std::ostringstream out;
    out << "# rtmp-serve configuration: every key with its default.\n"
           "# Each key is also a command-line flag: key_name -> --key-name.\n";
    for (auto& s : settings_of(config)) {
        out << "\n# " << s.help;
        if (!s.choices.empty()) out << " (" << CLI::detail::join(s.choices, ", ") << ")";
        out << "\n";
        YAML::Emitter e;
        e << YAML::BeginMap << YAML::Key << s.key << YAML::Value;
        if (auto* b = std::get_if<bool*>(&s.target)) e << **b;
        else if (auto* i = std::get_if<int*>(&s.target)) e << **i;
        else if (auto* str = std::get_if<std::string*>(&s.target)) e << YAML::DoubleQuoted << **str;
        else if (auto* list = std::get_if<std::vector<std::string>*>(&s.target))
            e << YAML::Flow << **list;
        e << YAML::EndMap;
        out << e.c_str() << "\n";
    }
    return out.str();
}

}  // namespace server
