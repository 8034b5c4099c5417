// Command and data message codecs on top of AMF0.
#include "rtmp/command.h"

#include <cstring>

namespace rtmp {

namespace {

util::ByteView skip_amf3_format_byte(util::ByteView payload, bool amf3) {
    // Type 17/15 payloads begin with a 0x00 format selector. No command or data message starts
    // with an AMF0 number, so the byte can be told apart from a sender that omitted it.
    if (amf3 && !payload.empty() && payload[0] == 0x00) return payload.subspan(1);
    return payload;
}

util::Error<CommandErrc> amf_error(const util::Error<amf::AmfErrc>& e) {
    return {CommandErrc::Amf, std::string("bad AMF in command: ") + e.message};
}

}  // namespace

const char* to_string(CommandErrc code) {
    switch (code) {
        case CommandErrc::Amf:
            return "bad AMF in command";
        case CommandErrc::NotACommand:
            return "message does not start with a command name";
        case CommandErrc::BadTransactionId:
            return "transaction id is not a number";
        case CommandErrc::MissingField:
            return "required command field missing";
        case CommandErrc::WrongType:
            return "command field has the wrong type";
    }
    return "command error";
}

util::Result<Command, CommandErrc> decode_command(util::ByteView payload, bool amf3,
                                                  const amf::DecodeLimits& limits) {
    auto values = amf::decode_all(skip_amf3_format_byte(payload, amf3), limits);
    if (!values) return amf_error(values.error());
    std::vector<amf::Value>& v = *values;
    if (v.empty() || !v[0].is_string())
        return util::Error<CommandErrc>{CommandErrc::NotACommand,
                                        to_string(CommandErrc::NotACommand)};
    Command cmd;
    cmd.name = v[0].as_string();
    if (v.size() >= 2) {
        if (!v[1].is_number())
            return util::Error<CommandErrc>{CommandErrc::BadTransactionId,
                                            cmd.name + ": transaction id is not a number"};
        cmd.transaction_id = v[1].as_number();
    }
    if (v.size() > 2)
        cmd.args.assign(std::make_move_iterator(v.begin() + 2), std::make_move_iterator(v.end()));
    return cmd;
}

util::Result<std::vector<amf::Value>, CommandErrc> decode_data(util::ByteView payload, bool amf3,
                                                               const amf::DecodeLimits& limits) {
    auto values = amf::decode_all(skip_amf3_format_byte(payload, amf3), limits);
    if (!values) return amf_error(values.error());
    return std::move(*values);
}

util::Bytes encode_command(std::string_view name, double txn, std::span<const amf::Value> args) {
    util::Bytes out;
    amf::encode(amf::Value::string(std::string(name)), out);
    amf::encode(amf::Value::number(txn), out);
    for (const amf::Value& a : args) amf::encode(a, out);
    return out;
}

util::Bytes encode_command(std::string_view name, double txn,
                           std::initializer_list<amf::Value> args) {
    return encode_command(name, txn, std::span<const amf::Value>(args.begin(), args.size()));
}

util::Bytes encode_data(std::string_view name, std::span<const amf::Value> args) {
    util::Bytes out;
    amf::encode(amf::Value::string(std::string(name)), out);
    for (const amf::Value& a : args) amf::encode(a, out);
    return out;
}

util::Bytes encode_data(std::string_view name, std::initializer_list<amf::Value> args) {
    return encode_data(name, std::span<const amf::Value>(args.begin(), args.size()));
}

std::optional<util::Bytes> strip_set_data_frame(util::ByteView payload) {
    static constexpr std::uint8_t kPrefix[] = {0x02, 0x00, 0x0D, '@', 's', 'e', 't', 'D',
                                               'a',  't',  'a',  'F', 'r', 'a', 'm', 'e'};
    if (payload.size() < sizeof kPrefix || std::memcmp(payload.data(), kPrefix, sizeof kPrefix))
        return std::nullopt;
    return util::Bytes(payload.begin() + sizeof kPrefix, payload.end());
}

}  // namespace rtmp
