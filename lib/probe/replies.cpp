// Schema tables of the server replies the probe reads.
#include "probe/replies.h"

#include "rtmp/command_schema.h"

namespace probe {

using rtmp::schema::Field;
using rtmp::schema::into;
constexpr auto kRequired = rtmp::schema::Presence::Required;
constexpr auto kOptional = rtmp::schema::Presence::Optional;

namespace {

template <class T, std::size_t N>
util::Result<T, rtmp::CommandErrc> read_table(const rtmp::Command& cmd, const Field<T> (&table)[N]) {
    return rtmp::schema::read<T>(cmd, std::span<const Field<T>>(table, N));
}

const Field<ConnectReply> kConnectReply[] = {
    {"properties", 0, nullptr, kOptional, into<&ConnectReply::properties>},
    {"fmsVer", 0, "fmsVer", kOptional, into<&ConnectReply::fms_ver>},
    {"capabilities", 0, "capabilities", kOptional, into<&ConnectReply::capabilities>},
    {"information", 1, nullptr, kOptional, into<&ConnectReply::information>},
    {"level", 1, "level", kOptional, into<&ConnectReply::level>},
    {"code", 1, "code", kOptional, into<&ConnectReply::code>},
    {"description", 1, "description", kOptional, into<&ConnectReply::description>},
};

const Field<CreateStreamReply> kCreateStreamReply[] = {
    {"stream id", 1, nullptr, kRequired, into<&CreateStreamReply::stream_id>},
};

const Field<StatusReply> kStatus[] = {
    {"level", 1, "level", kOptional, into<&StatusReply::level>},
    {"code", 1, "code", kRequired, into<&StatusReply::code>},
    {"description", 1, "description", kOptional, into<&StatusReply::description>},
};

}  // namespace

util::Result<ConnectReply, rtmp::CommandErrc> read_connect_reply(const rtmp::Command& cmd) {
    return read_table(cmd, kConnectReply);
}

util::Result<CreateStreamReply, rtmp::CommandErrc> read_create_stream_reply(
    const rtmp::Command& cmd) {
    return read_table(cmd, kCreateStreamReply);
}

util::Result<StatusReply, rtmp::CommandErrc> read_status(const rtmp::Command& cmd) {
    return read_table(cmd, kStatus);
}

}  // namespace probe
