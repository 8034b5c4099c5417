// Glue: one WebRTC (WHIP) publisher as a server session. The browser's side is a sans-IO
// webrtc::WhipSession; its media enters the server through an in-process RTMP publisher (the
// probe's sans-IO client) talking to an ordinary server Session over memory, so hooks, the
// registry, conflicts, recording, the API and every limit treat it as any RTMP publisher.
// Audio is transcoded here (Opus -> AAC) or passed through (G.711).
#pragma once

#include <event2/event.h>

#include <functional>
#include <memory>
#include <string>

#include "probe/client_session.h"
#include "server/session_link.h"
#include "transcode/opus_to_aac.h"
#include "webrtc/whip_session.h"

namespace server {

class Server;
class WebrtcIngest;

// What the WHIP POST is answered once the RTMP publish is decided.
struct WhipOutcome {
    int status = 201;    // 201, or 403 (refused by a hook), 409 (name busy), 503...
    std::string reason;  // for an error: what the client is told
};

struct WhipPublication {
    std::string app, name;
    std::string stream_query;      // the POST's query: stream parameters
    std::string connection_query;  // "token=..." from the Bearer token: connection parameters
    std::string http_peer;         // the HTTP client "ip:port"
    std::string local;             // the UDP address media comes to
};

class WebrtcPublisher : public SessionLink, public webrtc::WhipEvents {
  public:
    WebrtcPublisher(Server& server, WebrtcIngest& ingest, std::uint64_t id, std::string resource,
                    WhipPublication where, webrtc::Negotiated negotiated,
                    webrtc::StunCredentials credentials,
                    std::shared_ptr<const webrtc::Certificate> certificate);
    ~WebrtcPublisher() override;

    // Starts the RTMP publish; `decided` is called once, when it is allowed or refused.
    void start(std::function<void(const WhipOutcome&)> decided);
    // DELETE on the resource, or the server ends it.
    void end_by_client(const std::string& reason);
    void datagram(util::ByteView data, const webrtc::TransportAddress& from);
    // A player joined a stream that has no keyframe to start at.
    void keyframe_wanted();

    const std::string& resource() const { return resource_; }
    const webrtc::WhipSession& whip() const { return *whip_; }
    bool publishing() const { return client_.active(); }

    // SessionLink / SessionIo
    Session& session() override { return *session_; }
    const Session& session() const override { return *session_; }
    void write(util::ByteView bytes) override;
    void write_shared(net::SharedBytes& chunks, std::size_t offset) override;
    std::size_t unsent() const override { return to_client_.size(); }
    bool all_sent() const override { return to_client_.empty(); }
    // The RTMP bytes made and not yet taken, and the media the WebRTC side still holds (jitter
    // buffers, the frame being reassembled, media waiting for the timeline): counted for
    // max_memory like a socket's unread input.
    std::size_t unread() const override {
        return from_client_.size() + (whip_ ? whip_->buffered_bytes() : 0);
    }
    void enter_player_output() override {}
    void flush(bool now) override;
    void set_reading(bool on) override;
    void set_deadline(std::optional<long long> at_ms) override;
    void finished() override;
    std::optional<webrtc::WhipStats> webrtc_stats() const override;
    std::optional<net::TlsSessionInfo> tls_info() const override { return std::nullopt; }

    // WhipEvents
    void send_datagram(util::ByteView datagram, const webrtc::TransportAddress& to) override;
    void on_connected(const webrtc::TransportAddress& peer) override;
    void on_video(const webrtc::VideoTag& tag, long long ms) override;
    void on_audio(util::ByteView payload, std::int64_t rtp_timestamp, long long ms) override;
    void on_ended(const std::string& reason, bool error) override;

  private:
    static void on_session_timer(evutil_socket_t, short, void* self);
    static void on_whip_timer(evutil_socket_t, short, void* self);
    static void on_pump(evutil_socket_t, short, void* self);
    // Bytes written, or reading turned on, outside pump() (a hook answered later): pump at once
    // from the loop, not from inside the session's call.
    void pump_soon();
    // Moves bytes between the in-process client and the server session until neither has any.
    void pump();
    void send_media(std::uint8_t type, long long ms, const util::Bytes& payload);
    void arm_whip_timer();
    void decide();

    Server& server_;
    WebrtcIngest& ingest_;
    std::string resource_;
    WhipPublication where_;
    std::unique_ptr<webrtc::WhipSession> whip_;
    probe::ClientSession client_;
    std::unique_ptr<Session> session_;
    event* session_timer_ = nullptr;
    event* whip_timer_ = nullptr;
    event* pump_event_ = nullptr;
    util::Bytes to_client_, from_client_;
    bool reading_ = true;
    bool pumping_ = false;
    bool finished_ = false;
    bool client_gone_ = false;
    std::function<void(const WhipOutcome&)> decided_;
    std::unique_ptr<transcode::OpusToAac> aac_;
    bool aac_failed_ = false;
    bool audio_header_sent_ = false;
    std::uint8_t g711_flags_ = 0;  // FLV audio tag byte for PCMA/PCMU passthrough
};

}  // namespace server
