// What an ingest accepts of an offer, and the SDP answer that says so: H.264 for video (untouched
// into RTMP), Opus / PCMA / PCMU for audio, ICE-lite with host candidates, DTLS passive,
// rtcp-mux and BUNDLE. Sans-IO: credentials, fingerprint and candidates come from the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "webrtc/sdp.h"

namespace webrtc {

enum class AudioChoice { Aac, Pcma, Pcmu };  // webrtc_audio: what RTMP players get

enum class AnswerErrc { NoVideo, NoH264, NotSending };

struct Track {
    std::string mid;
    std::string codec;  // "H264", "opus", "PCMA", "PCMU"
    int payload_type = 0;
    int clock_rate = 0;
    int channels = 1;
    int rtx_payload_type = -1;  // -1: RTX not negotiated
    std::string fmtp;
    bool nack = false, pli = false, fir = false, remb = false;
    std::vector<std::uint32_t> ssrcs;  // as the offer announced them (may be empty)
};

struct Negotiated {
    std::optional<Track> video;
    std::optional<Track> audio;
    std::string remote_ufrag, remote_pwd, remote_fingerprint;
    // Per offered m-line, in order: accepted or not (the answer keeps the order and the mids).
    std::vector<bool> accepted;
    std::string audio_note;  // why audio was left out, or fell back to another codec
};

struct LocalDescription {
    std::string ice_ufrag, ice_pwd;
    std::string fingerprint;  // sha-256 "AB:CD:..."
    // Host candidates: "ip port" pairs announced for the one UDP port ("127.0.0.1", 40000).
    std::vector<std::pair<std::string, std::uint16_t>> candidates;
    std::uint64_t session_id = 1;
};

using NegotiateResult = util::Result<Negotiated, AnswerErrc>;
NegotiateResult negotiate(const SdpOffer& offer, AudioChoice audio);

std::string make_answer(const SdpOffer& offer, const Negotiated& chosen,
                        const LocalDescription& local);

const char* audio_choice_name(AudioChoice c);

}  // namespace webrtc
