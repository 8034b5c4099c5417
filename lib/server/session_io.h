// What a server session (session.h, sans-IO) needs from the outside, as two interfaces: its
// transport (bytes out, reading on or off, one deadline, the end), which the libevent glue
// implements over a socket (socket_session.h) and tests over memory; and its host (the
// registry, hooks, recordings, counters and the clock), which the server implements.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "hook/decision.h"
#include "net/shared_buffer.h"
#include "net/tls.h"
#include "server/registry.h"
#include "server/server_stats.h"
#include "util/bytes.h"
#include "webrtc/whip_stats.h"

namespace server {

class SessionIo {
public:
    virtual ~SessionIo() = default;
    // Bytes of this session's own (replies, private copies): copied into the output.
    virtual void write(util::ByteView bytes) = 0;
    // Shared chunks from `offset` on, appended by reference (serialize-once, send-many).
    virtual void write_shared(net::SharedBytes& chunks, std::size_t offset) = 0;
    // Output bytes the session queued that the transport has not sent (TLS: not yet encrypted).
    virtual std::size_t unsent() const = 0;
    // Nothing at all is left to send (TLS: the encrypted records below included).
    virtual bool all_sent() const = 0;
    // Input the transport holds that the session has not taken yet.
    virtual std::size_t unread() const = 0;
    // A player's output: from now on the transport writes it in batches, when flush() asks.
    virtual void enter_player_output() = 0;
    // Send what is queued: `now`, or when this loop turn (or write_coalesce) ends.
    virtual void flush(bool now) = 0;
    // Reading on (the session wants more bytes) or off (a hook decides, or it is closing).
    virtual void set_reading(bool on) = 0;
    // Call Session::on_deadline() at `at_ms` (or soon after); nullopt: no deadline.
    virtual void set_deadline(std::optional<long long> at_ms) = 0;
    // The session is over: stop all I/O and free it outside the caller's stack.
    virtual void finished() = 0;
    // What the TLS handshake agreed on; nullopt for plain TCP.
    virtual std::optional<net::TlsSessionInfo> tls_info() const = 0;
    // A WebRTC publisher's counters (packets, loss, NACKs, PLIs, bitrate); nullopt for RTMP.
    virtual std::optional<webrtc::WhipStats> webrtc_stats() const { return std::nullopt; }
};

class SessionHost {
public:
    virtual ~SessionHost() = default;
    virtual long long now_ms() const = 0;
    virtual Registry& registry() = 0;
    // nullptr without rest_hook_url.
    virtual hook::Hooks* hooks() = 0;
    virtual const std::string& node_id() const = 0;
    virtual ServerStats& stats() = 0;
    // A publication began or ended (recordings, the unpublish notice timer).
    virtual void publication_started(Stream& stream, const std::string& media_session_id,
                                     bool record) = 0;
    virtual void publication_ended(Stream& stream) = 0;
    virtual bool recording(const StreamKey& key) const = 0;
    // A session's totals when it ends.
    virtual void session_ended(const SessionTotals& totals) = 0;
};

}  // namespace server
