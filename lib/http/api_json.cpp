#include "http/api_json.h"

#include <ctime>

#include "media/description_json.h"
#include "server/recordings.h"
#include "server/session.h"
#include "util/text_escape.h"
#include "util/utc_time.h"

namespace http {

namespace {
// Parameters carry tokens (JWTs run to a kilobyte): a cap well above the log's.
constexpr std::size_t kMaxParamBytes = 4096;
}  // namespace

std::string iso_time(long long epoch_ms) { return util::iso_time_ms(epoch_ms); }

json params_json(const url::Params& params) {
    json j = json::object();
    for (const auto& [k, v] : params.items)
        j[util::json_safe(k, kMaxParamBytes)] = util::json_safe(v, kMaxParamBytes);
    return j;
}

json webrtc_json(const std::optional<webrtc::WhipStats>& s) {
    if (!s) return nullptr;
    return {{"kbps", s->kbps},
            {"max_kbps", s->max_kbps},
            {"datagrams_in", s->datagrams_in},
            {"media_bytes", s->media_bytes},
            {"video_packets", s->video_packets},
            {"audio_packets", s->audio_packets},
            {"rtx_packets", s->rtx_packets},
            {"lost_packets", s->lost_packets},
            {"nacks_sent", s->nacks_sent},
            {"plis_sent", s->plis_sent},
            {"dropped_frames", s->dropped_frames},
            {"frames_out", s->frames_out},
            {"ssrc_changes", s->ssrc_changes},
            {"srtp_failures", s->srtp_failures},
            {"unknown_datagrams", s->unknown_datagrams}};
}

json session_json(const server::SessionReport& r) {
    json j;
    j["id"] = r.id;
    j["peer"] = r.peer;
    j["role"] = server::to_string(r.role);
    j["app"] = util::json_safe(r.app);
    j["stream"] = r.stream ? json(util::json_safe(r.stream->name)) : json(nullptr);
    j["connect_params"] = params_json(r.connect_params);
    j["stream_params"] = params_json(r.stream_params);
    j["flash_ver"] = util::json_safe(r.flash_ver);
    j["tc_url"] = util::json_safe(r.tc_url, kMaxParamBytes);
    j["bytes_in"] = r.totals.bytes_in;
    j["bytes_out"] = r.totals.bytes_out;
    j["messages_in"] = r.totals.messages_in;
    j["messages_out"] = r.totals.messages_out;
    j["output_queued_bytes"] = r.output_queued;
    j["messages_dropped"] = r.messages_dropped;
    j["since"] = iso_time(r.since_ms);
    if (r.tls_session)
        j["tls"] = {{"version", r.tls_session->version}, {"cipher", r.tls_session->cipher}};
    else
        j["tls"] = r.tls ? json({{"version", nullptr}, {"cipher", nullptr}}) : json(nullptr);
    j["webrtc"] = webrtc_json(r.webrtc);
    return j;
}

json recording_json(const server::RecordingReport& r) {
    json j;
    j["app"] = util::json_safe(r.stream.app);
    j["name"] = util::json_safe(r.stream.name);
    j["media_session_id"] = util::json_safe(r.media_session_id);
    // Names are made of sanitised parts (record::safe_name_part) and the operator's template.
    j["path"] = r.path.empty() ? json(nullptr) : json(util::json_safe(r.path, 4096));
    j["bytes"] = r.bytes;
    j["duration_ms"] = r.duration_ms;
    j["since"] = iso_time(r.since_ms);
    j["file_since"] = r.path.empty() ? json(nullptr) : json(iso_time(r.file_since_ms));
    j["files"] = r.files;
    return j;
}

json stream_json(const server::Server& srv, const server::Stream& stream,
                 const std::vector<server::SessionReport>& players) {
    json j;
    j["app"] = util::json_safe(stream.app());
    j["name"] = util::json_safe(stream.name());
    if (const server::Session* p = srv.publisher_session(stream)) {
        server::SessionReport r = p->report();
        j["publisher"] = {{"session_id", r.id},
                          {"peer", r.peer},
                          {"since", iso_time(stream.published_since_ms() ? stream.published_since_ms()
                                                                          : r.since_ms)},
                          {"params", params_json(r.stream_params)},
                          {"flash_ver", util::json_safe(r.flash_ver)},
                          {"tls", r.tls},
                          {"webrtc", webrtc_json(r.webrtc)}};
    } else {
        j["publisher"] = nullptr;
    }
    const server::StreamInfo& info = stream.info();
    j["video"] = info.video ? media::video_json(*info.video, info.video->frame_rate > 0
                                                                  ? 0
                                                                  : info.metadata_frame_rate)
                            : json(nullptr);
    j["audio"] = info.audio ? media::audio_json(*info.audio) : json(nullptr);
    j["bitrate"] = stream.bitrate_history().recent_bps(10000);
    j["bytes_in"] = info.bytes_in;
    j["player_count"] = players.size();
    json list = json::array();
    for (const auto& r : players)
        list.push_back({{"session_id", r.id},
                        {"peer", r.peer},
                        {"bytes_out", r.totals.bytes_out},
                        {"output_queued_bytes", r.output_queued},
                        {"messages_dropped", r.messages_dropped},
                        {"since", iso_time(r.since_ms)},
                        {"tls", r.tls}});
    j["players"] = std::move(list);
    const server::GopStats gop = stream.gop_stats();
    j["gop_cache"] = {{"messages", gop.messages}, {"bytes", gop.bytes}, {"duration_ms", gop.duration_ms}};
    j["timestamp_discontinuities"] = stream.discontinuities();
    j["bitrate_history"] = {{"interval_seconds", server::BitrateHistory::kIntervalMs / 1000},
                            {"bits_per_second", stream.bitrate_history().bits_per_second()}};
    const auto recording = srv.recordings().report(stream.id());
    j["recording"] = recording ? recording_json(*recording) : json(nullptr);
    return j;
}

}  // namespace http
