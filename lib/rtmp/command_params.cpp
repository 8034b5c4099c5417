// Schema tables of the commands we read. Each table says where every field is; the reading
// itself is schema::read.
#include "rtmp/command_params.h"

#include "rtmp/command_schema.h"

namespace rtmp {

using schema::Field;
using schema::into;
using schema::Presence;
constexpr Presence kRequired = Presence::Required;
constexpr Presence kOptional = Presence::Optional;

namespace {

template <class T, std::size_t N>
util::Result<T, CommandErrc> read_table(const Command& cmd, const Field<T> (&table)[N]) {
    return schema::read<T>(cmd, std::span<const Field<T>>(table, N));
}

const Field<ConnectParams> kConnect[] = {
    {"app", 0, "app", kRequired, into<&ConnectParams::app>},
    {"tcUrl", 0, "tcUrl", kOptional, into<&ConnectParams::tc_url>},
    {"flashVer", 0, "flashVer", kOptional, into<&ConnectParams::flash_ver>},
    {"swfUrl", 0, "swfUrl", kOptional, into<&ConnectParams::swf_url>},
    {"pageUrl", 0, "pageUrl", kOptional, into<&ConnectParams::page_url>},
    {"type", 0, "type", kOptional, into<&ConnectParams::type>},
    {"objectEncoding", 0, "objectEncoding", kOptional, into<&ConnectParams::object_encoding>},
    {"command object", 0, nullptr, kRequired, into<&ConnectParams::raw_object>},
};

const Field<PublishParams> kPublish[] = {
    {"stream name", 1, nullptr, kRequired, into<&PublishParams::name>},
    {"publishing type", 2, nullptr, kOptional, into<&PublishParams::type>},
};

const Field<PlayParams> kPlay[] = {
    {"stream name", 1, nullptr, kRequired, into<&PlayParams::name>},
    {"start", 2, nullptr, kOptional, into<&PlayParams::start>},
    {"duration", 3, nullptr, kOptional, into<&PlayParams::duration>},
    {"reset", 4, nullptr, kOptional, into<&PlayParams::reset>},
};

const Field<StreamNameParams> kStreamName[] = {
    {"stream name", 1, nullptr, kRequired, into<&StreamNameParams::name>},
};

// Two optional readings of the same argument: whichever type it has fills its member.
const Field<DeleteStreamParams> kDeleteStream[] = {
    {"stream id", 1, nullptr, kOptional, into<&DeleteStreamParams::stream_id>},
    {"stream name", 1, nullptr, kOptional, into<&DeleteStreamParams::stream_name>},
};

const Field<ReceiveParams> kReceive[] = {
    {"flag", 1, nullptr, kRequired, into<&ReceiveParams::enabled>},
};

const Field<PauseParams> kPause[] = {
    {"pause flag", 1, nullptr, kRequired, into<&PauseParams::pause>},
    {"position", 2, nullptr, kOptional, into<&PauseParams::position_ms>},
};

const Field<SeekParams> kSeek[] = {
    {"position", 1, nullptr, kRequired, into<&SeekParams::position_ms>},
};

}  // namespace

util::Result<ConnectParams, CommandErrc> read_connect(const Command& cmd) {
    auto r = read_table(cmd, kConnect);
    if (r && cmd.args.size() > 1) r->extra_args.assign(cmd.args.begin() + 1, cmd.args.end());
    return r;
}

util::Result<PublishParams, CommandErrc> read_publish(const Command& cmd) {
    return read_table(cmd, kPublish);
}

util::Result<PlayParams, CommandErrc> read_play(const Command& cmd) {
    return read_table(cmd, kPlay);
}

util::Result<StreamNameParams, CommandErrc> read_stream_name(const Command& cmd) {
    return read_table(cmd, kStreamName);
}

DeleteStreamParams read_delete_stream(const Command& cmd) {
    return *read_table(cmd, kDeleteStream);  // only optional fields: cannot fail
}

util::Result<ReceiveParams, CommandErrc> read_receive(const Command& cmd) {
    return read_table(cmd, kReceive);
}

util::Result<PauseParams, CommandErrc> read_pause(const Command& cmd) {
    return read_table(cmd, kPause);
}

util::Result<SeekParams, CommandErrc> read_seek(const Command& cmd) {
    return read_table(cmd, kSeek);
}

}  // namespace rtmp
