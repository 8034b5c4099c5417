#include "webrtc/sdp.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace webrtc {

namespace {

using util::Error;

constexpr std::size_t kMaxLineBytes = 4096;

Error<SdpErrc> malformed(std::string what) { return {SdpErrc::Malformed, std::move(what)}; }

template <class T>
std::optional<T> number(std::string_view s) {
    T v{};
    if (s.empty() || s.size() > 12) return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size() && out.size() < 256) {
        while (i < s.size() && s[i] == ' ') ++i;
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

bool printable(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= 0x20 && c < 0x7f) || c == '\t'; });
}

bool ice_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
}

bool valid_payload_type(int pt) { return pt >= 0 && pt <= 127; }

// "sha-256 AB:CD:..." with 32 two-digit hex groups.
bool valid_sha256_fingerprint(std::string_view fp) {
    if (fp.size() != 32 * 3 - 1) return false;
    for (std::size_t i = 0; i < fp.size(); ++i) {
        if (i % 3 == 2) {
            if (fp[i] != ':') return false;
        } else if (!std::isxdigit(static_cast<unsigned char>(fp[i]))) {
            return false;
        }
    }
    return true;
}

struct Parser {
    explicit Parser(const SdpLimits& l) : limits(l) {}
    const SdpLimits& limits;
    SdpOffer offer;
    SdpMedia* media = nullptr;
    std::string session_ufrag, session_pwd, session_fp_alg, session_fp, session_setup;

    std::optional<Error<SdpErrc>> attribute(std::string_view a);
    std::optional<Error<SdpErrc>> media_line(std::string_view m);
    SdpCodec* codec(int pt) {
        if (!media) return nullptr;
        auto it = media->codecs.find(pt);
        if (it != media->codecs.end()) return &it->second;
        if (media->codecs.size() >= limits.max_codecs_per_media) return nullptr;
        SdpCodec& c = media->codecs[pt];
        c.payload_type = pt;
        return &c;
    }
};

std::optional<Error<SdpErrc>> Parser::media_line(std::string_view m) {
    if (offer.media.size() >= limits.max_media)
        return Error<SdpErrc>{SdpErrc::TooLarge,
                              "more than " + std::to_string(limits.max_media) + " m-lines"};
    auto w = words(m);
    if (w.size() < 4) return malformed("an m-line needs kind, port, protocol and formats");
    SdpMedia next;
    next.kind = std::string(w[0]);
    next.protocol = std::string(w[2]);
    next.first_format = std::string(w[3].substr(0, 64));
    for (std::size_t i = 3; i < w.size(); ++i) {
        auto pt = number<int>(w[i]);
        if (pt && valid_payload_type(*pt)) {
            if (next.formats.size() < limits.max_codecs_per_media) next.formats.push_back(*pt);
        } else if (next.protocol.find("RTP") != std::string::npos) {
            return malformed("an RTP m-line lists a format that is no payload type");
        }
    }
    offer.media.push_back(std::move(next));
    media = &offer.media.back();
    return std::nullopt;
}

std::optional<Error<SdpErrc>> Parser::attribute(std::string_view a) {
    const auto colon = a.find(':');
    const std::string_view name = a.substr(0, colon);
    const std::string_view value = colon == std::string_view::npos ? "" : a.substr(colon + 1);
    std::string& ufrag = media ? media->ice_ufrag : session_ufrag;
    std::string& pwd = media ? media->ice_pwd : session_pwd;
    std::string& fp_alg = media ? media->fingerprint_algorithm : session_fp_alg;
    std::string& fp = media ? media->fingerprint : session_fp;
    std::string& setup = media ? media->setup : session_setup;
    if (name == "ice-ufrag") {
        ufrag = std::string(value);
    } else if (name == "ice-pwd") {
        pwd = std::string(value);
    } else if (name == "fingerprint") {
        auto w = words(value);
        if (w.size() != 2) return malformed("a=fingerprint needs an algorithm and a value");
        std::string alg(w[0]);
        std::transform(alg.begin(), alg.end(), alg.begin(), ::tolower);
        // Several fingerprints may be offered; keep the sha-256 one.
        if (alg == "sha-256" || fp.empty()) {
            fp_alg = alg;
            fp = std::string(w[1]);
        }
    } else if (name == "setup") {
        setup = std::string(value);
    } else if (name == "group") {
        auto w = words(value);
        if (!w.empty() && w[0] == "BUNDLE")
            for (std::size_t i = 1; i < w.size() && i <= limits.max_media; ++i)
                offer.bundle.emplace_back(w[i]);
    } else if (!media) {
        return std::nullopt;  // other session attributes do not matter to an ingest
    } else if (name == "mid") {
        if (value.empty() || value.size() > 32) return malformed("a=mid must be 1-32 characters");
        media->mid = std::string(value);
    } else if (name == "sendonly" || name == "recvonly" || name == "sendrecv" ||
               name == "inactive") {
        media->direction = std::string(name);
    } else if (name == "rtcp-mux") {
        media->rtcp_mux = true;
    } else if (name == "rtpmap") {
        // a=rtpmap:<pt> <name>/<clock>[/<channels>]
        const auto space = value.find(' ');
        auto pt = number<int>(value.substr(0, space));
        if (!pt || !valid_payload_type(*pt) || space == std::string_view::npos)
            return malformed("a=rtpmap needs a payload type and an encoding");
        std::string_view enc = value.substr(space + 1);
        const auto s1 = enc.find('/');
        if (s1 == std::string_view::npos || s1 == 0 || s1 > 32)
            return malformed("a=rtpmap needs name/clock-rate");
        std::string_view rest = enc.substr(s1 + 1);
        const auto s2 = rest.find('/');
        auto clock = number<int>(rest.substr(0, s2));
        if (!clock || *clock <= 0 || *clock > 1000000) return malformed("a=rtpmap clock rate");
        int channels = 1;
        if (s2 != std::string_view::npos) {
            auto ch = number<int>(rest.substr(s2 + 1));
            if (!ch || *ch < 1 || *ch > 8) return malformed("a=rtpmap channel count");
            channels = *ch;
        }
        if (SdpCodec* c = codec(*pt)) {
            c->name = std::string(enc.substr(0, s1));
            c->clock_rate = *clock;
            c->channels = channels;
        }
    } else if (name == "fmtp") {
        const auto space = value.find(' ');
        auto pt = number<int>(value.substr(0, space));
        if (!pt || !valid_payload_type(*pt) || space == std::string_view::npos)
            return malformed("a=fmtp needs a payload type and parameters");
        if (SdpCodec* c = codec(*pt)) c->fmtp = std::string(value.substr(space + 1));
    } else if (name == "rtcp-fb") {
        const auto space = value.find(' ');
        if (space == std::string_view::npos) return malformed("a=rtcp-fb needs a type");
        const std::string_view what = value.substr(space + 1);
        if (value.substr(0, space) == "*") return std::nullopt;  // wildcard: not used by browsers
        auto pt = number<int>(value.substr(0, space));
        if (!pt || !valid_payload_type(*pt)) return malformed("a=rtcp-fb payload type");
        if (SdpCodec* c = codec(*pt); c && c->feedback.size() < 16) c->feedback.emplace_back(what);
    } else if (name == "ssrc") {
        auto ssrc = number<std::uint32_t>(value.substr(0, value.find(' ')));
        if (!ssrc) return malformed("a=ssrc needs a number");
        if (std::find(media->ssrcs.begin(), media->ssrcs.end(), *ssrc) == media->ssrcs.end() &&
            media->ssrcs.size() < limits.max_ssrcs_per_media)
            media->ssrcs.push_back(*ssrc);
    } else if (name == "ssrc-group") {
        auto w = words(value);
        if (w.size() == 3 && w[0] == "FID") {
            auto a = number<std::uint32_t>(w[1]);
            auto b = number<std::uint32_t>(w[2]);
            if (!a || !b) return malformed("a=ssrc-group:FID needs two numbers");
            if (media->fid_groups.size() < limits.max_ssrcs_per_media)
                media->fid_groups.emplace_back(*a, *b);
        }
    }
    return std::nullopt;
}

}  // namespace

std::string SdpCodec::parameter(std::string_view key) const {
    std::string_view rest = fmtp;
    while (!rest.empty()) {
        const auto semi = rest.find(';');
        std::string_view item = rest.substr(0, semi);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        const auto eq = item.find('=');
        if (item.substr(0, eq) == key)
            return eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1));
        if (semi == std::string_view::npos) break;
        rest.remove_prefix(semi + 1);
    }
    return "";
}

bool valid_ice_ufrag(std::string_view s) {
    return s.size() >= 4 && s.size() <= 256 && std::all_of(s.begin(), s.end(), ice_char);
}

bool valid_ice_pwd(std::string_view s) {
    return s.size() >= 22 && s.size() <= 256 && std::all_of(s.begin(), s.end(), ice_char);
}

SdpResult parse_offer(std::string_view text, const SdpLimits& limits) {
    if (text.size() > limits.max_bytes)
        return Error<SdpErrc>{SdpErrc::TooLarge,
                              "the offer is over " + std::to_string(limits.max_bytes) + " bytes"};
    Parser p(limits);
    std::size_t lines = 0;
    bool saw_version = false;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        if (++lines > limits.max_lines)
            return Error<SdpErrc>{SdpErrc::TooLarge, "the offer has too many lines"};
        if (line.size() > kMaxLineBytes) return malformed("a line is over 4096 bytes");
        if (line.size() < 2 || line[1] != '=' || !printable(line))
            return malformed("a line that is not <type>=<value> of printable text");
        const char type = line[0];
        const std::string_view value = line.substr(2);
        if (!saw_version) {
            if (type != 'v' || value != "0") return malformed("an SDP starts with v=0");
            saw_version = true;
            continue;
        }
        std::optional<Error<SdpErrc>> err;
        if (type == 'm')
            err = p.media_line(value);
        else if (type == 'a')
            err = p.attribute(value);
        if (err) return *err;
    }
    if (!saw_version) return malformed("an SDP starts with v=0");
    SdpOffer& o = p.offer;
    if (o.media.empty()) return Error<SdpErrc>{SdpErrc::NoMedia, "the offer has no m-line"};
    // Session-level values, else the first m-line's that has them (a rejected m-line may
    // carry none); every m-line must agree (one transport).
    const SdpMedia* first = &o.media.front();
    for (const SdpMedia& m : o.media)
        if (!m.ice_ufrag.empty()) {
            first = &m;
            break;
        }
    o.ice_ufrag = !p.session_ufrag.empty() ? p.session_ufrag : first->ice_ufrag;
    o.ice_pwd = !p.session_pwd.empty() ? p.session_pwd : first->ice_pwd;
    std::string alg = !p.session_fp.empty() ? p.session_fp_alg : first->fingerprint_algorithm;
    o.fingerprint = !p.session_fp.empty() ? p.session_fp : first->fingerprint;
    o.setup = !p.session_setup.empty() ? p.session_setup : first->setup;
    if (!valid_ice_ufrag(o.ice_ufrag) || !valid_ice_pwd(o.ice_pwd))
        return Error<SdpErrc>{
            SdpErrc::MissingIce,
            "the offer needs a=ice-ufrag (4-256 ice-chars) and a=ice-pwd (22-256)"};
    if (alg != "sha-256" || !valid_sha256_fingerprint(o.fingerprint))
        return Error<SdpErrc>{SdpErrc::MissingFingerprint,
                              "the offer needs a=fingerprint:sha-256 with 32 hex bytes"};
    if (o.setup.empty()) o.setup = "actpass";
    if (o.setup != "actpass" && o.setup != "active")
        return Error<SdpErrc>{SdpErrc::BadSetup,
                              "a=setup must be actpass or active (this server is the DTLS server)"};
    // BUNDLE (RFC 8843) names m-lines by mid: each needs one, and no two the same.
    for (std::size_t i = 0; i < o.media.size(); ++i) {
        if (o.media[i].mid.empty()) return malformed("every m-line needs a=mid (BUNDLE)");
        for (std::size_t j = 0; j < i; ++j)
            if (o.media[j].mid == o.media[i].mid) return malformed("two m-lines with one a=mid");
    }
    for (const SdpMedia& m : o.media) {
        if ((!m.ice_ufrag.empty() && m.ice_ufrag != o.ice_ufrag) ||
            (!m.ice_pwd.empty() && m.ice_pwd != o.ice_pwd))
            return Error<SdpErrc>{SdpErrc::MissingIce,
                                  "m-lines with different ICE credentials (one transport only)"};
    }
    return std::move(p.offer);
}

}  // namespace webrtc
