// One WebRTC publisher, sans-IO: datagrams and the time in; STUN replies, DTLS records and RTCP
// feedback out, and the media as FLV video tags and audio payloads on one millisecond timeline.
// ICE-lite (we only answer checks), DTLS server, SRTP in, H.264 depacketized with a reorder
// buffer, NACK/RTX, PLI, receiver reports and REMB. The glue (server/webrtc_ingest.h) owns the
// socket and the timer; the RTMP side (server/webrtc_publisher.h) takes the media.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "webrtc/avc_tags.h"
#include "webrtc/certificate.h"
#include "webrtc/dtls_endpoint.h"
#include "webrtc/h264_depacketizer.h"
#include "webrtc/reorder_buffer.h"
#include "webrtc/rtcp.h"
#include "webrtc/rtp_clock.h"
#include "webrtc/rtp_packet.h"
#include "webrtc/sdp_answer.h"
#include "webrtc/srtp_context.h"
#include "webrtc/stun_responder.h"
#include "webrtc/transport_address.h"
#include "webrtc/whip_stats.h"

namespace webrtc {

struct WhipSettings {
    long long timeout_ms = 10000;             // consent freshness, and the wait to connect
    long long keyframe_interval_ms = 2000;    // periodic PLI; 0: only when asked
    std::uint64_t max_bitrate_bps = 8000000;  // REMB
    long long sync_wait_ms = 1500;            // how long media waits for sender reports (A/V sync)
};

class WhipEvents {
  public:
    virtual ~WhipEvents() = default;
    virtual void send_datagram(util::ByteView datagram, const TransportAddress& to) = 0;
    // DTLS is up: SRTP media follows.
    virtual void on_connected(const TransportAddress& peer) = 0;
    // Media on the session's timeline (ms from its first media, audio and video in sync).
    virtual void on_video(const VideoTag& tag, long long ms) = 0;
    // One RTP audio payload (Opus, PCMA or PCMU) with its extended RTP timestamp.
    virtual void on_audio(util::ByteView payload, std::int64_t rtp_timestamp, long long ms) = 0;
    // The session is over (timeout, DTLS failure or close, BYE); nothing more is reported.
    virtual void on_ended(const std::string& reason, bool error) = 0;
};

class WhipSession {
  public:
    WhipSession(Negotiated negotiated, StunCredentials credentials,
                std::shared_ptr<const Certificate> certificate, WhipSettings settings,
                WhipEvents& events, long long now_ms);
    ~WhipSession();
    WhipSession(const WhipSession&) = delete;
    WhipSession& operator=(const WhipSession&) = delete;

    void receive(util::ByteView datagram, const TransportAddress& from, long long now_ms);
    std::optional<long long> deadline() const;
    void on_deadline(long long now_ms);
    // A player joined without a keyframe to start at: ask the browser for one (rate-limited).
    void request_keyframe(long long now_ms);
    // Ends the session from our side (DELETE, the RTMP side closed): DTLS close_notify goes out.
    void close(const std::string& reason, long long now_ms);

    bool ended() const { return ended_; }
    bool connected() const { return srtp_ != nullptr; }
    // The extended RTP audio timestamp on the media timeline (for transcoded frames); nullopt
    // until the timeline is fixed.
    std::optional<long long> audio_ms(std::int64_t rtp_timestamp) const;
    const Negotiated& negotiated() const { return negotiated_; }
    const StunCredentials& credentials() const { return credentials_; }
    const WhipStats& stats() const { return stats_; }
    // Media bytes held: the jitter buffers, the access unit being reassembled, and what waits
    // for the timeline to be fixed.
    std::size_t buffered_bytes() const {
        return held_bytes_ + video_.reorder.held_bytes() + audio_.reorder.held_bytes() +
               depacketizer_.buffered_bytes();
    }
    const std::optional<TransportAddress>& peer() const { return selected_; }

  private:
    enum class Kind { Video = 0, Audio = 1 };
    struct Source {
        explicit Source(std::uint32_t rate, ReorderOptions options)
            : timeline(rate), sync(rate), reorder(options) {}
        std::optional<std::uint32_t> ssrc;
        RtpTimeline timeline;
        SenderReportSync sync;
        ReorderBuffer reorder;
        std::unique_ptr<ReceiveStats> stats;
        std::optional<std::int64_t> first_ext;  // first extended timestamp
        long long first_arrival_ms = 0;
        std::optional<double> offset_ms;  // ms = offset_ms + ext * 1000 / rate, once fixed
        // Added to the unwrapped timestamps of a source that restarted with a new SSRC, so that
        // they go on from the old ones (restart_source); 0 for the first SSRC.
        std::int64_t ext_shift = 0;
        std::optional<std::int64_t> last_ext;  // the newest extended timestamp released
        long long last_arrival_ms = 0;         // when that was
    };
    // Media held until the timeline is fixed (sender reports seen, or sync_wait_ms).
    struct Held {
        Kind kind;
        VideoTag video;
        util::Bytes audio;
        std::int64_t ext = 0;
    };

    void end(const std::string& reason, bool error);
    void on_stun(util::ByteView datagram, const TransportAddress& from, long long now_ms);
    void on_dtls(util::ByteView datagram, const TransportAddress& from, long long now_ms);
    void on_srtp(util::ByteView datagram, bool rtcp, long long now_ms);
    void on_rtp(util::Bytes packet, long long now_ms);
    void on_rtcp(util::ByteView packet, long long now_ms);
    void restart_source(Kind kind, std::uint32_t ssrc, std::uint32_t first_timestamp,
                        long long now_ms);
    void drain(Kind kind, long long now_ms);
    void deliver_video(const AccessUnit& au, long long now_ms);
    void deliver(Held held, long long now_ms);
    void fix_timeline(long long now_ms);
    void place_late_source(Source& s);
    long long media_ms(Kind kind, std::int64_t ext) const;
    void send_rtcp(util::Bytes packet);
    void send_feedback(long long now_ms);
    void send_nacks(long long now_ms);
    void send_pli(long long now_ms);
    std::optional<long long> pli_repeat_due() const;
    void meter(std::size_t bytes, long long now_ms);

    Negotiated negotiated_;
    StunCredentials credentials_;
    WhipSettings settings_;
    WhipEvents& events_;
    long long created_ms_;
    long long last_seen_ms_;  // consent: the last authenticated STUN check or media
    bool ended_ = false;

    std::set<TransportAddress> checked_;  // addresses that passed a STUN check (bounded)
    std::optional<TransportAddress> selected_;
    DtlsEndpoint dtls_;
    std::unique_ptr<SrtpContext> srtp_;
    // libsrtp keeps a stream per SSRC that authenticates: a few are plenty (media, RTX, RTCP).
    std::set<std::uint32_t> ssrcs_;

    Source video_;
    Source audio_;
    H264Depacketizer depacketizer_;
    AvcTagWriter tags_;
    std::uint32_t own_ssrc_ = 0x52544D50;  // "RTMP": the sender SSRC of our feedback
    long long next_report_ms_ = 0;
    long long last_pli_ms_ = -1000000;
    long long next_periodic_pli_ms_ = 0;
    long long next_nack_ms_ = 0;

    bool timeline_fixed_ = false;
    // How the timeline was fixed, for a source whose first packet comes later: by the sender
    // reports (media ms = NTP ms - base) or by arrival (media ms = arrival + arrival_shift).
    bool by_reports_ = false;
    double base_ms_ = 0, arrival_shift_ms_ = 0;
    std::vector<Held> held_;
    std::size_t held_bytes_ = 0;
    std::optional<long long> first_media_arrival_ms_;

    WhipStats stats_;
    long long meter_start_ms_ = 0;
    std::uint64_t meter_bytes_ = 0;
};

}  // namespace webrtc
