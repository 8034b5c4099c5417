// The arguments of the commands a server (or the probe) reads, each read by a schema table
// (command_schema.h). Defaults are what a missing optional argument means.
#pragma once

#include <string>
#include <vector>

#include "rtmp/command.h"

namespace rtmp {

// connect(txn, {app, tcUrl, flashVer, swfUrl, pageUrl, type, objectEncoding, ...}, extra...)
struct ConnectParams {
    std::string app;  // required
    std::string tc_url, flash_ver, swf_url, page_url, type;
    double object_encoding = 0;
    amf::Value raw_object;               // the whole command object, for hooks and logs
    std::vector<amf::Value> extra_args;  // optional arguments after the object
};
util::Result<ConnectParams, CommandErrc> read_connect(const Command& cmd);

// publish(txn, null, name, type): type defaults to "live".
struct PublishParams {
    std::string name;  // required, may carry a query ("stream?key=v")
    std::string type = "live";
};
util::Result<PublishParams, CommandErrc> read_publish(const Command& cmd);

// play(txn, null, name, start, duration, reset): any negative start means live.
struct PlayParams {
    std::string name;  // required
    double start = -2;
    double duration = -1;
    bool reset = true;
};
util::Result<PlayParams, CommandErrc> read_play(const Command& cmd);

// releaseStream / FCPublish / FCUnpublish / FCSubscribe / getStreamLength (txn, null, name).
struct StreamNameParams {
    std::string name;  // required
};
util::Result<StreamNameParams, CommandErrc> read_stream_name(const Command& cmd);

// deleteStream / closeStream (txn, null, id): ffmpeg passes the stream id, GStreamer the stream
// name, closeStream often nothing; never an error.
struct DeleteStreamParams {
    double stream_id = 0;     // 0 when no number was given
    std::string stream_name;  // set when a string was given
};
DeleteStreamParams read_delete_stream(const Command& cmd);

// receiveAudio / receiveVideo (txn, null, flag).
struct ReceiveParams {
    bool enabled = true;  // required
};
util::Result<ReceiveParams, CommandErrc> read_receive(const Command& cmd);

// pause(txn, null, pause, milliseconds): true pauses, false resumes.
struct PauseParams {
    bool pause = true;  // required
    double position_ms = 0;
};
util::Result<PauseParams, CommandErrc> read_pause(const Command& cmd);

// seek(txn, null, milliseconds).
struct SeekParams {
    double position_ms = 0;  // required
};
util::Result<SeekParams, CommandErrc> read_seek(const Command& cmd);

}  // namespace rtmp
