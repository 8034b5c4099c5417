// What one session is and has done, as the server's API and metrics read it (lib/http turns it
// into JSON). A plain value: reading it changes nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "net/tls.h"
#include "server/stream_key.h"
#include "url/rtmp_url.h"
#include "webrtc/whip_stats.h"

namespace server {

enum class SessionRole { Handshake, Connected, Publisher, Player, Closing };
inline constexpr std::size_t kSessionRoles = 5;
const char* to_string(SessionRole role);

// Counts that only grow during a session; the server adds them to its totals when it ends, so
// that the metrics' counters never go back.
struct SessionTotals {
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;  // taken by the socket
    std::uint64_t messages_in = 0;
    std::uint64_t messages_out = 0;  // queued for the peer
    // Messages not delivered, by reason.
    std::uint64_t dropped_slow_player = 0;   // the player's queue was over its bounds
    std::uint64_t dropped_too_large = 0;     // could not be encoded (over 16 MiB - 1)
    std::uint64_t dropped_too_short = 0;     // publisher media shorter than its tag header
    std::uint64_t dropped_big_metadata = 0;  // publisher metadata over max_metadata_size

    SessionTotals& operator+=(const SessionTotals& o);
};

struct SessionReport {
    std::uint64_t id = 0;
    std::string peer;
    SessionRole role = SessionRole::Handshake;
    std::string app;
    std::optional<StreamKey> stream;  // what it publishes or plays
    url::Params connect_params, stream_params;
    std::string flash_ver, tc_url;
    SessionTotals totals;
    std::size_t output_queued = 0;      // bytes not yet taken by the socket
    std::uint64_t messages_dropped = 0; // to this player (slow player, too large)
    long long since_ms = 0;             // accepted at, ms since the epoch
    bool tls = false;                   // RTMPS
    std::optional<net::TlsSessionInfo> tls_session;  // once its TLS handshake is done
    std::optional<webrtc::WhipStats> webrtc;          // a WebRTC (WHIP) publisher's counters
};

}  // namespace server
