#include "server/webrtc_publisher.h"

#include <openssl/rand.h>

#include "net/log.h"
#include "net/timeval.h"
#include "server/server.h"
#include "server/webrtc_ingest.h"

namespace server {

namespace {

constexpr std::size_t kMaxPendingInput = 8 << 20;  // RTMP bytes the server session has not read

void fill_random(std::uint8_t* p, std::size_t n) {
    if (RAND_bytes(p, int(n)) != 1)
        for (std::size_t i = 0; i < n; ++i) p[i] = std::uint8_t(i * 131 + 7);
}

probe::ClientConfig client_config(const WhipPublication& w) {
    probe::ClientConfig c;
    c.mode = probe::Mode::Publish;
    c.app = w.app + (w.connection_query.empty() ? "" : "?" + w.connection_query);
    c.tc_url = "rtmp://localhost/" + c.app;
    c.stream = w.name + (w.stream_query.empty() ? "" : "?" + w.stream_query);
    c.flash_ver = "WebRTC/WHIP rtmpkit";
    c.chunk_size = 65536;
    c.digest_handshake = false;
    return c;
}

SessionPeer session_peer(const WhipPublication& w) {
    SessionPeer p;
    p.peer = w.http_peer;
    p.local = w.local;
    p.tls = false;
    p.media_provider = "WebRTC";
    return p;
}

// The FLV audio tag byte of G.711 as ffmpeg writes it: format 7 (A-law) or 8 (mu-law), 16-bit
// samples, mono; the rate bits do not apply (always 8 kHz).
std::uint8_t g711_flags(const std::string& codec) { return codec == "PCMA" ? 0x72 : 0x82; }

}  // namespace

WebrtcPublisher::WebrtcPublisher(Server& server, WebrtcIngest& ingest, std::uint64_t id,
                                 std::string resource, WhipPublication where,
                                 webrtc::Negotiated negotiated, webrtc::StunCredentials credentials,
                                 std::shared_ptr<const webrtc::Certificate> certificate)
    : server_(server),
      ingest_(ingest),
      resource_(std::move(resource)),
      where_(std::move(where)),
      client_(client_config(where_), fill_random) {
    const auto& cfg = *server_.config();
    webrtc::WhipSettings settings;
    settings.timeout_ms = cfg.webrtc_timeout.count();
    settings.keyframe_interval_ms = cfg.webrtc_keyframe_interval.count();
    settings.max_bitrate_bps = std::uint64_t(cfg.webrtc_max_bitrate) * 1000;
    if (negotiated.audio) {
        if (negotiated.audio->codec == "opus") {
            auto t = transcode::OpusToAac::make(2, 128000);
            if (t.ok())
                aac_ = std::move(t.value());
            else
                aac_failed_ = true;
        } else {
            g711_flags_ = g711_flags(negotiated.audio->codec);
        }
    }
    whip_ = std::make_unique<webrtc::WhipSession>(std::move(negotiated), std::move(credentials),
                                                  std::move(certificate), settings, *this,
                                                  server_.now_ms());
    session_timer_ = evtimer_new(server_.base(), &WebrtcPublisher::on_session_timer, this);
    whip_timer_ = evtimer_new(server_.base(), &WebrtcPublisher::on_whip_timer, this);
    pump_event_ = event_new(server_.base(), -1, 0, &WebrtcPublisher::on_pump, this);
    session_ =
        std::make_unique<Session>(server_, *this, server_.config(), id, session_peer(where_));
}

WebrtcPublisher::~WebrtcPublisher() {
    ingest_.forget(this);
    if (session_timer_) event_free(session_timer_);
    if (whip_timer_) event_free(whip_timer_);
    if (pump_event_) event_free(pump_event_);
    session_.reset();  // reports to the members above while it ends
}

void WebrtcPublisher::start(std::function<void(const WhipOutcome&)> decided) {
    decided_ = std::move(decided);
    client_.start(std::uint64_t(server_.now_ms()), from_client_);
    pump();
    arm_whip_timer();
}

// The publish was answered (or the session ended first): the WHIP POST learns which.
void WebrtcPublisher::decide() {
    if (!decided_) return;
    WhipOutcome out;
    if (client_.active()) {
        out.status = 201;
    } else if (client_.failure() || client_gone_ || finished_) {
        out.status = 403;
        out.reason = "publishing refused";
        for (const auto& st : client_.statuses()) {
            if (st.level != "error") continue;
            if (st.code == "NetStream.Publish.BadName") out.status = 409;
            if (!st.description.empty()) out.reason = st.description;
        }
        if (client_.failure() && client_.failure()->code == probe::ProbeErrc::ConnectRejected) {
            out.reason = client_.connect_answer().description.empty()
                             ? "connection refused"
                             : client_.connect_answer().description;
        }
        if (server_.stopping()) out = {503, "the server is stopping"};
    } else {
        return;  // still deciding
    }
    auto done = std::move(decided_);
    decided_ = nullptr;
    done(out);
}

void WebrtcPublisher::pump() {
    if (pumping_) return;
    pumping_ = true;
    bool progress = true;
    while (progress) {
        progress = false;
        if (!to_client_.empty()) {
            util::Bytes bytes;
            bytes.swap(to_client_);
            if (!client_gone_) {
                auto r = client_.feed(bytes, std::uint64_t(server_.now_ms()), from_client_);
                if (!r.ok()) client_gone_ = true;
            }
            if (session_) session_->on_sent(bytes.size());
            progress = true;
        }
        if (!from_client_.empty() && reading_ && session_ && !finished_ &&
            session_->wants_input()) {
            const std::size_t n = session_->receive(from_client_);
            if (n > 0) {
                from_client_.erase(from_client_.begin(), from_client_.begin() + std::ptrdiff_t(n));
                progress = true;
            }
        }
    }
    pumping_ = false;
    decide();
    if (client_gone_ && whip_ && !whip_->ended())
        whip_->close("the RTMP side refused or ended the publication", server_.now_ms());
}

void WebrtcPublisher::write(util::ByteView bytes) {
    to_client_.insert(to_client_.end(), bytes.begin(), bytes.end());
    pump_soon();
}

void WebrtcPublisher::pump_soon() {
    if (!pumping_ && pump_event_ && !finished_) event_active(pump_event_, 0, 0);
}

void WebrtcPublisher::on_pump(evutil_socket_t, short, void* self) {
    static_cast<WebrtcPublisher*>(self)->pump();
}

void WebrtcPublisher::write_shared(net::SharedBytes& chunks, std::size_t offset) {
    // A publisher is sent no media; should it be, the bytes are copied (nothing is shared here).
    util::ByteView all(chunks.bytes());
    if (offset < all.size()) write(all.subspan(offset));
}

void WebrtcPublisher::flush(bool now) {
    (void)now;
    pump();
}

void WebrtcPublisher::set_reading(bool on) {
    reading_ = on;
    if (on) pump_soon();
}

void WebrtcPublisher::set_deadline(std::optional<long long> at_ms) {
    if (!session_timer_) return;
    evtimer_del(session_timer_);
    if (!at_ms) return;
    const long long wait = std::max(0LL, *at_ms - server_.now_ms());
    timeval tv = net::to_timeval(wait);
    evtimer_add(session_timer_, &tv);
}

void WebrtcPublisher::on_session_timer(evutil_socket_t, short, void* self) {
    auto* p = static_cast<WebrtcPublisher*>(self);
    if (p->session_ && !p->finished_) p->session_->on_deadline();
    p->pump();
}

void WebrtcPublisher::finished() {
    if (finished_) return;
    finished_ = true;
    client_gone_ = true;
    if (session_timer_) evtimer_del(session_timer_);
    if (whip_ && !whip_->ended()) whip_->close("the publication ended", server_.now_ms());
    if (whip_timer_) evtimer_del(whip_timer_);
    decide();
    ingest_.forget(this);
    server_.schedule_close(this);
}

void WebrtcPublisher::end_by_client(const std::string& reason) {
    if (whip_ && !whip_->ended()) whip_->close(reason, server_.now_ms());
}

void WebrtcPublisher::datagram(util::ByteView data, const webrtc::TransportAddress& from) {
    if (finished_ || whip_->ended()) return;
    whip_->receive(data, from, server_.now_ms());
    arm_whip_timer();
}

void WebrtcPublisher::keyframe_wanted() {
    if (!finished_ && !whip_->ended()) whip_->request_keyframe(server_.now_ms());
}

void WebrtcPublisher::arm_whip_timer() {
    if (!whip_timer_ || finished_) return;
    evtimer_del(whip_timer_);
    auto at = whip_->deadline();
    if (!at) return;
    const long long wait = std::max(0LL, *at - server_.now_ms());
    timeval tv = net::to_timeval(wait);
    evtimer_add(whip_timer_, &tv);
}

void WebrtcPublisher::on_whip_timer(evutil_socket_t, short, void* self) {
    auto* p = static_cast<WebrtcPublisher*>(self);
    try {
        p->whip_->on_deadline(p->server_.now_ms());
        p->arm_whip_timer();
    } catch (const std::exception& e) {
        net::logger().error("internal error", {{"where", "WebRTC timer"}, {"reason", e.what()}});
        p->end_by_client("internal error");
    }
}

void WebrtcPublisher::send_datagram(util::ByteView datagram, const webrtc::TransportAddress& to) {
    ingest_.send(datagram, to);
}

void WebrtcPublisher::on_connected(const webrtc::TransportAddress& peer) {
    ingest_.connected(this, peer);
    net::logger().info("WebRTC publisher connected", {{"session", std::to_string(session_->id())},
                                                      {"stream", where_.app + "/" + where_.name},
                                                      {"peer", peer.text()}});
}

void WebrtcPublisher::send_media(std::uint8_t type, long long ms, const util::Bytes& payload) {
    if (finished_ || client_gone_ || !client_.active()) return;
    if (from_client_.size() > kMaxPendingInput) {
        // The server session stopped reading (it is closing): nothing more is worth holding.
        return;
    }
    client_.send_media(type, std::uint32_t(ms), payload, from_client_);
    pump();
}

void WebrtcPublisher::on_video(const webrtc::VideoTag& tag, long long ms) {
    send_media(9, ms, tag.payload);
}

void WebrtcPublisher::on_audio(util::ByteView payload, std::int64_t rtp_timestamp, long long ms) {
    if (g711_flags_) {
        util::Bytes tag;
        tag.reserve(payload.size() + 1);
        tag.push_back(g711_flags_);
        tag.insert(tag.end(), payload.begin(), payload.end());
        send_media(8, ms, tag);
        return;
    }
    if (!aac_) return;
    std::vector<transcode::AacFrame> frames;
    aac_->push(payload, rtp_timestamp, frames);
    for (const auto& f : frames) {
        auto at = whip_->audio_ms(f.pts);
        // The encoder's priming frame starts before the stream's first sample: stamping it 0
        // would put two frames at one time, so it is left out (the decoder's pre-roll).
        if (at && *at < 0) continue;
        long long t = at ? *at : ms;
        if (!audio_header_sent_) {
            util::Bytes header{0xAF, 0x00};
            util::Bytes asc = aac_->audio_specific_config();
            header.insert(header.end(), asc.begin(), asc.end());
            send_media(8, t, header);
            audio_header_sent_ = true;
        }
        util::Bytes tag{0xAF, 0x01};
        tag.insert(tag.end(), f.data.begin(), f.data.end());
        send_media(8, t, tag);
    }
}

std::optional<webrtc::WhipStats> WebrtcPublisher::webrtc_stats() const {
    if (!whip_) return std::nullopt;
    return whip_->stats();
}

void WebrtcPublisher::on_ended(const std::string& reason, bool error) {
    const auto& s = whip_->stats();
    net::LogFields fields = {{"session", std::to_string(session_->id())},
                             {"stream", where_.app + "/" + where_.name},
                             {"reason", reason},
                             {"max_kbps", std::to_string(s.max_kbps)},
                             {"frames", std::to_string(s.frames_out)},
                             {"lost", std::to_string(s.lost_packets)},
                             {"nacks", std::to_string(s.nacks_sent)},
                             {"plis", std::to_string(s.plis_sent)}};
    if (error)
        net::logger().warn("WebRTC publisher ended", fields);
    else
        net::logger().info("WebRTC publisher ended", fields);
    if (whip_timer_) evtimer_del(whip_timer_);
    if (finished_) return;
    // The RTMP side says goodbye as a publisher would, then the transport ends.
    if (!client_gone_) {
        client_.finish(from_client_);
        pump();
    }
    client_gone_ = true;
    if (session_ && !finished_) session_->on_peer_closed();
    pump();
}

}  // namespace server
