// Why a probe session failed, and the exit status rtmp-probe gives each reason (documented in
// its man page under EXIT STATUS). Shared by the sans-IO session and the libevent glue.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace probe {

enum class ProbeErrc {
    Refused,          // the TCP connection could not be made (refused, unreachable, bad host)
    HandshakeFailed,  // bad S0 version, or the server closed during the handshake
    ConnectRejected,  // _error to connect, or the server closed before answering it
    StreamNotFound,   // NetStream.Play.StreamNotFound / Play.Failed
    PublishRejected,  // NetStream.Publish.BadName / Publish.Denied / _error to publish
    TimedOut,         // --timeout passed before the report (or publishing) was ready
    Protocol,         // undecodable chunks or commands, unexpected close, bad replies
    Io,               // a local file could not be read or written
    Tls,              // the TLS handshake failed (certificate not trusted, expired, wrong name...)
};

using ProbeError = util::Error<ProbeErrc>;

std::string_view errc_name(ProbeErrc code);  // "refused", "handshake_failed", ...

// Exit statuses of rtmp-probe. 0 success, 2 usage (CLI11), 10 a --clients run with failures.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitLoadFailures = 10;  // 11: Tls
int exit_code(ProbeErrc code);

}  // namespace probe
