// --output: the FLV bytes of what a player receives (as rtmpdump -o writes them): audio, video
// and data messages as tags with their RTMP timestamps, @setDataFrame stripped. Sans-IO.
#pragma once

#include "rtmp/message.h"
#include "util/bytes.h"

namespace probe {

// The FLV file header (audio and video flagged) and PreviousTagSize0.
void append_flv_header(util::Bytes& out);
// Appends the message as a tag when it is audio, video or data; false for other types.
bool append_flv_tag(const rtmp::Message& m, util::Bytes& out);

}  // namespace probe
