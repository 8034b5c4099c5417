// Names and exit statuses of probe failures.
#include "probe/errors.h"

namespace probe {

std::string_view errc_name(ProbeErrc code) {
    switch (code) {
    case ProbeErrc::Refused: return "refused";
    case ProbeErrc::HandshakeFailed: return "handshake_failed";
    case ProbeErrc::ConnectRejected: return "connect_rejected";
    case ProbeErrc::StreamNotFound: return "stream_not_found";
    case ProbeErrc::PublishRejected: return "publish_rejected";
    case ProbeErrc::TimedOut: return "timed_out";
    case ProbeErrc::Protocol: return "protocol_error";
    case ProbeErrc::Io: return "io_error";
    case ProbeErrc::Tls: return "tls_failed";
    }
    return "unknown";
}

int exit_code(ProbeErrc code) {
    switch (code) {
    case ProbeErrc::Io: return 1;
    case ProbeErrc::Refused: return 3;
    case ProbeErrc::HandshakeFailed: return 4;
    case ProbeErrc::ConnectRejected: return 5;
    case ProbeErrc::StreamNotFound: return 6;
    case ProbeErrc::PublishRejected: return 7;
    case ProbeErrc::TimedOut: return 8;
    case ProbeErrc::Protocol: return 9;
    case ProbeErrc::Tls: return 11;
    }
    return 1;
}

}  // namespace probe
