// The lifecycle of a server session as one explicit state, and the deadline of each state in
// one table. Transitions happen in Session::enter() only (session.cpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <iterator>
#include <string_view>

#include "server/config.h"

namespace server {

enum class SessionState {
    Handshake,     // from accept until connect is answered
    Connected,     // connect answered; neither publishing nor playing
    AwaitingHook,  // a hook backend decides on connect, publish or play; reading is off
    Publishing,
    Playing,       // a player (also while it waits for its publisher)
    Paused,        // a player that paused
    Closing,       // telling the peer why, then closing once the bytes are out
    Closed,        // over: nothing more is read or sent
};

std::string_view state_name(SessionState s);

// The bound on the time a session may stay in a state: a Config duration (0 there: none), or a
// fixed one. Bounds that are not tied to one state run beside these: a publisher that sends
// nothing for idle_publisher_timeout, and output that nobody takes for write_timeout, end the
// session in any state (Session::check_deadlines).
struct StateDeadline {
    SessionState state;
    Duration Config::*setting;  // nullptr: `fixed`
    Duration fixed;
    std::string_view expiry;    // what the close line says when it passes
};

inline constexpr StateDeadline kStateDeadlines[] = {
    {SessionState::Handshake, &Config::handshake_timeout, Duration{0},
     "no handshake and connect within handshake_timeout"},
    {SessionState::Connected, &Config::idle_timeout, Duration{0},
     "idle: neither publish nor play within idle_timeout"},
    // A hook request has its own bound, rest_request_timeout (the hook client's).
    {SessionState::AwaitingHook, nullptr, Duration{0}, ""},
    {SessionState::Publishing, nullptr, Duration{0}, ""},
    // Only while the stream has no publisher (Session::enter_playing).
    {SessionState::Playing, &Config::play_wait_timeout, Duration{0}, "stream not found"},
    {SessionState::Paused, nullptr, Duration{0}, ""},
    // Closing waits this long for the peer to take its last bytes.
    {SessionState::Closing, nullptr, Duration{2000}, "peer did not take its last bytes"},
    {SessionState::Closed, nullptr, Duration{0}, ""},
};

// The table is indexed by the state.
constexpr bool deadlines_in_state_order() {
    for (std::size_t i = 0; i < std::size(kStateDeadlines); ++i)
        if (std::size_t(kStateDeadlines[i].state) != i) return false;
    return std::size(kStateDeadlines) == std::size_t(SessionState::Closed) + 1;
}
static_assert(deadlines_in_state_order(), "kStateDeadlines lists every state, in order");

// The deadline of `s` under `config`; zero: none.
inline Duration state_timeout(SessionState s, const Config& config) {
    const StateDeadline& d = kStateDeadlines[std::size_t(s)];
    return d.setting ? config.*d.setting : d.fixed;
}

}  // namespace server
