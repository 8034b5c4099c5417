// Unit tests for webrtc::WhipSession, one WHIP publisher end to end without sockets: a scripted
// browser (tests/unit/webrtc_peer.h) checks connectivity, does the DTLS handshake and sends
// SRTP H.264 + audio with sender reports, on a fake clock; we check what comes out as FLV video
// tags, audio payloads and their timeline, and the feedback (NACK, PLI, RR, REMB) on the wire.
#include "webrtc/whip_session.h"

#include <boost/test/unit_test.hpp>
#include <map>
#include <random>

#include "media/video.h"
#include "webrtc/packet_kind.h"
#include "webrtc/sdp.h"
#include "webrtc_peer.h"

using namespace webrtc;
using namespace webrtc_peer;

namespace {

constexpr std::uint32_t kVideoSsrc = 0x1111AAAA;
constexpr std::uint32_t kAudioSsrc = 0x2222BBBB;
constexpr std::uint32_t kRtxSsrc = 0x3333CCCC;
constexpr std::uint32_t kOurSsrc = 0x52544D50;  // the session's feedback sender SSRC

const StunCredentials kCreds{"srvU", "serverpassword0123456789", ""};

// What the real Chromium offer negotiates (H.264 42e01f mode 1 as PT 108 with RTX 109, Opus 111).
Negotiated chrome_negotiated() {
    const auto bytes = media_test::unit_data("chrome156_offer.sdp");
    auto offer = parse_offer(std::string(bytes.begin(), bytes.end()));
    BOOST_REQUIRE(offer.ok());
    auto n = negotiate(*offer, AudioChoice::Aac);
    BOOST_REQUIRE(n.ok());
    return *n;
}

struct Sent {
    Bytes data;
    TransportAddress to;
    long long at = 0;
};
struct VideoOut {
    VideoTag tag;
    long long ms = 0, at = 0;
};
struct AudioOut {
    Bytes payload;
    std::int64_t ext = 0;
    long long ms = 0, at = 0;
};
struct Feedback {
    RtcpPacket packet;
    long long at = 0;
};

// The session under test, the browser, and a record of everything the session reported.
struct Harness : WhipEvents {
    Browser browser;
    TransportAddress addr = v4(127, 0, 0, 1, 50000);
    Negotiated negotiated;
    WhipSettings settings;
    long long now = 1000;
    std::unique_ptr<WhipSession> session;

    std::vector<Sent> sent;
    std::size_t read_upto = 0;  // sent[] already looked at by feedback()
    std::vector<TransportAddress> connected;
    long long connected_at = -1;
    std::vector<VideoOut> videos;
    std::vector<AudioOut> audios;
    std::optional<std::pair<std::string, bool>> ended;
    int ended_calls = 0;

    explicit Harness(WhipSettings s = {}, std::optional<std::string> fingerprint = std::nullopt)
        : negotiated(chrome_negotiated()), settings(s) {
        negotiated.remote_fingerprint = fingerprint.value_or(browser.dtls.fingerprint());
        StunCredentials creds = kCreds;
        creds.remote_ufrag = negotiated.remote_ufrag;
        session =
            std::make_unique<WhipSession>(negotiated, creds, server_cert(), settings, *this, now);
    }

    void send_datagram(util::ByteView d, const TransportAddress& to) override {
        sent.push_back({Bytes(d.begin(), d.end()), to, now});
    }
    void on_connected(const TransportAddress& peer) override {
        connected.push_back(peer);
        connected_at = now;
    }
    void on_video(const VideoTag& tag, long long ms) override { videos.push_back({tag, ms, now}); }
    void on_audio(util::ByteView payload, std::int64_t ext, long long ms) override {
        audios.push_back({Bytes(payload.begin(), payload.end()), ext, ms, now});
    }
    void on_ended(const std::string& reason, bool error) override {
        ended = {reason, error};
        ++ended_calls;
    }

    std::string username() const { return kCreds.local_ufrag + ":" + negotiated.remote_ufrag; }
    Bytes check(bool use_candidate = true, const std::string& pwd = kCreds.local_pwd) {
        return browser.stun.request(username(), pwd, use_candidate);
    }
    void receive(const Bytes& d, std::optional<TransportAddress> from = std::nullopt) {
        session->receive(d, from.value_or(addr), now);
    }
    // Processes every deadline up to `t`, then sets the clock to `t`.
    void run_until(long long t) {
        for (int guard = 0; guard < 100000; ++guard) {
            auto d = session->deadline();
            if (!d || *d > t) break;
            now = std::max(now, *d);
            session->on_deadline(now);
        }
        now = std::max(now, t);
    }
    void advance(long long ms) { run_until(now + ms); }

    // A check with USE-CANDIDATE; returns the mapped address of the reply (nullopt: no reply).
    std::optional<TransportAddress> stun(const Bytes& request,
                                         std::optional<TransportAddress> from = std::nullopt) {
        const std::size_t before = sent.size();
        receive(request, from);
        if (sent.size() != before + 1) return std::nullopt;
        BOOST_TEST((classify(sent.back().data) == PacketKind::Stun));
        BOOST_TEST((sent.back().to == from.value_or(addr)));
        return browser.stun.mapped_address(sent.back().data);
    }

    // Runs the DTLS handshake: the browser's flights in, our datagrams (to `addr`) back to it.
    void handshake() {
        browser.dtls.step();
        for (int round = 0; round < 20; ++round) {
            auto flight = browser.dtls.take();
            if (flight.empty()) break;
            const std::size_t before = sent.size();
            for (const auto& d : flight) receive(d);
            for (std::size_t i = before; i < sent.size(); ++i) {
                BOOST_TEST((classify(sent[i].data) == PacketKind::Dtls));
                BOOST_TEST((sent[i].to == addr));
                BOOST_TEST(sent[i].data.size() <= std::size_t(kDtlsMtu));
                browser.dtls.give(sent[i].data);
            }
            read_upto = sent.size();
            now += 5;
        }
    }

    void connect() {
        BOOST_REQUIRE(stun(check()).has_value());
        handshake();
        BOOST_REQUIRE(browser.dtls.done());
        BOOST_REQUIRE(session->connected());
        browser.keys_ready();
        read_upto = sent.size();
    }

    void media(const Bytes& plain, std::optional<TransportAddress> from = std::nullopt) {
        receive(browser.out->protect(plain), from);
    }
    void rtcp(const Bytes& plain) { receive(browser.out->protect_rtcp(plain)); }

    // The RTCP we sent since the last call, decrypted by the browser, split into packets.
    std::vector<Feedback> feedback() {
        std::vector<Feedback> out;
        for (; read_upto < sent.size(); ++read_upto) {
            const Sent& s = sent[read_upto];
            if (classify(s.data) != PacketKind::Rtcp) continue;
            BOOST_TEST((s.to == addr));
            auto plain = browser.in->unprotect_rtcp(s.data);
            BOOST_REQUIRE_MESSAGE(plain.has_value(), "our SRTCP does not authenticate");
            for (auto& p : split_rtcp(*plain)) out.push_back({std::move(p), s.at});
        }
        return out;
    }
};

bool is_nack(const RtcpPacket& p) { return p.type == 205 && p.count == 1; }
bool is_pli(const RtcpPacket& p) { return p.type == 206 && p.count == 1; }
bool is_remb(const RtcpPacket& p) { return p.type == 206 && p.count == 15; }

// NACK FCI entries (PID, BLP) expanded to seqs.
std::vector<std::uint16_t> nack_seqs(const RtcpPacket& p) {
    std::vector<std::uint16_t> seqs;
    for (std::size_t pos = 4; pos + 4 <= p.body.size(); pos += 4) {
        const std::uint16_t pid = std::uint16_t(util::read_be16(&p.body[pos]));
        const std::uint32_t blp = util::read_be16(&p.body[pos + 2]);
        seqs.push_back(pid);
        for (int b = 0; b < 16; ++b)
            if (blp & (1u << b)) seqs.push_back(std::uint16_t(pid + 1 + b));
    }
    return seqs;
}
std::uint32_t media_ssrc(const RtcpPacket& p) {
    return p.body.size() >= 4 ? util::read_be32(p.body.data()) : 0;
}

// Everything of one kind in a feedback list.
template <class Pred>
std::vector<Feedback> only(const std::vector<Feedback>& all, Pred pred) {
    std::vector<Feedback> out;
    for (const auto& f : all)
        if (pred(f.packet)) out.push_back(f);
    return out;
}

// A scripted stream: video AUs of the fixture at 30 fps and 20 ms audio packets, each with a
// capture time, sent at capture + a per-kind network delay, in time order.
struct Event {
    long long at;
    int order;
    Bytes plain;
    bool rtcp = false;
};

Bytes audio_payload(std::size_t j) {
    Bytes p{0xFC, std::uint8_t(j), std::uint8_t(j >> 8)};
    for (std::size_t i = 0; i < 40 + j % 7; ++i) p.push_back(std::uint8_t(i * 13 + j));
    return p;
}

struct Script {
    explicit Script(const Harness& h) {
        video.pt = std::uint8_t(h.negotiated.video->payload_type);
        video.ssrc = kVideoSsrc;
        audio_pt = std::uint8_t(h.negotiated.audio->payload_type);
    }
    VideoSender video;
    std::uint16_t audio_seq = 40000;
    std::uint32_t audio_ts0 = 123456789;
    std::uint8_t audio_pt = 111;
    std::vector<Event> events;
    std::map<std::size_t, std::vector<std::uint16_t>> seqs_of_au;  // AU index -> RTP seqs
    std::map<std::uint16_t, Bytes> video_packets;                  // by seq, plain

    static long long video_capture_ms(std::size_t i) { return (long long)(i * 100 / 3); }
    std::uint32_t video_ts(std::size_t i) const { return video.ts0 + 3000 * std::uint32_t(i); }
    std::uint32_t audio_ts(std::size_t j) const { return audio_ts0 + 960 * std::uint32_t(j); }

    void add_video(std::size_t first, std::size_t count, long long t0, long long delay) {
        const auto& s = fixture_stream();
        for (std::size_t i = first; i < first + count; ++i) {
            for (auto& p : video.packets(s.aus.at(i), i)) {
                const std::uint16_t seq = std::uint16_t(util::read_be16(&p[2]));
                seqs_of_au[i].push_back(seq);
                video_packets[seq] = p;
                events.push_back({t0 + video_capture_ms(i) + delay, 0, std::move(p)});
            }
        }
    }
    void add_audio(std::size_t count, long long t0, long long delay) {
        for (std::size_t j = 0; j < count; ++j)
            events.push_back({t0 + 20 * (long long)j + delay, 1,
                              rtp(j == 0, audio_pt, std::uint16_t(audio_seq + j), audio_ts(j),
                                  kAudioSsrc, audio_payload(j))});
    }
    // Sender reports of both sources mapping capture time c (ms after t0) to NTP base + c.
    void add_reports(long long at, long long capture_ms, std::uint64_t ntp_base_ms) {
        const std::uint64_t ntp = ntp_of_ms((long long)ntp_base_ms + capture_ms);
        events.push_back(
            {at, 2, rtcp_sr(video.ssrc, ntp, video.ts0 + std::uint32_t(capture_ms * 90)), true});
        events.push_back(
            {at, 2, rtcp_sr(kAudioSsrc, ntp, audio_ts0 + std::uint32_t(capture_ms * 48)), true});
    }
    // Sends everything in time order, processing deadlines in between; `drop` filters packets.
    template <class Drop>
    void play(Harness& h, Drop drop) {
        std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
            return a.at != b.at ? a.at < b.at : a.order < b.order;
        });
        for (const auto& e : events) {
            h.run_until(e.at);
            if (e.rtcp)
                h.rtcp(e.plain);
            else if (!drop(e.plain))
                h.media(e.plain);
        }
    }
    void play(Harness& h) {
        play(h, [](const Bytes&) { return false; });
    }
};

std::uint16_t seq_of(const Bytes& plain) { return std::uint16_t(util::read_be16(&plain[2])); }

// The frames delivered (not the sequence headers).
std::vector<VideoOut> frames(const Harness& h) {
    std::vector<VideoOut> out;
    for (const auto& v : h.videos)
        if (!v.tag.header) out.push_back(v);
    return out;
}

bool same(util::ByteView a, util::ByteView b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// The frames are fixture AUs `indices`, byte for byte, with one sequence header before them.
void check_frames(const Harness& h, const std::vector<std::size_t>& indices) {
    const auto& s = fixture_stream();
    BOOST_REQUIRE(!h.videos.empty());
    BOOST_TEST(h.videos.front().tag.header);
    auto config =
        media::parse_avc_decoder_config(util::ByteView(h.videos.front().tag.payload).subspan(5));
    BOOST_REQUIRE(config.ok());
    BOOST_TEST(config->sps.at(0) == s.sps);
    BOOST_TEST(config->pps.at(0) == s.pps);
    const auto f = frames(h);
    BOOST_REQUIRE_EQUAL(f.size(), indices.size());
    for (std::size_t k = 0; k < indices.size(); ++k) {
        BOOST_TEST_CONTEXT("frame " << k << " = AU " << indices[k]) {
            const std::size_t i = indices[k];
            auto vh = media::parse_video_tag_header(f[k].tag.payload);
            BOOST_REQUIRE(vh.ok());
            BOOST_TEST(vh->keyframe == bool(s.keyframes[i]));
            BOOST_TEST(f[k].tag.keyframe == bool(s.keyframes[i]));
            BOOST_TEST(vh->packet_type == 1);
            BOOST_TEST(same(util::ByteView(f[k].tag.payload).subspan(5), s.flv_bodies[i]));
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(whip_session)

// ---------------------------------------------------------------------------------------------
// The full path

BOOST_AUTO_TEST_CASE(chrome_offer_negotiates_h264_with_rtx_and_opus) {
    const Negotiated n = chrome_negotiated();
    BOOST_REQUIRE(n.video.has_value());
    BOOST_REQUIRE(n.audio.has_value());
    BOOST_TEST(n.video->codec == "H264");
    BOOST_TEST(n.video->payload_type == 108);
    BOOST_TEST(n.video->fmtp.find("packetization-mode=1") != std::string::npos, n.video->fmtp);
    BOOST_TEST(n.video->rtx_payload_type == 109);
    BOOST_TEST(n.video->nack);
    BOOST_TEST(n.video->pli);
    BOOST_TEST(n.video->remb);
    BOOST_TEST(n.audio->codec == "opus");
    BOOST_TEST(n.audio->payload_type == 111);
    BOOST_TEST(n.audio->clock_rate == 48000);
}

BOOST_AUTO_TEST_CASE(stun_dtls_srtp_to_flv_tags_and_audio_in_sync_by_sender_reports) {
    WhipSettings s;
    s.keyframe_interval_ms = 0;  // so that any PLI would say something went wrong
    Harness h(s);
    // The check: a success response with our address as the browser sees it.
    const auto mapped = h.stun(h.check());
    BOOST_REQUIRE(mapped.has_value());
    BOOST_TEST((*mapped == h.addr), mapped->text());
    BOOST_TEST((h.session->peer().value_or(TransportAddress{}) == h.addr));
    BOOST_TEST(!h.session->connected());
    BOOST_TEST(h.connected.empty());
    h.handshake();
    BOOST_REQUIRE(h.browser.dtls.done());
    BOOST_TEST(h.session->connected());
    BOOST_REQUIRE_EQUAL(h.connected.size(), 1u);
    BOOST_TEST((h.connected[0] == h.addr));
    // The browser saw the certificate the answer announces.
    BOOST_TEST(fingerprint_sha256(SSL_get0_peer_certificate(h.browser.dtls.ssl())) ==
               server_cert()->fingerprint_sha256());
    h.browser.keys_ready();

    // 90 frames (3 s, keyframes at 0, 30, 60) and 150 audio packets. Video travels 150 ms
    // longer than audio, so arrival order says nothing about capture time: only the sender
    // reports (both mapping capture time c to NTP 5e9 ms + c) can line them up.
    Script sc(h);
    sc.video.seq = 65000;                    // sequence numbers wrap
    sc.video.ts0 = 0xFFFFFFFFu - 3000 * 10;  // and so does the video timestamp
    const long long t0 = h.now + 100;
    sc.add_video(0, 90, t0, 170);
    sc.add_audio(150, t0, 20);
    sc.add_reports(t0 + 300, 250, 5'000'000'000ull);
    sc.add_reports(t0 + 1300, 1250, 5'000'000'000ull);
    sc.add_reports(t0 + 2300, 2250, 5'000'000'000ull);
    sc.play(h);
    h.advance(3000);  // the tail leaves the reorder buffers

    BOOST_TEST(!h.ended.has_value());
    std::vector<std::size_t> all(90);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    check_frames(h, all);
    BOOST_TEST(h.session->stats().frames_out == h.videos.size());
    BOOST_TEST(h.session->stats().srtp_failures == 0u);
    BOOST_TEST(h.session->stats().dropped_frames == 0u);

    // Audio payloads as sent, extended timestamps, one each.
    BOOST_REQUIRE_EQUAL(h.audios.size(), 150u);
    for (std::size_t j = 0; j < h.audios.size(); ++j) {
        BOOST_TEST(h.audios[j].payload == audio_payload(j), "audio " << j);
        BOOST_TEST(h.audios[j].ext == std::int64_t(sc.audio_ts(j)));
    }

    // Monotonic per track, starting at 0, and spaced as captured.
    const auto f = frames(h);
    for (std::size_t i = 1; i < f.size(); ++i) BOOST_TEST(f[i].ms >= f[i - 1].ms);
    for (std::size_t j = 1; j < h.audios.size(); ++j)
        BOOST_TEST(h.audios[j].ms >= h.audios[j - 1].ms);
    BOOST_TEST(std::min(f[0].ms, h.audios[0].ms) == 0);
    for (std::size_t i = 0; i < f.size(); ++i)
        BOOST_TEST(std::abs(f[i].ms - f[0].ms - Script::video_capture_ms(i)) <= 1, "frame " << i);
    BOOST_TEST(h.videos[0].ms == f[0].ms);  // the sequence header goes with the first keyframe
    // Equal capture time, equal ms (frame 3k and audio 5k are both captured at 100k ms).
    for (std::size_t k = 0; k < 30; ++k) {
        BOOST_TEST(
            std::abs(f[3 * k].ms - h.audios[5 * k].ms) <= 1,
            "at " << 100 * k << " ms: video " << f[3 * k].ms << " audio " << h.audios[5 * k].ms);
    }
    // The transcoder's mapping agrees with on_audio.
    BOOST_TEST(h.session->audio_ms(h.audios[77].ext).value_or(-1) == h.audios[77].ms);
    // Nothing left over: no NACK was needed and no PLI (the stream began with a keyframe).
    const auto fb = h.feedback();
    BOOST_TEST(only(fb, is_nack).empty());
    BOOST_TEST(only(fb, is_pli).empty());
    BOOST_TEST(h.session->stats().video_packets == sc.video_packets.size());
    BOOST_TEST(h.session->stats().audio_packets == 150u);
}

BOOST_AUTO_TEST_CASE(without_sender_reports_timeline_is_fixed_by_arrival_after_sync_wait) {
    WhipSettings s;
    s.sync_wait_ms = 1500;
    Harness h(s);
    h.connect();
    Script sc(h);
    const long long t0 = h.now + 100;
    sc.add_video(0, 60, t0, 170);  // first video arrives at t0 + 170
    sc.add_audio(100, t0, 20);     // first audio at t0 + 20
    sc.play(h);
    h.advance(1000);
    // Nothing before the wait is over, then what was held goes out at once.
    BOOST_REQUIRE(!h.audios.empty());
    BOOST_REQUIRE(!h.videos.empty());
    BOOST_TEST(h.audios.front().at == t0 + 20 + s.sync_wait_ms);
    BOOST_TEST(h.videos.front().at == t0 + 20 + s.sync_wait_ms);
    // ms = arrival of each track's first packet relative to the first of all.
    BOOST_TEST(h.audios.front().ms == 0);
    BOOST_TEST(frames(h).front().ms == 150);
    const auto f = frames(h);
    BOOST_REQUIRE_EQUAL(f.size(), 60u);
    for (std::size_t i = 0; i < f.size(); ++i)
        BOOST_TEST(std::abs(f[i].ms - 150 - Script::video_capture_ms(i)) <= 1);
    BOOST_REQUIRE_EQUAL(h.audios.size(), 100u);
    for (std::size_t j = 0; j < h.audios.size(); ++j)
        BOOST_TEST(std::abs(h.audios[j].ms - 20 * (long long)j) <= 1);
}

BOOST_AUTO_TEST_CASE(audio_starting_after_the_timeline_is_fixed_gets_its_arrival_time) {
    Harness h;
    h.connect();
    Script sc(h);
    const long long t0 = h.now + 100;
    sc.add_video(0, 90, t0, 0);      // video from t0 on; the timeline is fixed at t0 + 1500
    sc.add_audio(20, t0 + 2000, 0);  // the microphone starts 2 s late
    sc.play(h);
    h.advance(500);
    BOOST_REQUIRE_EQUAL(h.audios.size(), 20u);
    BOOST_TEST(frames(h).front().ms == 0);
    // Not all 0: the audio lands where it arrived on the video's timeline.
    for (std::size_t j = 0; j < h.audios.size(); ++j)
        BOOST_TEST(std::abs(h.audios[j].ms - (2000 + 20 * (long long)j)) <= 1,
                   "audio " << j << " at " << h.audios[j].ms);
    BOOST_TEST(h.session->audio_ms(h.audios[5].ext).value_or(-1) == h.audios[5].ms);
}

// ---------------------------------------------------------------------------------------------
// Loss: NACK, RTX, PLI

namespace {

// The seq of an FU-A fragment in the middle of AU `au`.
std::uint16_t middle_fragment(const Script& sc, std::size_t au) {
    const auto& seqs = sc.seqs_of_au.at(au);
    BOOST_REQUIRE(seqs.size() >= 3u);
    const std::uint16_t seq = seqs[seqs.size() / 2];
    const Bytes& p = sc.video_packets.at(seq);
    BOOST_REQUIRE((p[12] & 0x1F) == kNalFuA);
    BOOST_REQUIRE((p[13] & 0xC0) == 0);  // neither start nor end
    return seq;
}

}  // namespace

BOOST_AUTO_TEST_CASE(lost_fu_a_fragment_is_nacked_and_recovered_through_rtx) {
    WhipSettings s;
    s.keyframe_interval_ms = 0;
    Harness h(s);
    h.connect();
    Script sc(h);
    sc.video.seq = 100;
    const long long t0 = h.now + 10;
    sc.add_video(0, 40, t0, 0);
    const std::uint16_t lost = middle_fragment(sc, 5);
    std::optional<long long> nacked_at;
    std::uint16_t rtx_seq = 7;
    const auto rtx_pt = std::uint8_t(h.negotiated.video->rtx_payload_type);
    // The browser answers each NACK with an RTX packet 30 ms later (an RTT).
    std::vector<std::pair<long long, Bytes>> resend;
    sc.play(h, [&](const Bytes& p) {
        for (const auto& fb : only(h.feedback(), is_nack)) {
            BOOST_TEST(fb.packet.sender == kOurSsrc);
            BOOST_TEST(media_ssrc(fb.packet) == kVideoSsrc);
            BOOST_TEST(nack_seqs(fb.packet) == std::vector<std::uint16_t>{lost});
            if (!nacked_at) {
                nacked_at = fb.at;
                resend.emplace_back(fb.at + 30,
                                    rtx(sc.video_packets.at(lost), rtx_pt, kRtxSsrc, rtx_seq++));
            }
        }
        for (auto it = resend.begin(); it != resend.end();) {
            if (it->first <= h.now) {
                h.media(it->second);
                it = resend.erase(it);
            } else {
                ++it;
            }
        }
        return seq_of(p) == lost;
    });
    h.advance(2000);
    BOOST_REQUIRE(nacked_at.has_value());
    // The NACK goes out as soon as the next packet shows the hole (same frame, same ms).
    BOOST_TEST(*nacked_at - (t0 + Script::video_capture_ms(5)) <= 1);
    BOOST_TEST(h.session->stats().rtx_packets == 1u);
    BOOST_TEST(h.session->stats().nacks_sent >= 1u);
    BOOST_TEST(h.session->stats().lost_packets == 0u);
    BOOST_TEST(h.session->stats().dropped_frames == 0u);
    std::vector<std::size_t> all(40);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    check_frames(h, all);
    BOOST_TEST(only(h.feedback(), is_pli).empty());
}

BOOST_AUTO_TEST_CASE(fragment_never_resent_drops_frames_until_keyframe_and_sends_pli) {
    WhipSettings s;
    s.keyframe_interval_ms = 0;  // only the loss asks for a keyframe
    Harness h(s);
    h.connect();
    Script sc(h);
    const long long t0 = h.now + 10;
    sc.add_video(0, 45, t0, 0);
    const std::uint16_t lost = middle_fragment(sc, 5);
    std::vector<Feedback> fb;
    sc.play(h, [&](const Bytes& p) {
        auto more = h.feedback();
        fb.insert(fb.end(), more.begin(), more.end());
        return seq_of(p) == lost;
    });
    h.advance(2000);
    auto more = h.feedback();
    fb.insert(fb.end(), more.begin(), more.end());
    // NACKed at most max_nacks_per_seq (3) times, 20 ms apart.
    const auto nacks = only(fb, is_nack);
    BOOST_REQUIRE_EQUAL(nacks.size(), 3u);
    for (const auto& n : nacks) BOOST_TEST(nack_seqs(n.packet) == std::vector<std::uint16_t>{lost});
    BOOST_TEST(nacks[1].at - nacks[0].at >= 20);
    BOOST_TEST(nacks[2].at - nacks[1].at >= 20);
    // AU 5 and the P frames after it are gone; the next keyframe (AU 30) restarts the video.
    std::vector<std::size_t> want;
    for (std::size_t i = 0; i < 45; ++i)
        if (i < 5 || i >= 30) want.push_back(i);
    check_frames(h, want);
    BOOST_TEST(h.session->stats().dropped_frames == 25u);
    BOOST_TEST(h.session->stats().lost_packets >= 1u);
    // One PLI for the media SSRC, once the hole was given up (150 ms after it showed).
    const auto plis = only(fb, is_pli);
    BOOST_REQUIRE_EQUAL(plis.size(), 1u);
    BOOST_TEST(media_ssrc(plis[0].packet) == kVideoSsrc);
    BOOST_TEST(plis[0].packet.sender == kOurSsrc);
    BOOST_TEST(plis[0].at >= nacks[0].at + 150);
    BOOST_TEST(plis[0].at <= nacks[0].at + 150 + 34);
    BOOST_TEST(h.session->stats().plis_sent == 1u);
}

BOOST_AUTO_TEST_CASE(pli_is_repeated_every_second_until_a_keyframe_arrives) {
    WhipSettings s;
    s.keyframe_interval_ms = 0;  // no periodic PLI: only the loss asks
    Harness h(s);
    h.connect();
    Script sc(h);
    const long long t0 = h.now + 10;
    sc.add_video(0, 10, t0, 0);
    const std::uint16_t lost = middle_fragment(sc, 5);
    sc.play(h, [&](const Bytes& p) { return seq_of(p) == lost; });
    h.run_until(t0 + 3400);  // the browser "loses" our PLIs: no keyframe comes
    auto plis = only(h.feedback(), is_pli);
    BOOST_REQUIRE_EQUAL(plis.size(), 4u);
    // The first when the hole was given up (AU 5 at 166 ms, plus the 150 ms wait).
    BOOST_TEST(plis[0].at == t0 + Script::video_capture_ms(5) + 150);
    for (std::size_t i = 1; i < plis.size(); ++i) BOOST_TEST(plis[i].at - plis[i - 1].at == 1000);
    // A keyframe (AU 30 of the fixture) ends the repeats.
    const auto& fx = fixture_stream();
    BOOST_REQUIRE(fx.keyframes.at(30));
    for (const auto& p : sc.video.packets(fx.aus[30], 30)) h.media(p);
    h.advance(100);
    BOOST_TEST(frames(h).back().tag.keyframe);
    h.feedback();
    h.advance(3000);
    BOOST_TEST(only(h.feedback(), is_pli).empty());
    BOOST_TEST(h.session->stats().plis_sent == 4u);
}

BOOST_AUTO_TEST_CASE(periodic_pli_and_rate_limited_request_keyframe) {
    WhipSettings s;
    s.keyframe_interval_ms = 2000;
    Harness h(s);
    h.connect();
    const long long connected_at = h.connected_at;
    // request_keyframe needs to know the video SSRC: before any video it sends nothing.
    h.session->request_keyframe(h.now);
    BOOST_TEST(only(h.feedback(), is_pli).empty());
    Script sc(h);
    sc.add_video(0, 1, h.now + 10, 0);  // one keyframe, complete
    sc.play(h);
    std::vector<Feedback> plis;
    auto collect = [&] {
        auto p = only(h.feedback(), is_pli);
        plis.insert(plis.end(), p.begin(), p.end());
    };
    // Consent checks keep it alive; PLIs come every 2 s from the connection on.
    for (long long t = h.now; t < connected_at + 7000; t += 1000) {
        h.run_until(t);
        BOOST_REQUIRE(h.stun(h.check(false)).has_value());
        collect();
    }
    h.run_until(connected_at + 7000);
    collect();
    BOOST_REQUIRE_EQUAL(plis.size(), 3u);
    for (std::size_t i = 0; i < plis.size(); ++i) {
        BOOST_TEST(plis[i].at == connected_at + 2000 * (long long)(i + 1));
        BOOST_TEST(media_ssrc(plis[i].packet) == kVideoSsrc);
    }
    // On request: one now, none 100 ms later, one again after the 500 ms spacing.
    h.run_until(connected_at + 7100);
    plis.clear();
    h.session->request_keyframe(h.now);
    collect();
    BOOST_TEST(plis.size() == 1u);
    h.advance(100);
    h.session->request_keyframe(h.now);
    collect();
    BOOST_TEST(plis.size() == 1u);
    h.advance(450);
    h.session->request_keyframe(h.now);
    collect();
    BOOST_TEST(plis.size() == 2u);
    BOOST_TEST(h.session->stats().plis_sent == 5u);
}

// ---------------------------------------------------------------------------------------------
// Receiver reports and REMB

BOOST_AUTO_TEST_CASE(receiver_reports_and_remb_go_out_once_a_second) {
    WhipSettings s;
    s.max_bitrate_bps = 2'500'000;
    s.keyframe_interval_ms = 0;
    Harness h(s);
    h.connect();
    Script sc(h);
    sc.video.seq = 1;
    const long long t0 = h.now + 10;
    sc.add_video(0, 120, t0, 0);  // 4 s
    sc.add_audio(200, t0, 0);
    sc.play(h);
    const std::uint16_t last_video_seq = std::uint16_t(sc.video.seq - 1);
    h.advance(500);
    const auto fb = h.feedback();
    std::vector<Feedback> video_rr, audio_rr, remb;
    for (const auto& f : fb) {
        if (f.packet.type == 201 && f.packet.count == 1) {
            BOOST_REQUIRE(f.packet.body.size() == 24u);
            const std::uint32_t about = util::read_be32(f.packet.body.data());
            (about == kVideoSsrc ? video_rr : audio_rr).push_back(f);
            BOOST_TEST((about == kVideoSsrc || about == kAudioSsrc));
            BOOST_TEST(f.packet.sender == kOurSsrc);
        }
        if (is_remb(f.packet)) remb.push_back(f);
    }
    // About 4.5 s of media: 4 or 5 of each, 1 s apart.
    BOOST_TEST(video_rr.size() >= 4u);
    BOOST_TEST(video_rr.size() <= 5u);
    BOOST_TEST(audio_rr.size() >= 4u);
    BOOST_TEST(remb.size() == video_rr.size());
    for (std::size_t i = 1; i < video_rr.size(); ++i)
        BOOST_TEST(video_rr[i].at - video_rr[i - 1].at == 1000);
    // The last video block: nothing lost, the highest seq sent.
    const Bytes& b = video_rr.back().packet.body;
    BOOST_TEST(b[4] == 0);                     // fraction lost
    BOOST_TEST(util::read_be24(&b[5]) == 0u);  // cumulative lost
    BOOST_TEST((util::read_be32(&b[8]) & 0xFFFF) == last_video_seq);
    // REMB: "REMB", one SSRC (the video), exponent and mantissa = the configured bitrate.
    for (const auto& r : remb) {
        const Bytes& body = r.packet.body;
        BOOST_REQUIRE(body.size() == 16u);
        BOOST_TEST(util::read_be32(body.data()) == 0u);  // media SSRC unused
        BOOST_TEST((body[4] == 'R' && body[5] == 'E' && body[6] == 'M' && body[7] == 'B'));
        BOOST_TEST(body[8] == 1);
        const unsigned exp = body[9] >> 2;
        const std::uint64_t mantissa = ((body[9] & 3u) << 16) | util::read_be16(&body[10]);
        BOOST_TEST((mantissa << exp) == s.max_bitrate_bps);
        BOOST_TEST(util::read_be32(&body[12]) == kVideoSsrc);
    }
    BOOST_TEST(h.session->stats().kbps > 0);
}

// ---------------------------------------------------------------------------------------------
// Security

BOOST_AUTO_TEST_CASE(media_before_dtls_or_from_an_unchecked_address_is_ignored) {
    Harness h;
    const TransportAddress stranger = v4(10, 9, 8, 7, 4000);
    const Bytes fake = rtp(true, std::uint8_t(h.negotiated.video->payload_type), 1, 1, kVideoSsrc,
                           Bytes(100, 0x65));
    h.receive(fake);  // no check yet
    BOOST_REQUIRE(h.stun(h.check()).has_value());
    h.receive(fake);  // checked, no DTLS yet
    BOOST_TEST(h.session->stats().unknown_datagrams == 2u);
    // DTLS from an address that never passed a check gets no answer.
    h.browser.dtls.step();
    const auto hello = h.browser.dtls.take();
    const std::size_t before = h.sent.size();
    for (const auto& d : hello) h.receive(d, stranger);
    BOOST_TEST(h.sent.size() == before);
    BOOST_TEST(!h.session->connected());
    // The real handshake (the ClientHello again, from the checked address).
    for (const auto& d : hello) h.receive(d);
    for (std::size_t i = before; i < h.sent.size(); ++i) h.browser.dtls.give(h.sent[i].data);
    h.handshake();
    BOOST_REQUIRE(h.session->connected());
    h.browser.keys_ready();

    Script sc(h);
    sc.add_video(0, 1, h.now, 0);
    const auto& packets = sc.events;
    // Valid SRTP, but from the stranger: dropped before decryption, so the same packets from
    // the browser's address still authenticate afterwards (no replay state was touched).
    std::vector<Bytes> wire;
    for (const auto& e : packets) wire.push_back(h.browser.out->protect(e.plain));
    for (const auto& w : wire) h.receive(w, stranger);
    BOOST_TEST(h.session->stats().video_packets == 0u);
    BOOST_TEST(h.session->stats().srtp_failures == 0u);
    for (const auto& w : wire) h.receive(w);
    h.advance(2000);
    BOOST_TEST(h.session->stats().video_packets == wire.size());
    check_frames(h, {0});
    BOOST_TEST((h.session->peer().value_or(TransportAddress{}) == h.addr));
}

BOOST_AUTO_TEST_CASE(stun_with_wrong_password_gets_no_reply_and_selects_nothing) {
    Harness h;
    const TransportAddress other = v4(192, 0, 2, 1, 7000);
    BOOST_TEST(!h.stun(h.check(true, "not-the-server-password"), other).has_value());
    BOOST_TEST(h.sent.empty());
    BOOST_TEST(!h.session->peer().has_value());
    BOOST_TEST(h.session->stats().stun_refused == 1u);
    // Wrong username too.
    BOOST_TEST(!h.stun(h.browser.stun.request("srvU:someoneelse", kCreds.local_pwd, true), other)
                    .has_value());
    BOOST_TEST(!h.session->peer().has_value());
    // DTLS from there is not answered either.
    h.browser.dtls.step();
    for (const auto& d : h.browser.dtls.take()) h.receive(d, other);
    BOOST_TEST(h.sent.empty());
    // The right check from the right address works and selects it; a refused check later does
    // not move the selection.
    BOOST_TEST(h.stun(h.check()).has_value());
    BOOST_TEST(!h.stun(h.check(true, "wrong-password-again-xx"), other).has_value());
    BOOST_TEST((h.session->peer().value_or(TransportAddress{}) == h.addr));
}

BOOST_AUTO_TEST_CASE(srtp_failing_authentication_is_counted_and_dropped) {
    Harness h;
    h.connect();
    Script sc(h);
    sc.add_video(0, 2, h.now, 0);
    std::size_t failures = 0;
    for (const auto& e : sc.events) {
        Bytes w = h.browser.out->protect(e.plain);
        Bytes bad = w;
        bad[20] ^= 0x01;  // payload bit
        h.receive(bad);
        Bytes tag = w;
        tag.back() ^= 0x80;  // authentication tag bit
        h.receive(tag);
        failures += 2;
        h.receive(w);  // the genuine one still passes (the forgeries left no replay state)
    }
    // Forged SRTCP: a BYE that does not authenticate ends nothing.
    Bytes bye = h.browser.out->protect_rtcp(rtcp_bye(kVideoSsrc, {kVideoSsrc}));
    bye[10] ^= 0x04;
    h.receive(bye);
    ++failures;
    // Unencrypted RTP (no tag at all) is a failure too.
    h.receive(sc.events[0].plain);
    ++failures;
    h.advance(2000);
    BOOST_TEST(h.session->stats().srtp_failures == failures);
    BOOST_TEST(!h.ended.has_value());
    check_frames(h, {0, 1});
}

BOOST_AUTO_TEST_CASE(dtls_and_media_garbage_neither_crashes_nor_ends_the_session) {
    Harness h;
    BOOST_REQUIRE(h.stun(h.check()).has_value());
    std::mt19937 rng(5);
    auto junk = [&](std::uint8_t lo, std::uint8_t hi, std::size_t max) {
        Bytes j(1 + rng() % max);
        for (auto& b : j) b = std::uint8_t(rng());
        j[0] = std::uint8_t(lo + rng() % (hi - lo + 1));
        if (j.size() >= 13 && j[0] >= 20 && rng() % 2) {  // a plausible record header
            j[1] = 0xFE, j[2] = 0xFD;
            util::put_be16(j.data() + 11, std::uint32_t(j.size() - 13));
        }
        return j;
    };
    for (int i = 0; i < 300; ++i) h.receive(junk(20, 63, 400));
    for (int i = 0; i < 300; ++i) h.receive(junk(0, 3, 200));
    BOOST_TEST(!h.ended.has_value());
    h.handshake();
    BOOST_REQUIRE(h.session->connected());
    h.browser.keys_ready();
    for (int i = 0; i < 300; ++i) h.receive(junk(20, 63, 400));
    for (int i = 0; i < 300; ++i) h.receive(junk(128, 191, 300));
    for (int i = 0; i < 100; ++i) h.receive(junk(64, 127, 50));
    // Plain garbage that decrypts cannot exist; garbage RTP/RTCP inside valid SRTP then.
    for (int i = 0; i < 200; ++i) {
        Bytes j = junk(128, 191, 200);
        j.resize(std::max<std::size_t>(j.size(), 12));
        j[0] = 0x80;  // libsrtp would refuse to protect a header it cannot parse
        if (i % 2) {
            j[0] = std::uint8_t(0x80 | (rng() % 32));
            j[1] = std::uint8_t(192 + rng() % 32);
            h.rtcp(j);
        } else {
            // Often the video payload type, so the garbage reaches the depacketizer.
            j[1] = i % 4 == 0 ? std::uint8_t(h.negotiated.video->payload_type)
                              : std::uint8_t(j[1] & 0x7F);
            util::put_be32(&j[8], kVideoSsrc + std::uint32_t(i));
            h.media(j);
        }
    }
    h.receive(Bytes{});
    h.receive(Bytes{0x80});
    BOOST_TEST(!h.ended.has_value(), h.ended.value_or(std::pair{std::string(), false}).first);
    BOOST_TEST(h.session->connected());
    h.advance(2000);
    BOOST_TEST(!h.ended.has_value());
    // The unencrypted junk above: failed authentication, or refused before it for naming more
    // SSRCs than a session keeps (each would cost a libsrtp stream).
    BOOST_TEST(h.session->stats().srtp_failures + h.session->stats().unknown_datagrams >= 290u);
}

BOOST_AUTO_TEST_CASE(fingerprint_mismatch_ends_the_session_with_an_error) {
    Harness h({}, server_cert()->fingerprint_sha256());  // not the browser's certificate
    BOOST_REQUIRE(h.stun(h.check()).has_value());
    h.handshake();
    BOOST_TEST(!h.session->connected());
    BOOST_TEST(h.connected.empty());
    BOOST_REQUIRE(h.ended.has_value());
    BOOST_TEST(h.ended->second);
    BOOST_TEST(h.ended->first.find("fingerprint") != std::string::npos, h.ended->first);
    BOOST_TEST(h.browser.dtls.failed());  // it got our alert
    BOOST_TEST(h.ended_calls == 1);
    BOOST_TEST(h.session->ended());
    BOOST_TEST(!h.session->deadline().has_value());
    // Nothing more is reported or answered.
    const std::size_t before = h.sent.size();
    BOOST_TEST(!h.stun(h.check()).has_value());
    BOOST_TEST(h.sent.size() == before);
    h.session->close("late", h.now);
    BOOST_TEST(h.ended_calls == 1);
}

// ---------------------------------------------------------------------------------------------
// Timeouts and the end

BOOST_AUTO_TEST_CASE(answered_but_never_connecting_ends_after_timeout_despite_checks) {
    WhipSettings s;
    s.timeout_ms = 10000;
    Harness h(s);
    const long long created = h.now;
    // The browser keeps checking (as it does while its DTLS is stuck) but never handshakes.
    while (!h.ended && h.now < created + 30000) {
        BOOST_TEST(h.stun(h.check()).has_value());
        h.advance(2000);
    }
    BOOST_REQUIRE(h.ended.has_value());
    BOOST_TEST(h.ended->first.find("did not connect") != std::string::npos, h.ended->first);
    BOOST_TEST(h.now <= created + s.timeout_ms + 2000);
    BOOST_TEST(h.connected.empty());
}

BOOST_AUTO_TEST_CASE(nothing_at_all_ends_after_timeout) {
    WhipSettings s;
    s.timeout_ms = 5000;
    Harness h(s);
    BOOST_TEST(h.session->deadline().value_or(0) == h.now + 5000);
    h.advance(4999);
    BOOST_TEST(!h.ended.has_value());
    h.advance(1);
    BOOST_REQUIRE(h.ended.has_value());
    BOOST_TEST(h.ended->first.find("did not connect") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(connected_then_silent_ends_after_timeout) {
    WhipSettings s;
    s.timeout_ms = 10000;
    Harness h(s);
    h.connect();
    Script sc(h);
    sc.add_video(0, 10, h.now, 0);
    sc.play(h);
    const long long last = h.now;
    h.run_until(last + 9999);
    BOOST_TEST(!h.ended.has_value());
    h.run_until(last + 10000);
    BOOST_REQUIRE(h.ended.has_value());
    BOOST_TEST(h.ended->first.find("no media") != std::string::npos, h.ended->first);
    BOOST_TEST(!h.session->deadline().has_value());
}

BOOST_AUTO_TEST_CASE(consent_checks_keep_a_quiet_session_alive) {
    WhipSettings s;
    s.timeout_ms = 10000;
    Harness h(s);
    h.connect();
    for (int i = 0; i < 20; ++i) {  // 40 s of checks every 2 s, no media
        h.advance(2000);
        BOOST_REQUIRE(!h.ended.has_value());
        BOOST_TEST(h.stun(h.check(false)).has_value());
    }
    // A check with a wrong password is no consent.
    const long long last = h.now;
    h.advance(5000);
    BOOST_TEST(!h.stun(h.check(false, "wrong-password-entirely")).has_value());
    h.run_until(last + 9999);
    BOOST_TEST(!h.ended.has_value());
    h.run_until(last + 10000);
    BOOST_REQUIRE(h.ended.has_value());
    BOOST_TEST(!h.ended->second);
}

BOOST_AUTO_TEST_CASE(media_held_behind_a_hole_or_for_the_timeline_counts_as_buffered) {
    Harness h;
    h.connect();
    BOOST_TEST(h.session->buffered_bytes() == 0u);
    Script sc(h);
    const long long t0 = h.now + 100;
    sc.add_video(0, 5, t0, 0);
    const std::uint16_t lost = middle_fragment(sc, 2);
    sc.play(h, [&](const Bytes& p) { return seq_of(p) == lost; });
    // The packets after the hole wait in the jitter buffer (150 ms), the frames before it for
    // the timeline (no audio yet): all of it is the session's memory, for max_memory.
    std::size_t sent_after_hole = 0;
    for (const auto& [seq, packet] : sc.video_packets)
        if (seq_newer(seq, lost)) sent_after_hole += packet.size();
    BOOST_TEST(sent_after_hole > 0u);
    BOOST_TEST(h.session->buffered_bytes() >= sent_after_hole);
    h.advance(3000);  // the hole is given up, the timeline fixed by sync_wait_ms
    BOOST_TEST(!frames(h).empty());
    BOOST_TEST(h.session->buffered_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(a_new_ssrc_restarts_its_source_where_it_arrives) {
    Harness h;
    h.connect();
    Script sc(h);
    const long long t0 = h.now + 100;
    sc.add_video(0, 60, t0, 0);  // 2 s of video
    sc.add_audio(50, t0, 0);     // 1 s of audio
    // Then the microphone restarts: another SSRC, its sequence numbers and timestamps unrelated
    // (a jump the old timeline would have read as about 12 hours).
    constexpr std::uint32_t kNewAudioSsrc = kAudioSsrc + 1;
    for (std::size_t j = 0; j < 50; ++j)
        sc.events.push_back({t0 + 1000 + 20 * (long long)j, 1,
                             rtp(j == 0, sc.audio_pt, std::uint16_t(7 + j),
                                 sc.audio_ts0 + 0x7FFF0000u + 960 * std::uint32_t(j),
                                 kNewAudioSsrc, audio_payload(j))});
    // And the camera: a new SSRC at 2 s, starting again from the fixture's first keyframe.
    constexpr std::uint32_t kNewVideoSsrc = kVideoSsrc + 1;
    sc.video.ssrc = kNewVideoSsrc;
    sc.video.seq = std::uint16_t(sc.video.seq + 20000);
    sc.video.ts0 = 0x12345678;
    sc.add_video(0, 30, t0 + 2000, 0);
    sc.play(h);
    h.advance(1000);

    BOOST_TEST(h.session->stats().ssrc_changes == 2u);
    BOOST_REQUIRE_EQUAL(h.audios.size(), 100u);
    for (std::size_t j = 0; j < 100; ++j)
        BOOST_TEST(std::abs(h.audios[j].ms - 20 * (long long)j) <= 1,
                   "audio " << j << " at " << h.audios[j].ms);
    const auto f = frames(h);
    BOOST_REQUIRE_EQUAL(f.size(), 90u);
    for (std::size_t i = 0; i < 90; ++i) {
        const long long expected = i < 60 ? Script::video_capture_ms(i)
                                          : 2000 + Script::video_capture_ms(i - 60);
        BOOST_TEST(std::abs(f[i].ms - expected) <= 1, "frame " << i << " at " << f[i].ms);
    }
    BOOST_TEST(f[60].tag.keyframe);
    // The new camera is asked for a keyframe by its own SSRC.
    const auto plis = only(h.feedback(), is_pli);
    BOOST_TEST(std::any_of(plis.begin(), plis.end(), [](const Feedback& p) {
        return media_ssrc(p.packet) == kNewVideoSsrc;
    }));
}

BOOST_AUTO_TEST_CASE(rtcp_bye_of_the_video_ssrc_ends_the_session) {
    Harness h;
    h.connect();
    Script sc(h);
    sc.add_video(0, 2, h.now, 0);
    sc.add_audio(5, h.now, 0);
    sc.play(h);
    h.rtcp(rtcp_bye(kAudioSsrc, {kAudioSsrc}));  // the microphone alone: goes on
    BOOST_TEST(!h.ended.has_value());
    h.rtcp(rtcp_bye(kVideoSsrc, {0x12345678}));  // someone else's: goes on
    BOOST_TEST(!h.ended.has_value());
    h.rtcp(rtcp_bye(kVideoSsrc, {kAudioSsrc, kVideoSsrc}));
    BOOST_REQUIRE(h.ended.has_value());
    BOOST_TEST(!h.ended->second);
    BOOST_TEST(h.ended->first.find("BYE") != std::string::npos);
    BOOST_TEST(h.session->ended());
}

BOOST_AUTO_TEST_CASE(close_sends_close_notify_and_ends) {
    Harness h;
    h.connect();
    const std::size_t before = h.sent.size();
    h.session->close("WHIP DELETE", h.now);
    BOOST_REQUIRE(h.ended.has_value());
    BOOST_TEST(h.ended->first == "WHIP DELETE");
    BOOST_TEST(!h.ended->second);
    BOOST_REQUIRE_EQUAL(h.sent.size(), before + 1);
    BOOST_TEST(h.sent.back().data[0] == 21);  // a DTLS alert record
    BOOST_TEST((h.sent.back().to == h.addr));
    h.browser.dtls.give(h.sent.back().data);
    BOOST_TEST(h.browser.dtls.read_close_notify());
    // Ended: nothing more in or out, no deadline, a second close is a no-op.
    BOOST_TEST(!h.session->deadline().has_value());
    const auto in_before = h.session->stats().datagrams_in;
    h.receive(h.check());
    BOOST_TEST(h.session->stats().datagrams_in == in_before);
    h.session->close("again", h.now);
    BOOST_TEST(h.ended_calls == 1);
    BOOST_TEST(h.sent.size() == before + 1);
}

BOOST_AUTO_TEST_CASE(browser_close_notify_ends_the_session) {
    Harness h;
    h.connect();
    h.browser.dtls.shutdown();
    for (const auto& d : h.browser.dtls.take()) h.receive(d);
    BOOST_REQUIRE(h.ended.has_value());
    BOOST_TEST(!h.ended->second);
    BOOST_TEST(h.ended->first.find("close_notify") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
