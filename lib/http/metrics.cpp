#include "http/metrics.h"

#include <cstdio>
#include <map>
#include <utility>
#include <vector>

#include "server/recordings.h"
#include "server/session.h"
#include "util/text_escape.h"
#include "util/version.h"

namespace http {

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

class Exposition {
public:
    void family(const char* name, const char* type, const char* help) {
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        out_ += help;
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }
    void sample(std::string_view name, const Labels& labels, const std::string& value) {
        out_ += name;
        if (!labels.empty()) {
            out_ += '{';
            for (std::size_t i = 0; i < labels.size(); ++i) {
                if (i) out_ += ',';
                out_ += labels[i].first;
                out_ += "=\"";
                out_ += escape_label_value(labels[i].second);
                out_ += '"';
            }
            out_ += '}';
        }
        out_ += ' ';
        out_ += value;
        out_ += '\n';
    }
    void sample(std::string_view name, const Labels& labels, std::uint64_t value) {
        sample(name, labels, std::to_string(value));
    }
    void sample_double(std::string_view name, const Labels& labels, double value) {
        sample(name, labels, number(value));
    }
    // One counter family by reason; `known` reasons appear at 0 before they first happen, so
    // that rate() works from the first scrape.
    void by_reason(const char* name, const char* help,
                   const std::map<std::string, std::uint64_t>& counts,
                   std::initializer_list<const char*> known) {
        family(name, "counter", help);
        std::map<std::string, std::uint64_t> all(counts);
        for (const char* k : known) all.emplace(k, 0);
        for (const auto& [reason, n] : all) sample(name, {{"reason", reason}}, n);
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string render_metrics(const server::Server& srv, const ProcessStats& process,
                           const HttpCosts& http) {
    Exposition e;
    const server::ServerStats& stats = srv.stats();
    const auto& config = *srv.config();

    e.family("rtmpkit_build_info", "gauge", "Always 1; the version in a label.");
    e.sample("rtmpkit_build_info", {{"version", util::kVersion}}, 1);

    const auto roles = srv.sessions_by_role();
    e.family("rtmpkit_connections", "gauge", "RTMP connections open now.");
    e.sample("rtmpkit_connections", {}, std::uint64_t(srv.session_count()));
    e.family("rtmpkit_sessions", "gauge", "RTMP sessions open now, by role.");
    for (std::size_t r = 0; r < roles.size(); ++r)
        e.sample("rtmpkit_sessions", {{"role", server::to_string(server::SessionRole(r))}},
                 std::uint64_t(roles[r]));

    e.family("rtmpkit_connections_accepted_total", "counter", "Connections accepted.");
    e.sample("rtmpkit_connections_accepted_total", {}, stats.connections_accepted);
    e.by_reason("rtmpkit_connections_refused_total", "Connections closed at accept, by reason.",
                stats.connections_refused,
                {"max_connections", "max_connections_per_ip", "max_connection_rate_per_ip",
                 "max_memory", "stopping"});

    std::uint64_t live = 0, waiting = 0;
    for (const auto& [key, stream] : srv.streams()) (stream->has_publisher() ? live : waiting)++;
    e.family("rtmpkit_streams", "gauge",
             "Streams: live ones have a publisher, waiting ones only players.");
    e.sample("rtmpkit_streams", {{"state", "live"}}, live);
    e.sample("rtmpkit_streams", {{"state", "waiting"}}, waiting);

    const server::SessionTotals t = srv.totals();
    e.family("rtmpkit_received_bytes_total", "counter", "Bytes read from peers.");
    e.sample("rtmpkit_received_bytes_total", {}, t.bytes_in);
    e.family("rtmpkit_sent_bytes_total", "counter", "Bytes taken by peers' sockets.");
    e.sample("rtmpkit_sent_bytes_total", {}, t.bytes_out);
    e.family("rtmpkit_received_messages_total", "counter", "RTMP messages read from peers.");
    e.sample("rtmpkit_received_messages_total", {}, t.messages_in);
    e.family("rtmpkit_sent_messages_total", "counter", "RTMP messages queued for peers.");
    e.sample("rtmpkit_sent_messages_total", {}, t.messages_out);
    e.family("rtmpkit_dropped_messages_total", "counter",
             "Messages not delivered, by reason: slow_player (a player's queue was full), "
             "too_large (over RTMP's 16 MiB - 1), too_short (media without its tag header), "
             "big_metadata (over max_metadata_size).");
    e.sample("rtmpkit_dropped_messages_total", {{"reason", "big_metadata"}}, t.dropped_big_metadata);
    e.sample("rtmpkit_dropped_messages_total", {{"reason", "slow_player"}}, t.dropped_slow_player);
    e.sample("rtmpkit_dropped_messages_total", {{"reason", "too_large"}},
             t.dropped_too_large + srv.stream_dropped_too_large());
    e.sample("rtmpkit_dropped_messages_total", {{"reason", "too_short"}}, t.dropped_too_short);

    e.by_reason("rtmpkit_handshake_failures_total", "Sessions that failed their handshake.",
                stats.handshake_failures, {"bad_version", "bad_digest", "timeout", "no_connect", "tls"});
    e.by_reason("rtmpkit_command_failures_total",
                "Commands refused or sessions closed for what they sent, by reason.",
                stats.command_failures,
                {"protocol_error", "malformed_command", "before_connect", "publish_refused",
                 "play_refused", "connect_refused", "bad_stream_name", "already_published",
                 "command_rate", "control_rate"});

    e.family("rtmpkit_hook_requests_total", "counter",
             "REST hook requests, by method and outcome (allowed, refused, error; delivered for "
             "events).");
    for (const auto& [method, h] : stats.hooks)
        for (const auto& [outcome, n] : h.outcomes)
            e.sample("rtmpkit_hook_requests_total", {{"method", method}, {"outcome", outcome}}, n);
    e.family("rtmpkit_hook_request_duration_seconds", "histogram",
             "How long REST hook requests took, by method.");
    for (const auto& [method, h] : stats.hooks) {
        for (std::size_t i = 0; i < h.kBounds.size(); ++i)
            e.sample("rtmpkit_hook_request_duration_seconds_bucket",
                     {{"method", method}, {"le", number(h.kBounds[i])}}, h.buckets[i]);
        e.sample("rtmpkit_hook_request_duration_seconds_bucket", {{"method", method}, {"le", "+Inf"}},
                 h.count);
        e.sample_double("rtmpkit_hook_request_duration_seconds_sum", {{"method", method}},
                        h.sum_seconds);
        e.sample("rtmpkit_hook_request_duration_seconds_count", {{"method", method}}, h.count);
    }
    e.family("rtmpkit_hook_events_pending", "gauge", "Hook status events not yet delivered.");
    e.sample("rtmpkit_hook_events_pending", {}, srv.hook_client() ? srv.hook_client()->pending_events() : 0);

    e.family("rtmpkit_write_merge_seconds", "gauge",
             "How long player output waits to be merged now (adapts to the load, up to "
             "write_coalesce).");
    e.sample_double("rtmpkit_write_merge_seconds", {}, srv.merge_delay().effective_ms() / 1000);
    e.family("rtmpkit_buffered_bytes", "gauge",
             "Bytes buffered for input and output, as max_memory counts them.");
    e.sample("rtmpkit_buffered_bytes", {}, srv.buffered_bytes());
    e.family("rtmpkit_max_memory_bytes", "gauge", "The max_memory budget (0: none).");
    e.sample("rtmpkit_max_memory_bytes", {}, std::uint64_t(config.max_memory));

    const server::Recordings& recordings = srv.recordings();
    e.family("rtmpkit_recordings", "gauge", "Publications being recorded now.");
    e.sample("rtmpkit_recordings", {}, std::uint64_t(recordings.active()));
    e.family("rtmpkit_recording_files_total", "counter",
             "Recording files ended: finished, or failed (a write error, or stopped early).");
    e.sample("rtmpkit_recording_files_total", {{"status", "finished"}}, recordings.totals().files_finished);
    e.sample("rtmpkit_recording_files_total", {{"status", "failed"}}, recordings.totals().files_failed);
    e.family("rtmpkit_recording_written_bytes_total", "counter", "Bytes of recording files that ended.");
    e.sample("rtmpkit_recording_written_bytes_total", {}, recordings.totals().bytes_written);

    // Per stream, up to metrics_max_streams (the first by app and name): a scrape stays small
    // whatever names publishers pick.
    const std::size_t cap = std::size_t(config.metrics_max_streams);
    e.family("rtmpkit_stream_players", "gauge", "Players of a stream.");
    std::vector<std::pair<Labels, const server::Stream*>> shown;
    for (const auto& [key, stream] : srv.streams()) {
        if (shown.size() >= cap) break;
        shown.push_back({{{"app", util::json_safe(key.app)}, {"name", util::json_safe(key.name)}},
                         stream.get()});
    }
    for (const auto& [labels, s] : shown) e.sample("rtmpkit_stream_players", labels, s->player_count());
    e.family("rtmpkit_stream_received_bytes_total", "counter",
             "Bytes a stream's publishers sent (from when the stream appeared).");
    for (const auto& [labels, s] : shown)
        e.sample("rtmpkit_stream_received_bytes_total", labels, s->info().bytes_in);
    e.family("rtmpkit_streams_without_series", "gauge",
             "Streams beyond metrics_max_streams, which have no per-stream series.");
    e.sample("rtmpkit_streams_without_series", {}, srv.streams().size() - shown.size());

    e.family("rtmpkit_http_requests_total", "counter", "HTTP requests answered, by route.");
    for (const auto& [route, c] : http) e.sample("rtmpkit_http_requests_total", {{"route", route}}, c.requests);
    e.family("rtmpkit_http_request_cpu_seconds_total", "counter",
             "The server's CPU time spent answering HTTP requests, by route.");
    for (const auto& [route, c] : http)
        e.sample_double("rtmpkit_http_request_cpu_seconds_total", {{"route", route}}, c.cpu_seconds);

    if (process.valid) {
        e.family("process_cpu_seconds_total", "counter", "User and system CPU time spent.");
        e.sample_double("process_cpu_seconds_total", {}, process.cpu_seconds);
        e.family("process_resident_memory_bytes", "gauge", "Resident memory size.");
        e.sample("process_resident_memory_bytes", {}, process.resident_bytes);
        e.family("process_virtual_memory_bytes", "gauge", "Virtual memory size.");
        e.sample("process_virtual_memory_bytes", {}, process.virtual_bytes);
        e.family("process_open_fds", "gauge", "Open file descriptors.");
        e.sample("process_open_fds", {}, process.open_fds);
        e.family("process_max_fds", "gauge", "The open file descriptor limit.");
        e.sample("process_max_fds", {}, process.max_fds);
        e.family("process_start_time_seconds", "gauge", "Start time since the epoch.");
        e.sample_double("process_start_time_seconds", {}, process.start_time_seconds);
    }
    return e.take();
}

}  // namespace http
