// FLV bytes of received messages; see flv_record.h.
#include "probe/flv_record.h"

#include "media/flv.h"
#include "rtmp/command.h"

namespace probe {

void append_flv_header(util::Bytes& out) { media::FlvWriter::append_file_header(out, true, true); }

bool append_flv_tag(const rtmp::Message& m, util::Bytes& out) {
    if (m.type == 8 || m.type == 9) {
        return bool(media::FlvWriter::append_tag(out, m.type, m.timestamp, m.payload));
    }
    if (m.type == 18) {
        if (auto stripped = rtmp::strip_set_data_frame(m.payload))
            return bool(media::FlvWriter::append_tag(out, 18, m.timestamp, *stripped));
        return bool(media::FlvWriter::append_tag(out, 18, m.timestamp, m.payload));
    }
    return false;
}

}  // namespace probe
