// GET /metrics: the server's counters and gauges in Prometheus' text format (version 0.0.4),
// every name prefixed rtmpkit_, plus the process_* series.
#pragma once

#include <string>

#include "http/process_stats.h"
#include "server/server.h"

namespace http {

std::string render_metrics(const server::Server& srv, const ProcessStats& process);

// A label value with \, " and newline escaped as the text format wants.
std::string escape_label_value(std::string_view value);

}  // namespace http
