// rtmp-serve configuration: one table of settings is the single source for the YAML keys, the
// command-line flags, --help, the man page and the commented example config.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hook/decision.h"
#include "net/log.h"
#include "net/tls.h"
#include "util/result.h"

namespace CLI {
class App;
}

namespace server {

// Duration settings are parsed once, at load: "500ms", "5s", "2m", or a number of seconds.
using Duration = std::chrono::milliseconds;
std::optional<Duration> parse_duration(std::string_view text);
// The shortest text parse_duration reads back: "0", "250ms", "5s", "2m".
std::string format_duration(Duration d);

enum class PublishConflict { Reject, Replace };
// webrtc_audio: what a WebRTC publisher's audio becomes for RTMP players.
enum class WebrtcAudio { Aac, Pcma, Pcmu };
enum class RecordMode { None, All, Param };

// Values as the server uses them: typed, checked once by the table's parsers and validate().
// The settings table (settings_of) binds each YAML key and flag to one of these fields.
struct Config {
    std::vector<std::string> listen = {"0.0.0.0:1935"};
    std::vector<std::string> http_listen = {"127.0.0.1:8935"};
    std::vector<std::string> rtmps_listen = {};
    std::vector<std::string> https_listen = {};
    std::string tls_cert = "";
    std::string tls_key = "";
    net::TlsVersion tls_min_version = net::TlsVersion::V1_2;
    std::string api_token = "";
    int metrics_max_streams = 100;
    net::LogLevel log_level = net::LogLevel::Info;
    net::LogFormat log_format = net::LogFormat::Human;
    int max_connections = 10000;
    int max_connections_per_ip = 100;
    int max_connection_rate_per_ip = 30;
    int max_memory = 1024 * 1024 * 1024;
    Duration idle_timeout{30000};
    int max_command_rate = 50;
    int max_control_rate = 100;
    Duration handshake_timeout{10000};
    Duration idle_publisher_timeout{30000};
    Duration write_timeout{30000};
    Duration play_wait_timeout{0};
    Duration unpublish_notify_delay{5000};
    Duration write_coalesce{50};
    int chunk_size = 4096;
    int max_message_size = 16 * 1024 * 1024;
    bool gop_cache = true;
    int gop_cache_max_frames = 1800;
    int gop_cache_max_bytes = 64 * 1024 * 1024;
    int gop_cache_max_messages = 8192;
    int max_control_output = 1024 * 1024;
    int max_metadata_size = 64 * 1024;
    int player_queue_max_bytes = 64 * 1024 * 1024;
    Duration player_queue_max_time{10000};
    PublishConflict publish_conflict = PublishConflict::Reject;
    RecordMode record = RecordMode::None;
    std::string record_path = "recordings/{app}/{streamName}-{startTime}.flv";
    Duration record_max_duration{0};
    int record_max_size = 0;
    int record_queue_max_bytes = 16 * 1024 * 1024;
    bool rtmp_server_enabled = true;
    bool rtmfp_server_enabled = false;
    bool rtmp_send_video_first = false;
    bool rtmp_use_stream_params_as_connection = false;
    bool server_buffer_enabled = true;
    std::string webrtc_udp_listen = "0.0.0.0:8189";
    std::vector<std::string> webrtc_candidates = {};
    Duration webrtc_timeout{10000};
    Duration webrtc_keyframe_interval{2000};
    int webrtc_max_bitrate = 8000;
    WebrtcAudio webrtc_audio = WebrtcAudio::Aac;
    std::string node_id = "";
    std::string rest_hook_url = "";
    Duration rest_request_timeout{5000};
    hook::OnError rest_on_error = hook::OnError::Fail;
    std::vector<std::string> rest_overwrite = {};
    std::string rest_hook_secret = "";
    int rest_event_retries = 3;
    int rest_event_queue_max = 1000;
};

// An enum setting: its names in the order of the enum's values, and the field they set.
struct ChoiceTarget {
    std::vector<std::string> names;
    std::function<std::size_t()> get;
    std::function<void(std::size_t)> set;
};
template <class E>
ChoiceTarget choice(E& field, std::vector<std::string> names) {
    return {std::move(names), [&field] { return std::size_t(field); },
            [&field](std::size_t i) { field = E(i); }};
}

// An integer's allowed range, checked at load; stated in --help, the man page and the example.
struct IntRange {
    long long min, max;
};

// One setting: its YAML key (the WCS name where WCS has one), help text, and the field it sets.
struct Setting {
    std::string key;
    std::string help;
    std::variant<bool*, int*, std::string*, std::vector<std::string>*, Duration*, ChoiceTarget>
        target;
    std::optional<IntRange> range = std::nullopt;  // int settings
    std::string metavar = "";                      // value placeholder in --help (lists)

    // The value as YAML and flags write it.
    std::string text() const;
    // Sets the value from that text; false with `why` when it does not parse or fit.
    bool parse(const std::string& text, std::string& why);
    // Help with the range appended (choices are listed by the flag's check).
    std::string full_help() const;
};

std::vector<Setting> settings_of(Config& config);

// The command-line flag of a key: "--" + key with '_' turned into '-'.
std::string flag_of(const std::string& key);

enum class ConfigErrc { Io, Yaml, UnknownKey, BadValue };
using ConfigError = util::Error<ConfigErrc>;

// Reads a YAML file over `config`: a flat map of keys; nested maps join keys with '.'
// (`rtmp: {server_buffer_enabled: false}` is `rtmp.server_buffer_enabled`).
std::optional<ConfigError> load_yaml_file(const std::string& path, Config& config);
std::optional<ConfigError> load_yaml_text(const std::string& text, Config& config);

// Checks what the table's parsers do not: ranges, listen addresses, combinations.
std::optional<ConfigError> validate(Config& config);

// Adds a flag for every setting to `app`, bound to the fields of `config`.
void add_flags(CLI::App& app, Config& config);

// The commented YAML of every key with its current value: `rtmp-serve --print-config`.
std::string to_commented_yaml(Config& config);

}  // namespace server
