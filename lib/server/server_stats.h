// What the server has done since it started, for /metrics: counters that only grow. Labels are
// fixed words chosen by the server, never a peer's bytes, so each family has a bounded number
// of series.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "server/session_report.h"

namespace server {

// Latency of the REST hook requests of one method, Prometheus-style cumulative buckets.
struct HookLatency {
    static constexpr std::array<double, 11> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                       0.5,   1,    2.5,   5,    10};
    std::array<std::uint64_t, kBounds.size()> buckets{};  // requests at or under each bound
    std::uint64_t count = 0;
    double sum_seconds = 0;
    std::map<std::string, std::uint64_t> outcomes;  // allowed, refused, error, delivered

    void observe(std::string_view outcome, double seconds);
};

struct ServerStats {
    std::uint64_t connections_accepted = 0;
    std::map<std::string, std::uint64_t> connections_refused;  // by reason
    std::map<std::string, std::uint64_t> handshake_failures;   // by reason
    std::map<std::string, std::uint64_t> command_failures;     // by reason
    std::map<std::string, HookLatency> hooks;                  // by method
    SessionTotals ended;  // of the sessions that have ended
    std::uint64_t stream_dropped_too_large = 0;  // of streams that have ended

    // `reason` is one of the server's fixed words (a literal at the call site).
    static void count(std::map<std::string, std::uint64_t>& family, std::string_view reason) {
        ++family[std::string(reason)];
    }
};

}  // namespace server
