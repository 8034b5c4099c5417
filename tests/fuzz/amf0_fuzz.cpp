// Fuzzes the AMF0/AMF3 decoder and the command layer: nothing may crash or blow up, and whatever
// decodes must re-encode and decode back to the same values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "rtmp/amf0.h"
#include "rtmp/amf_json.h"
#include "rtmp/command.h"
#include "rtmp/command_params.h"

namespace {

using rtmp::amf::Value;

// AMF0 cannot carry keys over 65535 bytes (the encoder cuts them); AMF3 input could hold one.
bool has_long_key(const Value& v) {
    for (const auto& [k, child] : v.properties())
        if (k.size() > 0xFFFF || has_long_key(child)) return true;
    for (const Value& e : v.elements())
        if (has_long_key(e)) return true;
    return false;
}

void check(bool ok) {
    if (!ok) std::abort();
}

void values_round_trip(const std::vector<Value>& values) {
    util::Bytes encoded;
    for (const Value& v : values) {
        if (has_long_key(v)) return;
        rtmp::amf::encode(v, encoded);
        (void)rtmp::amf::to_json(v).dump();  // must not throw on any string content
    }
    auto again = rtmp::amf::decode_all(encoded);
    check(again.ok() && *again == values);
}

void command_round_trip(util::ByteView data, bool amf3) {
    auto cmd = rtmp::decode_command(data, amf3);
    if (!cmd) return;
    (void)rtmp::read_connect(*cmd);
    (void)rtmp::read_publish(*cmd);
    (void)rtmp::read_play(*cmd);
    (void)rtmp::read_stream_name(*cmd);
    (void)rtmp::read_delete_stream(*cmd);
    (void)rtmp::read_receive(*cmd);
    (void)rtmp::read_pause(*cmd);
    (void)rtmp::read_seek(*cmd);
    for (const Value& a : cmd->args)
        if (has_long_key(a)) return;
    util::Bytes encoded = rtmp::encode_command(cmd->name, cmd->transaction_id, cmd->args);
    auto again = rtmp::decode_command(encoded, false);
    check(again.ok() && again->name == cmd->name && again->args == cmd->args &&
          Value::number(again->transaction_id) == Value::number(cmd->transaction_id));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    util::ByteView in(data, size);
    auto values = rtmp::amf::decode_all(in);
    if (values) values_round_trip(*values);
    command_round_trip(in, false);
    command_round_trip(in, true);
    (void)rtmp::decode_data(in, true);
    (void)rtmp::strip_set_data_frame(in);
    return 0;
}
