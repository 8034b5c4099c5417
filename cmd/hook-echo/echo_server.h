// hook-echo's HTTP side: an evhttp server that feeds each request through the rules, prints it
// as a JSON line on stdout and answers it (after --delay).
#pragma once

#include <cstdint>
#include <string>

#include "rules.h"

namespace hook_echo {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8081;
    long delay_ms = 0;
    long count = 0;  // exit after answering this many requests; 0: run until a signal
    Rules rules;
};

// Serves until --count requests are answered (returns 0), SIGINT/SIGTERM (0), or stdout fails
// (1). Returns 1 when it cannot listen.
int run(const ServerOptions& options);

}  // namespace hook_echo
