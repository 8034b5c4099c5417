// GET /metrics: the server's counters and gauges in Prometheus' text format (version 0.0.4),
// every name prefixed rtmpkit_, plus the process_* series.
#pragma once

#include <map>
#include <string>

#include "http/process_stats.h"
#include "server/server.h"

namespace http {

// What the HTTP side itself served: requests and the server's CPU time spent on them, by route
// (a fixed label: "/api/v1/streams", "/api/v1/sessions/{id}", "/metrics", ..., "other").
struct RouteCost {
    std::uint64_t requests = 0;
    double cpu_seconds = 0;
};
using HttpCosts = std::map<std::string, RouteCost>;

std::string render_metrics(const server::Server& srv, const ProcessStats& process,
                           const HttpCosts& http);

// A label value with \, " and newline escaped as the text format wants.
std::string escape_label_value(std::string_view value);

}  // namespace http
