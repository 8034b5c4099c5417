// REST hooks of a session: payloads from what the session knows, asynchronous decisions that
// hold the session's later messages, and status events. The event loop never waits on a hook.
#include <openssl/rand.h>

#include "hook/payload.h"
#include "hook/url_payload.h"
#include "net/log.h"
#include "server/session.h"

namespace server {

namespace {
// "ip:port" or "[ip6]:port" → ip (no brackets) and port.
std::pair<std::string, std::uint16_t> split_host_port(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return {text, 0};
    std::string ip = text.substr(0, colon);
    if (ip.size() >= 2 && ip.front() == '[') ip = ip.substr(1, ip.size() - 2);
    return {ip, std::uint16_t(std::atoi(text.c_str() + colon + 1))};
}

}  // namespace

std::string hook_uuid() {
    std::array<std::uint8_t, 16> bytes{};
    RAND_bytes(bytes.data(), int(bytes.size()));
    return hook::uuid_v4(bytes);
}

std::string Session::hook_session_id() const {
    auto [rip, rport] = split_host_port(peer_.peer);
    auto [lip, lport] = split_host_port(peer_.local);
    return hook::format_session_id(rip, rport, lip, lport);
}

hook::ConnectInfo Session::connect_info(const url::Params& custom) const {
    return hook::connect_info_for(custom, host_.node_id(), hook_session_id());
}

hook::StreamInfo Session::stream_info(const std::string& name, bool published, const char* status,
                                      const url::Params& custom) const {
    hook::StreamInfo info = hook::stream_info_for(name, published, status, custom, host_.node_id(),
                                                  hook_session_id(), publish_media_session_id_);
    info.media_provider = peer_.media_provider;
    return info;
}

void Session::fill_facts(hook::StreamInfo& info, const Stream& stream) const {
    const StreamInfo& s = stream.info();
    info.has_video = s.video.has_value() || s.video_frames > 0;
    info.has_audio = s.audio.has_value() || s.audio_frames > 0;
    if (s.video) {
        info.width = int(s.video->width);
        info.height = int(s.video->height);
        info.facts.video_codec = s.video->codec;
        double fps = s.video->frame_rate > 0 ? s.video->frame_rate : s.metadata_frame_rate;
        if (fps > 0) info.facts.frame_rate = fps;
    }
    if (s.audio) {
        info.facts.audio_codec = s.audio->codec;
        info.facts.audio_sample_rate = int(s.audio->sample_rate);
        info.facts.audio_channels = s.audio->channels;
    }
    if (int v = s.kbps(s.video_bytes)) info.facts.video_bitrate = v;
    if (int a = s.kbps(s.audio_bytes)) info.facts.audio_bitrate = a;
    info.bitrate = s.kbps(s.video_bytes + s.audio_bytes);
    info.record = host_.recording(stream.id());
}

void Session::authorize(const char* method, const hook::json& payload, HookDone done) {
    hook::Hooks* client = host_.hooks();
    if (!client) {
        hook::Decision allow;
        allow.allowed = true;
        done(allow);
        return;
    }
    before_hook_ = state_;
    enter(SessionState::AwaitingHook);
    io_.set_reading(false);
    hooks_in_use_ = client;
    std::string m = method;
    hook_ticket_ = client->authorize(method, payload, [this, m, done](hook::Decision d) {
        guarded("hook answer", [&] { hook_answered(m, done, d); });
    });
}

void Session::hook_answered(const std::string& m, const HookDone& done, const hook::Decision& d) {
    hook_ticket_ = 0;
    if (stopped()) return;
    // Back where the request was made, without that state's deadline: every answer moves on
    // from there at once (a new state, another hook, or the close).
    if (state_ == SessionState::AwaitingHook) state_ = before_hook_;
    net::LogFields f = {{"session", std::to_string(id_)}, {"peer", peer_.peer}, {"method", m},
                        {"status", std::to_string(d.status)}};
    if (!d.reason.empty()) f.emplace_back("reason", d.reason);
    if (d.backend_error) net::logger().warn(d.allowed ? "hook failed, allowed (rest_on_error: LOG)"
                                                      : "hook failed, refused",
                                            f);
    else net::logger().info(d.allowed ? "hook allowed" : "hook refused", f);
    done(d);
    replay_pending();
    if (wants_input()) io_.set_reading(true);  // the transport passes on what arrived meanwhile
}

void Session::replay_pending() {
    while (!pending_.empty() && wants_input()) {
        rtmp::Message m = std::move(pending_.front());
        pending_.pop_front();
        handle_message(std::move(m));
    }
}

void Session::notify(const char* method, const hook::json& payload) {
    if (hook::Hooks* client = host_.hooks()) client->notify(method, payload);
}

void Session::authorize_deferred_connect(const url::RtmpUrl& where, std::function<void()> done,
                                         std::function<void(const std::string&, const std::string&)> refused) {
    if (!connect_hook_deferred_) {
        done();
        return;
    }
    connect_hook_deferred_ = false;
    // rtmp_use_stream_params_as_connection: `where.connect_params` already holds both.
    hook::ConnectInfo info = connect_info(where.connect_params);
    authorize(hook::method::kConnect, hook::connect_payload(info),
              [this, info, done, refused](const hook::Decision& d) {
                  if (!d.allowed) {
                      notify(hook::method::kConnectionStatusEvent,
                             hook::connection_status_payload(info, "FAILED", d.reason));
                      refused(d.client_reason, d.reason);
                      return;
                  }
                  established_sent_ = true;
                  notify(hook::method::kConnectionStatusEvent,
                         hook::connection_status_payload(info, "ESTABLISHED"));
                  done();
              });
}

void Session::publishing_event_if_ready() {
    if (publishing_event_sent_ || !publishing_ || !host_.hooks()) return;
    const StreamInfo& s = publishing_->info();
    // Wait until the size and codecs are known: a keyframe, or a second of audio-only media.
    const bool ready = s.keyframe_seen ||
                       (s.video_frames == 0 && s.has_media && s.last_ts - s.first_ts >= 1000);
    if (!ready) return;
    publishing_event_sent_ = true;
    hook::StreamInfo info = stream_info(publish_name_, true, "PUBLISHING", publish_params_);
    fill_facts(info, *publishing_);
    notify(hook::method::kStreamStatusEvent, hook::stream_payload(info));
}

}  // namespace server
