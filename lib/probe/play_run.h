// `rtmp-probe URL`: one player on an event loop until the report is ready (or, with a duration,
// until the measurement is over), then the report on `out`. Glue over ClientSession,
// StreamAnalyzer and Connection; returns the exit status.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "probe/client_session.h"
#include "probe/connection.h"

namespace probe {

struct PlayRunOptions {
    std::string url;  // for the report
    ClientConfig config;
    std::string host;
    std::uint16_t port = 1935;
    double timeout_s = 10;             // until the report is ready; also the longest silence
    std::optional<double> duration_s;  // measure this long after play started
    bool show_messages = false;        // a JSON line per message on `out`
    bool trace = false;                // handshake and chunk headers on `err`
    bool json = true;                  // the report as JSON (else text)
    std::string output_path;           // save the received stream as FLV
    std::optional<TlsClient> tls;      // rtmps://
};

int run_play(const PlayRunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace probe
