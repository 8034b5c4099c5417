// ICE-lite Binding responder: a bounded structural pre-check of our own (so garbage never reaches
// libnice and the session can be found by USERNAME), then libnice's agent for MESSAGE-INTEGRITY,
// FINGERPRINT and the response.
#include "webrtc/stun_responder.h"

#include <netinet/in.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#include <cstdint>
#include <cstring>

namespace webrtc {
namespace {

constexpr std::uint32_t kMagicCookie = 0x2112A442;
constexpr std::uint16_t kBindingRequest = 0x0001;
constexpr std::size_t kHeader = 20;

// What the walk over the attributes found; offsets are from the start of the datagram.
struct StunLayout {
    std::uint16_t type = 0;
    std::optional<std::string> username;
    bool integrity = false;
    bool fingerprint_last = false;  // RFC 5389 §15.5: FINGERPRINT is the final attribute
    bool integrity_before_fingerprint = false;
};

// A STUN message as RFC 5389 §6 frames it (top bits zero, magic cookie, length matching the
// datagram, 4-byte aligned attributes that stay inside it), or nullopt.
std::optional<StunLayout> walk(util::ByteView d) {
    if (d.size() < kHeader || d.size() > kMaxStunDatagram) return std::nullopt;
    StunLayout out;
    out.type = std::uint16_t(util::read_be16(d.data()));
    const std::size_t length = util::read_be16(d.data() + 2);
    if ((d[0] & 0xC0) != 0 || util::read_be32(d.data() + 4) != kMagicCookie || length % 4 != 0 ||
        kHeader + length != d.size()) {
        return std::nullopt;
    }
    util::Reader r(d.subspan(kHeader));
    std::uint32_t last_type = 0, prev_type = 0;
    while (!r.empty()) {
        std::uint32_t type = 0, len = 0;
        util::ByteView value;
        if (!r.be16(type) || !r.be16(len) || !r.bytes(len, value)) return std::nullopt;
        if (!r.skip((4 - len % 4) % 4)) return std::nullopt;
        if (type == STUN_ATTRIBUTE_USERNAME && !out.username && !out.integrity) {
            if (len > kMaxStunUsername) return std::nullopt;
            out.username.emplace(value.begin(), value.end());
        }
        if (type == STUN_ATTRIBUTE_MESSAGE_INTEGRITY) out.integrity = true;
        prev_type = last_type;
        last_type = type;
    }
    out.fingerprint_last = last_type == STUN_ATTRIBUTE_FINGERPRINT;
    out.integrity_before_fingerprint = prev_type == STUN_ATTRIBUTE_MESSAGE_INTEGRITY;
    return out;
}

// Comprehension-required attributes (0x0000-0x7FFF) a browser's check may carry; the
// optional ones (ICE-CONTROLLING, GOOG-NETWORK-INFO, ...) never fail validation.
const std::uint16_t kKnownAttributes[] = {
    STUN_ATTRIBUTE_USERNAME,      STUN_ATTRIBUTE_MESSAGE_INTEGRITY,  STUN_ATTRIBUTE_PRIORITY,
    STUN_ATTRIBUTE_USE_CANDIDATE, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, 0};

struct ValidaterData {
    const std::string* username;
    const std::string* password;
};

// libnice asks for the key of the USERNAME it found; only our exact pair is accepted.
bool validater(StunAgent*, StunMessage*, uint8_t* username, uint16_t username_len,
               uint8_t** password, size_t* password_len, void* user_data) {
    const auto* data = static_cast<const ValidaterData*>(user_data);
    if (username_len != data->username->size() ||
        std::memcmp(username, data->username->data(), username_len) != 0) {
        return false;
    }
    // libnice takes a non-const pointer but only reads the key.
    *password = reinterpret_cast<uint8_t*>(const_cast<char*>(data->password->data()));
    *password_len = data->password->size();
    return true;
}

sockaddr_storage to_sockaddr(const TransportAddress& a, socklen_t& len) {
    sockaddr_storage ss{};
    if (a.v6) {
        auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(a.port);
        std::memcpy(&s6->sin6_addr, a.ip.data(), 16);
        len = sizeof(sockaddr_in6);
    } else {
        auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
        s4->sin_family = AF_INET;
        s4->sin_port = htons(a.port);
        std::memcpy(&s4->sin_addr, a.ip.data(), 4);
        len = sizeof(sockaddr_in);
    }
    return ss;
}

StunAnswer refuse(StunAnswer::Kind kind, std::string why) {
    StunAnswer a;
    a.kind = kind;
    a.error = std::move(why);
    return a;
}

}  // namespace

std::optional<std::string> stun_username(util::ByteView datagram) {
    auto layout = walk(datagram);
    if (!layout || layout->type != kBindingRequest) return std::nullopt;
    return std::move(layout->username);
}

StunAnswer answer_binding(util::ByteView request, const StunCredentials& creds,
                          const TransportAddress& from) {
    using Kind = StunAnswer::Kind;
    const auto layout = walk(request);
    if (!layout) return refuse(Kind::Ignored, "not a STUN message");
    // Class bits are 0x0110 of the type; anything but a request (responses, indications such as
    // a peer's keepalive) needs no answer from a lite agent.
    if ((layout->type & 0x0110) != 0) return refuse(Kind::Ignored, "not a STUN request");
    if (layout->type != kBindingRequest) return refuse(Kind::BadRequest, "not a Binding request");
    if (!layout->fingerprint_last) return refuse(Kind::BadRequest, "no FINGERPRINT");
    if (!layout->integrity || !layout->integrity_before_fingerprint || !layout->username) {
        return refuse(Kind::Unauthorized, "no USERNAME or MESSAGE-INTEGRITY");
    }
    const std::string expected = creds.local_ufrag + ":" + creds.remote_ufrag;
    if (*layout->username != expected) return refuse(Kind::Unauthorized, "USERNAME mismatch");

    StunAgent agent;
    stun_agent_init(&agent, kKnownAttributes, STUN_COMPATIBILITY_RFC5389,
                    StunAgentUsageFlags(STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
                                        STUN_AGENT_USAGE_USE_FINGERPRINT));
    StunMessage req;
    ValidaterData vd{&expected, &creds.local_pwd};
    std::uint8_t buf[kMaxStunDatagram];
    switch (stun_agent_validate(&agent, &req, request.data(), request.size(), validater, &vd)) {
        case STUN_VALIDATION_SUCCESS:
            break;
        case STUN_VALIDATION_UNAUTHORIZED:
        case STUN_VALIDATION_UNAUTHORIZED_BAD_REQUEST:
            return refuse(Kind::Unauthorized, "MESSAGE-INTEGRITY mismatch");
        case STUN_VALIDATION_UNKNOWN_REQUEST_ATTRIBUTE: {
            StunMessage err;
            StunAnswer a = refuse(Kind::BadRequest, "unknown comprehension-required attribute");
            const size_t n =
                stun_agent_build_unknown_attributes_error(&agent, &err, buf, sizeof buf, &req);
            a.reply.assign(buf, buf + n);
            return a;
        }
        case STUN_VALIDATION_BAD_REQUEST:
            return refuse(Kind::BadRequest, "bad FINGERPRINT or malformed request");
        default:
            return refuse(Kind::Ignored, "not a valid STUN request");
    }

    StunMessage resp;
    size_t len = sizeof buf;
    socklen_t addr_len = 0;
    const sockaddr_storage addr = to_sockaddr(from, addr_len);
    // A lite agent is always controlled. A controlled agent whose tie-breaker is smaller than
    // the peer's ICE-CONTROLLED value answers 487 (RFC 8445 §7.3.1.1), so with 0 the peer
    // switches to controlling; only a peer sending 0 itself would make libnice switch us,
    // which we refuse without an answer.
    bool controlling = false;
    const StunUsageIceReturn r = stun_usage_ice_conncheck_create_reply(
        &agent, &req, &resp, buf, &len, &addr, addr_len, &controlling,
        /*tie=*/0, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
    if (r != STUN_USAGE_ICE_RETURN_SUCCESS || len == 0 || controlling) {
        StunAnswer a =
            refuse(Kind::BadRequest, controlling ? "role conflict: peer claims ICE-CONTROLLED"
                                                 : "cannot build the response");
        if (len > 0 && !controlling) a.reply.assign(buf, buf + len);
        return a;
    }
    StunAnswer a;
    a.reply.assign(buf, buf + len);
    if (stun_message_get_class(&resp) == STUN_ERROR) {
        a.kind = Kind::BadRequest;
        a.error = "role conflict: peer claims ICE-CONTROLLED";
        return a;
    }
    a.kind = Kind::Reply;
    a.use_candidate = stun_usage_ice_conncheck_use_candidate(&req);
    return a;
}

}  // namespace webrtc
