// `rtmp-probe --clients N --duration S URL`: N players on one event loop, counting bytes and
// frames only (no JSON, no analysis, no per-message allocation beyond the chunk decoder's), then
// one summary. Returns 0 when every session connected and none failed, else kExitLoadFailures.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "probe/client_session.h"
#include "probe/connection.h"

namespace probe {

struct LoadRunOptions {
    std::string url;
    ClientConfig config;
    std::string host;
    std::uint16_t port = 1935;
    unsigned clients = 1;
    double duration_s = 10;
    double timeout_s = 10;  // a session not playing by then counts as timed out
    bool json = true;
    std::optional<TlsClient> tls;      // rtmps://
};

int run_load(const LoadRunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace probe
