// `rtmp-probe --publish FILE URL`: publishes an FLV file paced by its timestamps (looped with
// --loop, for --duration seconds at most), then prints a short report. Returns the exit status.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "probe/client_session.h"
#include "probe/connection.h"

namespace probe {

struct PublishRunOptions {
    std::string url;
    std::string file;
    ClientConfig config;  // mode Publish
    std::string host;
    std::uint16_t port = 1935;
    double timeout_s = 10;             // until NetStream.Publish.Start
    std::optional<double> duration_s;  // stop after this long (else at the end of the file)
    bool loop = false;
    bool json = true;
    std::optional<TlsClient> tls;      // rtmps://
};

int run_publish(const PublishRunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace probe
