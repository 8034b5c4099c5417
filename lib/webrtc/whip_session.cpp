#include "webrtc/whip_session.h"

#include <algorithm>

#include "webrtc/packet_kind.h"

namespace webrtc {

namespace {

constexpr std::size_t kMaxCheckedAddresses = 8;
constexpr std::size_t kMaxSsrcs = 8;
constexpr std::size_t kMaxHeldBytes = 16 << 20;
constexpr std::size_t kMaxHeldItems = 4096;
constexpr long long kReportIntervalMs = 1000;
constexpr long long kMinPliSpacingMs = 500;
constexpr long long kNackTickMs = 20;
// While the video waits for a keyframe, the PLI is repeated this often: a browser sends a
// keyframe only when asked, so one lost PLI would otherwise freeze the picture for good.
constexpr long long kPliRepeatMs = 1000;

ReorderOptions video_reorder() {
    ReorderOptions o;
    o.max_wait_ms = 150;  // a NACK round trip or two on a LAN, before a frame is given up
    return o;
}

ReorderOptions audio_reorder() {
    ReorderOptions o;
    o.max_wait_ms = 40;  // audio is not retransmitted: only reordering is waited for
    o.capacity = 128;
    return o;
}

// A plain RTP packet of `p` (no extensions): what an RTX packet carried, rebuilt.
util::Bytes rebuild_rtp(const RtpPacket& p) {
    util::Bytes out(kRtpHeaderSize + p.payload.size());
    out[0] = 0x80;
    out[1] = std::uint8_t((p.marker ? 0x80 : 0) | (p.payload_type & 0x7F));
    util::put_be16(&out[2], p.sequence);
    util::put_be32(&out[4], p.timestamp);
    util::put_be32(&out[8], p.ssrc);
    std::copy(p.payload.begin(), p.payload.end(), out.begin() + kRtpHeaderSize);
    return out;
}

}  // namespace

WhipSession::WhipSession(Negotiated negotiated, StunCredentials credentials,
                         std::shared_ptr<const Certificate> certificate, WhipSettings settings,
                         WhipEvents& events, long long now_ms)
    : negotiated_(std::move(negotiated)),
      credentials_(std::move(credentials)),
      settings_(settings),
      events_(events),
      created_ms_(now_ms),
      last_seen_ms_(now_ms),
      dtls_(std::move(certificate), negotiated_.remote_fingerprint),
      video_(kVideoClockRate, video_reorder()),
      audio_(negotiated_.audio ? std::uint32_t(negotiated_.audio->clock_rate) : kOpusClockRate,
             audio_reorder()) {}

WhipSession::~WhipSession() = default;

void WhipSession::end(const std::string& reason, bool error) {
    if (ended_) return;
    ended_ = true;
    held_.clear();
    events_.on_ended(reason, error);
}

void WhipSession::close(const std::string& reason, long long now_ms) {
    (void)now_ms;
    if (ended_) return;
    std::vector<util::Bytes> out;
    dtls_.close(out);
    if (selected_)
        for (const auto& d : out) events_.send_datagram(d, *selected_);
    end(reason, false);
}

void WhipSession::receive(util::ByteView datagram, const TransportAddress& from, long long now_ms) {
    if (ended_) return;
    ++stats_.datagrams_in;
    stats_.bytes_in += datagram.size();
    switch (classify(datagram)) {
        case PacketKind::Stun:
            on_stun(datagram, from, now_ms);
            break;
        case PacketKind::Dtls:
            on_dtls(datagram, from, now_ms);
            break;
        case PacketKind::Rtp:
        case PacketKind::Rtcp:
            // Media only from an address that passed a check (a stranger cannot inject).
            if (!checked_.count(from) || !srtp_) {
                ++stats_.unknown_datagrams;
                return;
            }
            on_srtp(datagram, classify(datagram) == PacketKind::Rtcp, now_ms);
            break;
        default:
            ++stats_.unknown_datagrams;
            break;
    }
}

void WhipSession::on_stun(util::ByteView datagram, const TransportAddress& from, long long now_ms) {
    ++stats_.stun_requests;
    StunAnswer a = answer_binding(datagram, credentials_, from);
    if (a.kind != StunAnswer::Kind::Reply) {
        ++stats_.stun_refused;
        if (a.kind == StunAnswer::Kind::BadRequest && !a.reply.empty())
            events_.send_datagram(a.reply, from);
        return;
    }
    events_.send_datagram(a.reply, from);
    last_seen_ms_ = now_ms;
    if (!checked_.count(from) && checked_.size() < kMaxCheckedAddresses) checked_.insert(from);
    // The browser (controlling) nominates the pair; before that, the first pair that works.
    if (a.use_candidate || !selected_) selected_ = from;
}

void WhipSession::on_dtls(util::ByteView datagram, const TransportAddress& from, long long now_ms) {
    if (!checked_.count(from)) {
        ++stats_.unknown_datagrams;
        return;
    }
    if (!selected_) selected_ = from;
    std::vector<util::Bytes> out;
    dtls_.receive(datagram, now_ms, out);
    for (const auto& d : out) events_.send_datagram(d, from);
    if (dtls_.failed()) return end("DTLS: " + dtls_.error(), true);
    if (dtls_.peer_closed())
        return end("the browser closed the connection (DTLS close_notify)", false);
    if (dtls_.connected() && !srtp_) {
        auto keys = dtls_.srtp_keys();
        if (!keys) return end("DTLS gave no SRTP keys (no use_srtp agreed)", true);
        auto ctx = SrtpContext::make(*keys);
        if (!ctx.ok()) return end("SRTP: " + ctx.error().message, true);
        srtp_ = std::move(ctx.value());
        selected_ = from;
        next_report_ms_ = now_ms;
        next_periodic_pli_ms_ = now_ms + settings_.keyframe_interval_ms;
        events_.on_connected(from);
    }
}

void WhipSession::on_srtp(util::ByteView datagram, bool rtcp, long long now_ms) {
    // The sender's SSRC: RTP bytes 8-11, RTCP 4-7. More than kMaxSsrcs distinct ones would
    // each cost a libsrtp stream.
    const std::size_t at = rtcp ? 4 : 8;
    if (datagram.size() < at + 4) {
        ++stats_.unknown_datagrams;
        return;
    }
    const std::uint32_t ssrc = util::read_be32(datagram.data() + at);
    if (!ssrcs_.count(ssrc) && ssrcs_.size() >= kMaxSsrcs) {
        ++stats_.unknown_datagrams;
        return;
    }
    util::Bytes packet(datagram.begin(), datagram.end());
    if (rtcp ? !srtp_->unprotect_rtcp(packet) : !srtp_->unprotect_rtp(packet)) {
        ++stats_.srtp_failures;
        return;
    }
    ssrcs_.insert(ssrc);
    last_seen_ms_ = now_ms;
    if (rtcp)
        on_rtcp(packet, now_ms);
    else
        on_rtp(std::move(packet), now_ms);
}

void WhipSession::on_rtp(util::Bytes packet, long long now_ms) {
    auto parsed = parse_rtp(packet);
    if (!parsed.ok()) {
        ++stats_.unknown_datagrams;
        return;
    }
    RtpPacket p = *parsed;
    const Track* video = negotiated_.video ? &*negotiated_.video : nullptr;
    const Track* audio = negotiated_.audio ? &*negotiated_.audio : nullptr;
    Kind kind;
    bool retransmitted = false;
    if (video && p.payload_type == video->payload_type) {
        kind = Kind::Video;
        ++stats_.video_packets;
    } else if (video && video->rtx_payload_type >= 0 && p.payload_type == video->rtx_payload_type) {
        ++stats_.rtx_packets;
        auto original = unwrap_rtx(p, std::uint8_t(video->payload_type));
        if (!original || !video_.ssrc || p.payload.size() <= 2) return;  // padding probes
        original->ssrc = *video_.ssrc;
        kind = Kind::Video;
        retransmitted = true;
        packet = rebuild_rtp(*original);
        p = *parse_rtp(packet);
    } else if (audio && p.payload_type == audio->payload_type) {
        kind = Kind::Audio;
        ++stats_.audio_packets;
    } else {
        ++stats_.unknown_datagrams;
        return;
    }
    Source& src = kind == Kind::Video ? video_ : audio_;
    if (!src.ssrc) {
        src.ssrc = p.ssrc;
        src.stats = std::make_unique<ReceiveStats>(p.ssrc, src.timeline.clock_rate());
    } else if (*src.ssrc != p.ssrc) {
        restart_source(kind, p.ssrc, p.timestamp, now_ms);
    }
    // A retransmission arrives a round trip late by design: it is received, but no jitter.
    if (retransmitted) src.stats->on_recovered(p.sequence);
    else src.stats->on_packet(p.sequence, p.timestamp, now_ms);
    meter(p.payload.size(), now_ms);
    stats_.media_bytes += p.payload.size();
    src.reorder.push(p.sequence, std::move(packet), now_ms);
    drain(kind, now_ms);
}

// A new SSRC for the same media (a restarted encoder, a replaced track) numbers its packets and
// stamps its media afresh (RFC 3550 §8.2: it is a new source). Its sequence numbers would look
// like a jump or a replay to the old jitter buffer, and its timestamps, unwrapped on the old
// timeline, would move the media time by anything up to 2^31 ticks. So the source starts over:
// what the old SSRC still held is given up, and the new timestamps are shifted to go on where
// the old ones stopped plus the time since the old source's last packet arrived, so that media
// time (and the audio encoder's sample count) runs on. Video waits for a keyframe and asks for one.
void WhipSession::restart_source(Kind kind, std::uint32_t ssrc, std::uint32_t first_timestamp,
                                 long long now_ms) {
    if (!timeline_fixed_) fix_timeline(now_ms);  // what is held belongs to the old timeline
    Source& src = kind == Kind::Video ? video_ : audio_;
    const std::uint32_t rate = src.timeline.clock_rate();
    ++stats_.ssrc_changes;
    src.ssrc = ssrc;
    src.stats = std::make_unique<ReceiveStats>(ssrc, rate);
    src.sync = SenderReportSync(rate);
    src.reorder = ReorderBuffer(kind == Kind::Video ? video_reorder() : audio_reorder());
    src.timeline = RtpTimeline(rate);
    const std::int64_t first = src.timeline.unwrap(first_timestamp);
    // Without a packet of the old one released, nothing was placed: the new one is placed as a
    // source that starts now (first_ext is still unset, ext_shift still 0).
    if (src.last_ext) {
        const long long since_ms = std::max(0LL, now_ms - src.last_arrival_ms);
        src.ext_shift = *src.last_ext + std::int64_t(since_ms) * rate / 1000 - first;
    }
    if (kind == Kind::Video) {
        depacketizer_.restart();
        send_pli(now_ms);
    }
}

void WhipSession::drain(Kind kind, long long now_ms) {
    Source& src = kind == Kind::Video ? video_ : audio_;
    std::vector<ReorderedPacket> ready;
    src.reorder.pop_ready(now_ms, ready);
    for (auto& r : ready) {
        auto parsed = parse_rtp(r.packet);
        if (!parsed.ok()) continue;
        const RtpPacket& p = *parsed;
        if (r.after_loss) ++stats_.lost_packets;
        const std::int64_t ext = src.timeline.unwrap(p.timestamp) + src.ext_shift;
        if (!src.last_ext || ext > *src.last_ext) src.last_ext = ext;
        src.last_arrival_ms = now_ms;
        if (!src.first_ext) {
            src.first_ext = ext;
            src.first_arrival_ms = now_ms;
            if (!first_media_arrival_ms_) first_media_arrival_ms_ = now_ms;
            if (timeline_fixed_) place_late_source(src);
        }
        if (kind == Kind::Audio) {
            Held h{Kind::Audio, {}, util::Bytes(p.payload.begin(), p.payload.end()), ext};
            deliver(std::move(h), now_ms);
            continue;
        }
        std::vector<AccessUnit> aus;
        const bool needed = depacketizer_.needs_keyframe();
        const auto before = depacketizer_.dropped_access_units();
        depacketizer_.push(p.payload, p.timestamp, p.marker, r.after_loss, aus);
        stats_.dropped_frames += depacketizer_.dropped_access_units() - before;
        for (const auto& au : aus) deliver_video(au, now_ms);
        if (depacketizer_.needs_keyframe() && !needed) send_pli(now_ms);
    }
}

void WhipSession::deliver_video(const AccessUnit& au, long long now_ms) {
    std::vector<VideoTag> tags;
    tags_.push(au, tags);
    for (auto& t : tags) {
        const std::int64_t ext = video_.timeline.unwrap(t.rtp_timestamp) + video_.ext_shift;
        deliver(Held{Kind::Video, std::move(t), {}, ext}, now_ms);
    }
}

void WhipSession::deliver(Held held, long long now_ms) {
    if (!timeline_fixed_) {
        held_bytes_ += held.video.payload.size() + held.audio.size();
        held_.push_back(std::move(held));
        const bool video_synced = !negotiated_.video || video_.sync.synced();
        const bool audio_synced = !negotiated_.audio || audio_.sync.synced();
        if ((video_synced && audio_synced && video_.first_ext &&
             (!negotiated_.audio || audio_.first_ext)) ||
            held_bytes_ > kMaxHeldBytes || held_.size() > kMaxHeldItems)
            fix_timeline(now_ms);
        return;
    }
    const long long ms = std::max(0LL, media_ms(held.kind, held.ext));
    if (held.kind == Kind::Video) {
        ++stats_.frames_out;
        events_.on_video(held.video, ms);
    } else {
        events_.on_audio(held.audio, held.ext, ms);
    }
}

// Both sources get `ms = offset + ext * 1000 / rate`, fixed once: from the sender reports when
// both came (the sender's wall clock is common to audio and video), else from arrival times.
void WhipSession::fix_timeline(long long now_ms) {
    if (timeline_fixed_) return;
    timeline_fixed_ = true;
    auto scale = [](const Source& s) { return 1000.0 / double(s.timeline.clock_rate()); };
    const bool by_reports = (!negotiated_.video || video_.sync.synced()) &&
                            (!negotiated_.audio || audio_.sync.synced());
    std::optional<double> base;
    for (Source* s : {&video_, &audio_}) {
        if (!s->first_ext) continue;
        double first_ms;
        if (by_reports && s->sync.synced()) {
            // ntp_ms of the first timestamp (exact within 2^31 ticks of the report).
            const auto ntp = s->sync.ntp_ms(std::uint32_t(*s->first_ext));
            first_ms = ntp ? double(*ntp) : double(s->first_arrival_ms);
        } else {
            first_ms = double(s->first_arrival_ms);
        }
        s->offset_ms = first_ms - double(*s->first_ext) * scale(*s);
        if (!base || first_ms < *base) base = first_ms;
    }
    for (Source* s : {&video_, &audio_})
        if (s->offset_ms) *s->offset_ms -= *base;
    by_reports_ = by_reports;
    base_ms_ = base.value_or(0);
    // The arrival clock against the media timeline, taken from a source placed just now.
    arrival_shift_ms_ = 0;
    for (const Source* s : {&video_, &audio_}) {
        if (!s->offset_ms) continue;
        arrival_shift_ms_ =
            *s->offset_ms + double(*s->first_ext) * scale(*s) - double(s->first_arrival_ms);
        break;
    }
    std::vector<Held> held;
    held.swap(held_);
    held_bytes_ = 0;
    for (auto& h : held) deliver(std::move(h), now_ms);
}

// A source whose first packet came after the timeline was fixed (a microphone that starts
// late, audio after sync_wait_ms): placed by its sender report when the timeline is report-based
// and it has one, else where it arrived. Without this it would stay at 0 ms for good.
void WhipSession::place_late_source(Source& s) {
    if (s.offset_ms || !s.first_ext) return;
    const double scale = 1000.0 / double(s.timeline.clock_rate());
    double first_ms = double(s.first_arrival_ms) + arrival_shift_ms_;
    if (by_reports_ && s.sync.synced()) {
        if (const auto ntp = s.sync.ntp_ms(std::uint32_t(*s.first_ext)))
            first_ms = double(*ntp) - base_ms_;
    }
    s.offset_ms = first_ms - double(*s.first_ext) * scale;
}

long long WhipSession::media_ms(Kind kind, std::int64_t ext) const {
    const Source& s = kind == Kind::Video ? video_ : audio_;
    if (!s.offset_ms) return 0;
    return (long long)(*s.offset_ms + double(ext) * 1000.0 / double(s.timeline.clock_rate()));
}

std::optional<long long> WhipSession::audio_ms(std::int64_t rtp_timestamp) const {
    if (!audio_.offset_ms) return std::nullopt;
    return media_ms(Kind::Audio, rtp_timestamp);
}

void WhipSession::on_rtcp(util::ByteView packet, long long now_ms) {
    auto items = parse_rtcp(packet);
    if (!items.ok()) return;
    for (const auto& item : *items) {
        if (const auto* sr = std::get_if<SenderReport>(&item)) {
            for (Source* s : {&video_, &audio_}) {
                if (s->ssrc && *s->ssrc == sr->ssrc) {
                    s->sync.on_sender_report(sr->ntp, sr->rtp_timestamp);
                    if (s->stats) s->stats->on_sender_report(*sr, now_ms);
                }
            }
        } else if (const auto* bye = std::get_if<Bye>(&item)) {
            for (std::uint32_t ssrc : bye->ssrcs)
                if (video_.ssrc && ssrc == *video_.ssrc)
                    return end("the browser ended the stream (RTCP BYE)", false);
        }
    }
}

void WhipSession::send_rtcp(util::Bytes packet) {
    if (!srtp_ || !selected_ || !srtp_->protect_rtcp(packet)) return;
    events_.send_datagram(packet, *selected_);
}

void WhipSession::send_pli(long long now_ms) {
    if (!srtp_ || !video_.ssrc || now_ms - last_pli_ms_ < kMinPliSpacingMs) return;
    last_pli_ms_ = now_ms;
    ++stats_.plis_sent;
    util::Bytes p;
    append_receiver_report(p, own_ssrc_, nullptr);
    append_pli(p, own_ssrc_, *video_.ssrc);
    send_rtcp(std::move(p));
}

void WhipSession::request_keyframe(long long now_ms) {
    if (!ended_) send_pli(now_ms);
}

void WhipSession::send_nacks(long long now_ms) {
    if (!video_.ssrc || !negotiated_.video || !negotiated_.video->nack) return;
    auto seqs = video_.reorder.missing(now_ms);
    if (seqs.empty()) return;
    stats_.nacks_sent += seqs.size();
    util::Bytes p;
    append_receiver_report(p, own_ssrc_, nullptr);
    append_nack(p, own_ssrc_, *video_.ssrc, seqs);
    send_rtcp(std::move(p));
}

// Once a second: a receiver report per source and REMB, the bitrate the browser may use.
void WhipSession::send_feedback(long long now_ms) {
    next_report_ms_ = now_ms + kReportIntervalMs;
    for (Source* s : {&video_, &audio_}) {
        if (!s->stats) continue;
        ReportBlock block = s->stats->report(now_ms);
        util::Bytes p;
        append_receiver_report(p, own_ssrc_, &block);
        if (s == &video_ && negotiated_.video && negotiated_.video->remb) {
            std::vector<std::uint32_t> ssrcs{*video_.ssrc};
            append_remb(p, own_ssrc_, settings_.max_bitrate_bps, ssrcs);
        }
        send_rtcp(std::move(p));
    }
}

void WhipSession::meter(std::size_t bytes, long long now_ms) {
    if (now_ms - meter_start_ms_ >= 1000) {
        if (meter_start_ms_ != 0) {
            stats_.kbps =
                int(meter_bytes_ * 8 * 1000 / std::uint64_t(now_ms - meter_start_ms_) / 1000);
            stats_.max_kbps = std::max(stats_.max_kbps, stats_.kbps);
        }
        meter_start_ms_ = now_ms;
        meter_bytes_ = 0;
    }
    meter_bytes_ += bytes;
}

std::optional<long long> WhipSession::deadline() const {
    if (ended_) return std::nullopt;
    long long at = last_seen_ms_ + settings_.timeout_ms;
    if (!srtp_) at = std::min(at, created_ms_ + settings_.timeout_ms);
    if (auto d = dtls_.deadline()) at = std::min(at, *d);
    if (srtp_) {
        at = std::min(at, next_report_ms_);
        if (settings_.keyframe_interval_ms > 0) at = std::min(at, next_periodic_pli_ms_);
        for (const Source* s : {&video_, &audio_})
            if (auto skip = s->reorder.next_skip_ms()) at = std::min(at, *skip);
        if (video_.reorder.next_skip_ms()) at = std::min(at, next_nack_ms_);
        if (!timeline_fixed_ && first_media_arrival_ms_)
            at = std::min(at, *first_media_arrival_ms_ + settings_.sync_wait_ms);
        if (auto due = pli_repeat_due()) at = std::min(at, *due);
    }
    return at;
}

void WhipSession::on_deadline(long long now_ms) {
    if (ended_) return;
    // Checks alone do not keep an unconnected session: a browser whose DTLS is stuck goes on
    // checking, and would otherwise hold the session (and its port) for ever.
    if (!srtp_ && now_ms - created_ms_ >= settings_.timeout_ms)
        return end("the browser did not connect within webrtc_timeout", false);
    if (now_ms - last_seen_ms_ >= settings_.timeout_ms)
        return end(srtp_ ? "no media and no consent check for webrtc_timeout"
                         : "the browser did not connect within webrtc_timeout",
                   false);
    if (auto d = dtls_.deadline(); d && now_ms >= *d) {
        std::vector<util::Bytes> out;
        dtls_.on_deadline(now_ms, out);
        if (selected_)
            for (const auto& p : out) events_.send_datagram(p, *selected_);
        if (dtls_.failed()) return end("DTLS: " + dtls_.error(), true);
    }
    if (!srtp_) return;
    if (!timeline_fixed_ && first_media_arrival_ms_ &&
        now_ms >= *first_media_arrival_ms_ + settings_.sync_wait_ms)
        fix_timeline(now_ms);
    drain(Kind::Video, now_ms);
    drain(Kind::Audio, now_ms);
    if (now_ms >= next_nack_ms_) {
        send_nacks(now_ms);
        next_nack_ms_ = now_ms + kNackTickMs;
    }
    if (now_ms >= next_report_ms_) send_feedback(now_ms);
    if (settings_.keyframe_interval_ms > 0 && now_ms >= next_periodic_pli_ms_) {
        next_periodic_pli_ms_ = now_ms + settings_.keyframe_interval_ms;
        send_pli(now_ms);
    }
    if (auto due = pli_repeat_due(); due && now_ms >= *due) send_pli(now_ms);
}

// While the depacketizer waits for a keyframe (after a loss, or when the first one never came
// whole), the next PLI is due kPliRepeatMs after the last one, or after the first video packet.
std::optional<long long> WhipSession::pli_repeat_due() const {
    if (!video_.ssrc || !video_.first_ext || !depacketizer_.needs_keyframe()) return std::nullopt;
    return std::max(last_pli_ms_, video_.first_arrival_ms) + kPliRepeatMs;
}

}  // namespace webrtc
