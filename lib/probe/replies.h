// The server replies the client reads (connect _result/_error, createStream _result, onStatus),
// each read by a schema table (rtmp/command_schema.h), never by walking AMF values by hand.
#pragma once

#include <string>

#include "rtmp/command.h"

namespace probe {

// _result / _error (txn, properties, information): properties {fmsVer, capabilities, ...}
// (often null in _error), information {level, code, description, ...}.
struct ConnectReply {
    rtmp::amf::Value properties, information;
    std::string fms_ver;
    double capabilities = 0;
    std::string level, code, description;
};
util::Result<ConnectReply, rtmp::CommandErrc> read_connect_reply(const rtmp::Command& cmd);

// createStream _result(txn, null, stream id).
struct CreateStreamReply {
    double stream_id = 0;  // required
};
util::Result<CreateStreamReply, rtmp::CommandErrc> read_create_stream_reply(
    const rtmp::Command& cmd);

// onStatus(0, null, {level, code, description}); code is required.
struct StatusReply {
    std::string level, code, description;
};
util::Result<StatusReply, rtmp::CommandErrc> read_status(const rtmp::Command& cmd);

}  // namespace probe
