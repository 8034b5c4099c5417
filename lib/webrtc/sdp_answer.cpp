#include "webrtc/sdp_answer.h"

#include <algorithm>
#include <cctype>

namespace webrtc {

namespace {

using util::Error;

bool sends(const SdpMedia& m) { return m.direction == "sendonly" || m.direction == "sendrecv"; }

// DTLS-SRTP profiles only: plain RTP/AVP cannot be keyed here.
bool secure_rtp(const SdpMedia& m) {
    return m.protocol == "UDP/TLS/RTP/SAVPF" || m.protocol == "UDP/TLS/RTP/SAVP";
}

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool has_feedback(const SdpCodec& c, std::string_view fb) {
    return std::find(c.feedback.begin(), c.feedback.end(), fb) != c.feedback.end();
}

// Constrained baseline with packetization-mode 1 is what every RTMP player decodes and what
// browsers encode in hardware; main and mode 0 (one NAL per packet) come after it.
int h264_preference(const SdpCodec& c) {
    std::string profile = c.parameter("profile-level-id");
    std::transform(profile.begin(), profile.end(), profile.begin(), ::tolower);
    const bool mode1 = c.parameter("packetization-mode") == "1";
    int score = mode1 ? 10 : 0;
    if (profile.rfind("42e0", 0) == 0)
        score += 3;
    else if (profile.rfind("42", 0) == 0)
        score += 2;
    else if (profile.rfind("4d", 0) == 0)
        score += 1;
    return score;
}

// Encoding names are case-insensitive (RFC 4855): "OPUS" from GStreamer is "opus". The track
// carries the canonical spelling so the rest compares names exactly.
std::string canonical_name(const std::string& name) {
    for (const char* known : {"opus", "H264", "PCMA", "PCMU"})
        if (same_name(name, known)) return known;
    return name;
}

Track track_of(const SdpMedia& m, const SdpCodec& c) {
    Track t;
    t.mid = m.mid;
    t.codec = canonical_name(c.name);
    t.payload_type = c.payload_type;
    t.clock_rate = c.clock_rate;
    t.channels = c.channels;
    t.fmtp = c.fmtp;
    t.nack = has_feedback(c, "nack");
    t.pli = has_feedback(c, "nack pli");
    t.fir = has_feedback(c, "ccm fir");
    t.remb = has_feedback(c, "goog-remb");
    t.ssrcs = m.ssrcs;
    return t;
}

std::optional<Track> choose_video(const SdpMedia& m) {
    const SdpCodec* best = nullptr;
    for (int pt : m.formats) {
        auto it = m.codecs.find(pt);
        if (it == m.codecs.end() || !same_name(it->second.name, "H264") ||
            it->second.clock_rate != 90000)
            continue;
        if (!best || h264_preference(it->second) > h264_preference(*best)) best = &it->second;
    }
    if (!best) return std::nullopt;
    Track t = track_of(m, *best);
    for (int pt : m.formats) {
        auto it = m.codecs.find(pt);
        if (it != m.codecs.end() && same_name(it->second.name, "rtx") &&
            it->second.parameter("apt") == std::to_string(best->payload_type)) {
            t.rtx_payload_type = pt;
            break;
        }
    }
    return t;
}

const SdpCodec* find_audio(const SdpMedia& m, std::string_view name, int clock) {
    for (int pt : m.formats) {
        auto it = m.codecs.find(pt);
        if (it != m.codecs.end() && same_name(it->second.name, name) &&
            it->second.clock_rate == clock)
            return &it->second;
    }
    // Static payload types need no rtpmap (RFC 3551): 0 PCMU, 8 PCMA.
    for (int pt : m.formats) {
        if (m.codecs.count(pt)) continue;
        if ((pt == 0 && name == "PCMU") || (pt == 8 && name == "PCMA")) {
            static const SdpCodec pcmu{0, "PCMU", 8000, 1, "", {}};
            static const SdpCodec pcma{8, "PCMA", 8000, 1, "", {}};
            return pt == 0 ? &pcmu : &pcma;
        }
    }
    return nullptr;
}

std::optional<Track> choose_audio(const SdpMedia& m, AudioChoice want, std::string& note) {
    struct Option {
        AudioChoice choice;
        const char* name;
        int clock;
    };
    static const Option kOptions[] = {
        {AudioChoice::Aac, "opus", 48000},
        {AudioChoice::Pcma, "PCMA", 8000},
        {AudioChoice::Pcmu, "PCMU", 8000},
    };
    // The configured codec first, then the others in the table's order.
    std::vector<Option> order;
    for (const Option& o : kOptions)
        if (o.choice == want) order.push_back(o);
    for (const Option& o : kOptions)
        if (o.choice != want) order.push_back(o);
    for (const Option& o : order) {
        if (const SdpCodec* c = find_audio(m, o.name, o.clock)) {
            if (o.choice != want)
                note = std::string("the offer has no audio for webrtc_audio ") +
                       audio_choice_name(want) + "; using " + o.name;
            return track_of(m, *c);
        }
    }
    note = "the offer has neither Opus nor G.711 audio; the stream has video only";
    return std::nullopt;
}

void append_line(std::string& out, std::string_view line) {
    out.append(line);
    out.append("\r\n");
}

void append_codec(std::string& out, const Track& t, bool video) {
    const std::string pt = std::to_string(t.payload_type);
    std::string map = "a=rtpmap:" + pt + " " + t.codec + "/" + std::to_string(t.clock_rate);
    if (t.channels > 1) map += "/" + std::to_string(t.channels);
    append_line(out, map);
    if (video) {
        if (t.nack) append_line(out, "a=rtcp-fb:" + pt + " nack");
        if (t.pli) append_line(out, "a=rtcp-fb:" + pt + " nack pli");
        if (t.fir) append_line(out, "a=rtcp-fb:" + pt + " ccm fir");
        if (t.remb) append_line(out, "a=rtcp-fb:" + pt + " goog-remb");
    }
    if (!t.fmtp.empty()) append_line(out, "a=fmtp:" + pt + " " + t.fmtp);
    if (t.rtx_payload_type >= 0) {
        const std::string rtx = std::to_string(t.rtx_payload_type);
        append_line(out, "a=rtpmap:" + rtx + " rtx/" + std::to_string(t.clock_rate));
        append_line(out, "a=fmtp:" + rtx + " apt=" + pt);
    }
}

}  // namespace

const char* audio_choice_name(AudioChoice c) {
    switch (c) {
        case AudioChoice::Aac:
            return "aac";
        case AudioChoice::Pcma:
            return "pcma";
        case AudioChoice::Pcmu:
            return "pcmu";
    }
    return "aac";
}

NegotiateResult negotiate(const SdpOffer& offer, AudioChoice audio) {
    Negotiated n;
    n.remote_ufrag = offer.ice_ufrag;
    n.remote_pwd = offer.ice_pwd;
    n.remote_fingerprint = offer.fingerprint;
    n.accepted.assign(offer.media.size(), false);
    bool video_offered = false;
    for (std::size_t i = 0; i < offer.media.size(); ++i) {
        const SdpMedia& m = offer.media[i];
        if (!secure_rtp(m) || !sends(m)) {
            if (m.kind == "video") video_offered = true;
            continue;
        }
        if (m.kind == "video" && !n.video) {
            video_offered = true;
            n.video = choose_video(m);
            n.accepted[i] = n.video.has_value();
        } else if (m.kind == "audio" && !n.audio) {
            n.audio = choose_audio(m, audio, n.audio_note);
            n.accepted[i] = n.audio.has_value();
        }
    }
    if (!n.video) {
        if (!video_offered)
            return Error<AnswerErrc>{AnswerErrc::NoVideo,
                                     "the offer sends no video (an RTMP stream needs H.264)"};
        for (const SdpMedia& m : offer.media)
            if (m.kind == "video" && secure_rtp(m) && !sends(m))
                return Error<AnswerErrc>{AnswerErrc::NotSending,
                                         "the offer's video is not sendonly or sendrecv"};
        return Error<AnswerErrc>{AnswerErrc::NoH264,
                                 "the offer's video has no H.264 (offer H264/90000, "
                                 "packetization-mode 1; VP8, VP9 and AV1 are not relayed)"};
    }
    return n;
}

std::string make_answer(const SdpOffer& offer, const Negotiated& chosen,
                        const LocalDescription& local) {
    std::string out;
    append_line(out, "v=0");
    append_line(out, "o=rtmpkit " + std::to_string(local.session_id) + " 2 IN IP4 127.0.0.1");
    append_line(out, "s=rtmpkit");
    append_line(out, "t=0 0");
    std::string bundle = "a=group:BUNDLE";
    for (std::size_t i = 0; i < offer.media.size(); ++i)
        if (chosen.accepted[i]) bundle += " " + offer.media[i].mid;
    append_line(out, bundle);
    append_line(out, "a=ice-lite");
    append_line(out, "a=msid-semantic: WMS *");
    bool first_accepted = true;
    for (std::size_t i = 0; i < offer.media.size(); ++i) {
        const SdpMedia& m = offer.media[i];
        if (!chosen.accepted[i]) {
            append_line(out, "m=" + m.kind + " 0 " + m.protocol + " " + m.first_format);
            append_line(out, "c=IN IP4 0.0.0.0");
            if (!m.mid.empty()) append_line(out, "a=mid:" + m.mid);
            append_line(out, "a=inactive");
            continue;
        }
        const bool video = m.kind == "video";
        const Track& t = video ? *chosen.video : *chosen.audio;
        std::string mline =
            "m=" + m.kind + " 9 " + m.protocol + " " + std::to_string(t.payload_type);
        if (t.rtx_payload_type >= 0) mline += " " + std::to_string(t.rtx_payload_type);
        append_line(out, mline);
        append_line(out, "c=IN IP4 0.0.0.0");
        append_line(out, "a=rtcp:9 IN IP4 0.0.0.0");
        append_line(out, "a=ice-ufrag:" + local.ice_ufrag);
        append_line(out, "a=ice-pwd:" + local.ice_pwd);
        append_line(out, "a=fingerprint:sha-256 " + local.fingerprint);
        append_line(out, "a=setup:passive");
        append_line(out, "a=mid:" + m.mid);
        append_line(out, "a=recvonly");
        append_line(out, "a=rtcp-mux");
        append_codec(out, t, video);
        // ICE-lite: the candidates go with the first bundled m-line (all share the transport).
        if (first_accepted) {
            int foundation = 1;
            for (const auto& [ip, port] : local.candidates) {
                append_line(out, "a=candidate:" + std::to_string(foundation) + " 1 udp " +
                                     std::to_string(2130706431 - foundation + 1) + " " + ip + " " +
                                     std::to_string(port) + " typ host");
                ++foundation;
            }
            append_line(out, "a=end-of-candidates");
            first_accepted = false;
        }
    }
    return out;
}

}  // namespace webrtc
