// ICE-lite STUN: answers the browser's Binding requests (RFC 8445 §7.3, RFC 5389) over libnice's
// standalone STUN library. A lite agent only answers checks; it never sends its own.
#pragma once

#include <optional>
#include <string>

#include "util/bytes.h"
#include "webrtc/transport_address.h"

namespace webrtc {

// Binding requests are a few hundred bytes; anything larger is not worth parsing.
inline constexpr std::size_t kMaxStunDatagram = 1280;
// RFC 5389 §15.3: USERNAME is less than 513 bytes.
inline constexpr std::size_t kMaxStunUsername = 513;

// The USERNAME ("serverUfrag:clientUfrag") of a well-formed STUN Binding request, NOT
// validated: only for finding the session whose credentials then check the request.
// nullopt when the datagram is not a Binding request with a USERNAME within the bounds above.
std::optional<std::string> stun_username(util::ByteView datagram);

struct StunCredentials {
    std::string local_ufrag, local_pwd;  // ours, from the answer
    std::string remote_ufrag;            // the browser's, from the offer
};

struct StunAnswer {
    enum class Kind {
        Reply,         // authenticated Binding request: send `reply` to `from`
        BadRequest,    // a STUN request we refuse; send `reply` when it is not empty
        Unauthorized,  // wrong USERNAME or MESSAGE-INTEGRITY: silently dropped (no reply)
        Ignored,       // not a STUN request at all (garbage, responses, indications)
    } kind = Kind::Ignored;
    util::Bytes reply;
    bool use_candidate = false;  // the controlling agent nominated this pair
    std::string error;           // why, for the log, when kind != Reply
};

// Checks the request (FINGERPRINT, USERNAME == local_ufrag ":" remote_ufrag, MESSAGE-INTEGRITY
// keyed with local_pwd) and builds the success response carrying XOR-MAPPED-ADDRESS = from,
// MESSAGE-INTEGRITY and FINGERPRINT. Unauthorized requests get no reply (ICE-lite may drop them,
// and a 401 would only help a prober). A request claiming ICE-CONTROLLED (role conflict: a lite
// agent is always controlled) gets a 487 error response as BadRequest.
StunAnswer answer_binding(util::ByteView request, const StunCredentials& creds,
                          const TransportAddress& from);

}  // namespace webrtc
