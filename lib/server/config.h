// rtmp-serve configuration: one table of settings is the single source for the YAML keys, the
// command-line flags, --help, the man page and the commented example config.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "util/result.h"

namespace CLI {
class App;
}

namespace server {

struct Config {
    std::vector<std::string> listen = {"0.0.0.0:1935"};
    std::vector<std::string> http_listen = {"127.0.0.1:8935"};
    std::vector<std::string> rtmps_listen = {};
    std::vector<std::string> https_listen = {};
    std::string tls_cert = "";
    std::string tls_key = "";
    std::string tls_min_version = "1.2";
    std::string api_token = "";
    int metrics_max_streams = 100;
    std::string log_level = "info";
    std::string log_format = "human";
    int max_connections = 10000;
    int max_connections_per_ip = 100;
    int max_connection_rate_per_ip = 30;
    int max_memory = 1024 * 1024 * 1024;
    std::string idle_timeout = "30s";
    int max_command_rate = 50;
    int max_control_rate = 100;
    std::string handshake_timeout = "10s";
    std::string idle_publisher_timeout = "30s";
    std::string write_timeout = "30s";
    std::string play_wait_timeout = "0";
    std::string unpublish_notify_delay = "5s";
    std::string write_coalesce = "50ms";
    int chunk_size = 4096;
    int max_message_size = 16 * 1024 * 1024;
    bool gop_cache = true;
    int gop_cache_max_frames = 1800;
    int gop_cache_max_bytes = 64 * 1024 * 1024;
    int gop_cache_max_messages = 8192;
    int max_control_output = 1024 * 1024;
    int max_metadata_size = 64 * 1024;
    int player_queue_max_bytes = 64 * 1024 * 1024;
    std::string player_queue_max_time = "10s";
    std::string publish_conflict = "reject";
    std::string record = "none";
    std::string record_path = "recordings/{app}/{streamName}-{startTime}.flv";
    std::string record_max_duration = "0";
    int record_max_size = 0;
    int record_queue_max_bytes = 16 * 1024 * 1024;
    bool rtmp_server_enabled = true;
    bool rtmfp_server_enabled = false;
    bool rtmp_send_video_first = false;
    bool rtmp_use_stream_params_as_connection = false;
    bool server_buffer_enabled = true;
    std::string node_id = "";
    std::string rest_hook_url = "";
    std::string rest_request_timeout = "5s";
    std::string rest_on_error = "FAIL";
    std::vector<std::string> rest_overwrite = {};
    std::string rest_hook_secret = "";
    int rest_event_retries = 3;
    int rest_event_queue_max = 1000;
};

// One setting: its YAML key (the WCS name where WCS has one), help text, and the field it sets.
struct Setting {
    std::string key;
    std::string help;
    std::variant<bool*, int*, std::string*, std::vector<std::string>*> target;
    std::vector<std::string> choices;  // empty: any value
    bool duration = false;             // "500ms", "5s", "2m", or a number of seconds
    std::string metavar = "";          // value placeholder in --help (lists)
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

// Checks values that the types alone do not (durations, ranges, listen addresses).
std::optional<ConfigError> validate(Config& config);

// Adds a flag for every setting to `app`, bound to the fields of `config`.
void add_flags(CLI::App& app, Config& config);

// The commented YAML of every key with its current value: `rtmp-serve --print-config`.
std::string to_commented_yaml(Config& config);

// Milliseconds of a duration setting ("500ms", "5s", "2m", "1.5" seconds); -1 when malformed.
long long duration_ms(const std::string& text);

}  // namespace server
