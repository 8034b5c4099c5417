// An SDP offer (RFC 8866) as a WHIP client sends it, read into plain values: the ICE
// credentials, the DTLS fingerprint and role, and per m-line its codecs and feedback. Only what an
// ingest answers needs is kept; every count and length a peer chooses is bounded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace webrtc {

enum class SdpErrc { TooLarge, Malformed, MissingIce, MissingFingerprint, BadSetup, NoMedia };

struct SdpCodec {
    int payload_type = 0;
    std::string name;  // as offered ("H264", "opus", "PCMA", "rtx", ...)
    int clock_rate = 0;
    int channels = 1;
    std::string fmtp;                   // parameters as offered ("" when none)
    std::vector<std::string> feedback;  // a=rtcp-fb values ("nack", "nack pli", "goog-remb"...)

    // A parameter of fmtp ("packetization-mode"), "" when absent.
    std::string parameter(std::string_view key) const;
};

struct SdpMedia {
    std::string kind;      // "audio", "video", "application", ...
    std::string protocol;  // "UDP/TLS/RTP/SAVPF"
    std::string mid;
    std::string direction = "sendrecv";
    std::vector<int> formats;  // the m-line's payload types, in preference order
    std::string first_format;  // as written (a rejected m-line's answer repeats it)
    std::map<int, SdpCodec> codecs;
    std::vector<std::uint32_t> ssrcs;  // a=ssrc ids, in order of appearance
    std::vector<std::pair<std::uint32_t, std::uint32_t>> fid_groups;  // ssrc-group:FID media, rtx
    bool rtcp_mux = false;
    // Media-level ICE and DTLS attributes (browsers repeat them in every m-line).
    std::string ice_ufrag, ice_pwd, fingerprint_algorithm, fingerprint, setup;
};

struct SdpOffer {
    std::vector<SdpMedia> media;
    // Effective values: the session level's, or the first m-line's (they must agree in BUNDLE).
    std::string ice_ufrag, ice_pwd;
    std::string fingerprint;          // sha-256, "AB:CD:..."
    std::string setup;                // actpass or active: the answerer (we) takes passive
    std::vector<std::string> bundle;  // mids of a=group:BUNDLE
};

struct SdpLimits {
    std::size_t max_bytes = 64 * 1024;
    std::size_t max_lines = 4096;
    std::size_t max_media = 16;
    std::size_t max_codecs_per_media = 64;
    std::size_t max_ssrcs_per_media = 64;
};

using SdpResult = util::Result<SdpOffer, SdpErrc>;
SdpResult parse_offer(std::string_view text, const SdpLimits& limits = {});

// ICE credentials as RFC 8839 allows them: ice-chars, ufrag 4-256, pwd 22-256.
bool valid_ice_ufrag(std::string_view s);
bool valid_ice_pwd(std::string_view s);

}  // namespace webrtc
