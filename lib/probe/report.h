// The probe's report: what the server answered, the statuses, metadata, the video and audio
// descriptions, timings, the first media order and (with --duration) the measurements. Built as
// JSON (the one source), and printed as JSON or as aligned "key: value" text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "net/tls.h"
#include "probe/client_session.h"
#include "probe/stream_analyzer.h"

namespace probe {

struct ReportContext {
    std::string url;
    std::uint64_t now_ms = 0;               // the session clock when the report is made
    std::optional<std::uint64_t> measure_from_ms;  // set with --duration: the window's start
    std::optional<ProbeError> error;        // why the run failed, if it did
    std::optional<net::TlsSessionInfo> tls; // rtmps://: what the TLS handshake agreed on
};

nlohmann::ordered_json report_json(const ClientSession& session, const StreamAnalyzer& analyzer,
                                   const ReportContext& context);

// Aligned text: scalars as "key: value", objects as indented sections, arrays of scalars
// joined by ", ", arrays of objects one line per element.
std::string report_text(const nlohmann::ordered_json& report);

}  // namespace probe
