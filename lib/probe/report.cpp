// Building the probe report and rendering it as text; see report.h.
#include "probe/report.h"

#include "media/description_json.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "rtmp/amf_json.h"
#include "util/text_escape.h"

namespace probe {

namespace {

using json = nlohmann::ordered_json;

// Divides by the inverse so that the result is the double nearest the decimal (42.41, not
// 42.410000000000004) and JSON prints it short.
double round_to(double v, double step) {
    double k = std::round(1.0 / step);
    return std::round(v * k) / k;
}

json since(const SessionTimes& t, const std::optional<std::uint64_t>& at) {
    if (!at) return nullptr;
    return *at - t.start;
}

json track_json(const TrackTiming& t, bool video) {
    json j;
    j["frames"] = t.frames();
    j["bytes"] = t.bytes();
    j["bitrate"] = std::llround(t.bitrate());
    if (video) j["frame_rate"] = round_to(t.frame_rate(), 0.01);
    else j["frames_per_second"] = round_to(t.frame_rate(), 0.01);
    j["media_time_ms"] = t.frames() ? t.max_ts() - t.min_ts() : 0;
    j["gaps"] = t.gaps();
    j["largest_gap_ms"] = t.largest_gap_ms();
    j["jumps"] = t.jumps();
    j["reorderings"] = t.reorderings();
    return j;
}

json measurement_json(const StreamAnalyzer& a, const ReportContext& c) {
    json j;
    double wall_s = double(c.now_ms - *c.measure_from_ms) / 1000.0;
    j["duration_s"] = round_to(wall_s, 0.001);
    j["media_bytes"] = a.media_bytes();
    j["messages"] = a.messages();
    if (a.video_timing().frames()) {
        json v = track_json(a.video_timing(), true);
        v["keyframes"] = a.keyframes();
        KeyframeInterval k = a.keyframe_interval();
        if (k.count) {
            v["keyframe_interval_ms"] = {{"avg", round_to(k.avg_ms, 0.1)},
                                         {"min", k.min_ms},
                                         {"max", k.max_ms}};
            v["keyframe_interval_frames"] = round_to(k.avg_frames, 0.1);
        }
        j["video"] = v;
    }
    if (a.audio_timing().frames()) j["audio"] = track_json(a.audio_timing(), false);
    const AvDrift& d = a.av_drift();
    if (d.measured) {
        j["av_offset_ms"] = {{"first", d.first_offset_ms},
                             {"last", d.last_offset_ms},
                             {"min", d.min_offset_ms},
                             {"max", d.max_offset_ms}};
        j["av_drift_ms"] = d.drift_ms();
    }
    return j;
}

}  // namespace

json report_json(const ClientSession& s, const StreamAnalyzer& a, const ReportContext& c) {
    json r;
    r["url"] = c.url;
    r["mode"] = s.config().mode == Mode::Play ? "play" : "publish";
    r["result"] = c.error ? std::string(errc_name(c.error->code)) : "ok";
    if (c.error) r["error"] = c.error->message;
    const ConnectAnswer& ca = s.connect_answer();
    json server;
    server["handshake"] = s.handshake().done()
                              ? (s.handshake().server_used_digest() ? "digest" : "simple")
                              : "incomplete";
    std::uint32_t v = s.handshake().server_version();
    server["version"] = std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." +
                        std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
    if (ca.received) {
        server["fms_ver"] = ca.fms_ver;
        server["capabilities"] = ca.capabilities;
        server["connect_code"] = ca.code;
        if (!ca.description.empty()) server["connect_description"] = ca.description;
    }
    server["chunk_size"] = s.server_chunk_size();
    r["server"] = server;
    r["bytes_received"] = s.bytes_received();
    if (c.tls) r["tls"] = {{"version", c.tls->version}, {"cipher", c.tls->cipher}};  // from the socket, as the server counts bytes_out
    if (ca.received)
        r["connect_answer"] = {{"properties", rtmp::amf::to_json(ca.properties)},
                               {"information", rtmp::amf::to_json(ca.information)}};
    json statuses = json::array();
    for (const StatusEvent& e : s.statuses()) {
        json st;
        st["at_ms"] = e.at_ms - s.times().start;
        st["stream_id"] = e.stream_id;
        st["level"] = e.level;
        st["code"] = e.code;
        st["description"] = e.description;
        statuses.push_back(st);
    }
    r["statuses"] = statuses;
    const SessionTimes& t = s.times();
    json timing;
    timing["handshake_ms"] = since(t, t.handshake_done);
    timing["connect_ms"] = since(t, t.connected);
    timing["start_ms"] = since(t, t.active);
    if (s.config().mode == Mode::Play) {
        timing["first_media_ms"] = since(t, a.first_media_at());
        timing["first_keyframe_ms"] = since(t, a.first_keyframe_at());
    }
    r["timing"] = timing;
    if (s.config().mode == Mode::Play) {
        r["metadata"] = a.metadata() ? rtmp::amf::to_json(*a.metadata()) : json(nullptr);
        r["video"] = a.video() ? media::video_json(*a.video()) : json(nullptr);
        r["audio"] = a.audio() ? media::audio_json(*a.audio()) : json(nullptr);
        r["first_media"] = a.first_media();
        if (c.measure_from_ms) r["measurement"] = measurement_json(a, c);
    }
    return r;
}

namespace {

constexpr std::size_t kMaxTextValue = 1024;

std::string scalar_text(const json& v) {
    if (v.is_string()) {
        // Text for a terminal: control characters (nginx-rtmp pads some metadata strings with
        // NULs; a hostile server sends ESC) print escaped, long values cut.
        return util::escape_text(v.get_ref<const std::string&>(), kMaxTextValue);
    }
    if (v.is_null()) return "-";
    if (v.is_array()) {
        std::string out;
        for (const auto& e : v) out += (out.empty() ? "" : ", ") + scalar_text(e);
        return out.empty() ? "-" : out;
    }
    if (v.is_object()) {
        std::string out;
        for (const auto& [k, e] : v.items())
            out += (out.empty() ? "" : " ") + util::escape_text(k) + "=" + scalar_text(e);
        return out.empty() ? "-" : out;
    }
    if (v.is_number_float()) {
        double d = v.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15)
            return std::to_string(std::int64_t(d));
    }
    return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool is_section(const json& v) { return v.is_object() && !v.empty(); }
bool is_list_of_objects(const json& v) {
    return v.is_array() && !v.empty() && v.front().is_object();
}

void render(const json& obj, int indent, std::ostringstream& out) {
    std::size_t width = 0;
    for (const auto& [key, v] : obj.items()) width = std::max(width, util::escape_text(key).size());
    std::string pad(std::size_t(indent), ' ');
    for (const auto& [key, v] : obj.items()) {
        const std::string k = util::escape_text(key);  // metadata keys come from the server
        if (is_section(v)) {
            out << pad << k << ":\n";
            render(v, indent + 2, out);
        } else if (is_list_of_objects(v)) {
            out << pad << k << ":\n";
            for (const auto& e : v) out << pad << "  - " << scalar_text(e) << "\n";
        } else {
            out << pad << k << ":" << std::string(width - k.size() + 1, ' ') << scalar_text(v)
                << "\n";
        }
    }
}

}  // namespace

std::string report_text(const json& report) {
    std::ostringstream out;
    render(report, 0, out);
    return out.str();
}

}  // namespace probe
