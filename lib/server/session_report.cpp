#include "server/session_report.h"

#include "server/server_stats.h"

namespace server {

const char* to_string(SessionRole role) {
    switch (role) {
        case SessionRole::Handshake: return "handshake";
        case SessionRole::Connected: return "connected";
        case SessionRole::Publisher: return "publisher";
        case SessionRole::Player: return "player";
        case SessionRole::Closing: return "closing";
    }
    return "unknown";
}

SessionTotals& SessionTotals::operator+=(const SessionTotals& o) {
    bytes_in += o.bytes_in;
    bytes_out += o.bytes_out;
    messages_in += o.messages_in;
    messages_out += o.messages_out;
    dropped_slow_player += o.dropped_slow_player;
    dropped_too_large += o.dropped_too_large;
    dropped_too_short += o.dropped_too_short;
    dropped_big_metadata += o.dropped_big_metadata;
    return *this;
}

void HookLatency::observe(std::string_view outcome, double seconds) {
    ++count;
    sum_seconds += seconds;
    for (std::size_t i = 0; i < kBounds.size(); ++i)
        if (seconds <= kBounds[i]) ++buckets[i];
    ++outcomes[std::string(outcome)];
}

}  // namespace server
