// AMF command and data messages (types 20/17 and 18/15): decoding into name, transaction id and
// arguments, and encoding them back. Reading the arguments: command_params.h.
#pragma once

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rtmp/amf0.h"
#include "util/bytes.h"
#include "util/result.h"

namespace rtmp {

enum class CommandErrc {
    Amf,               // the payload is not valid AMF (the message names the AMF error)
    NotACommand,       // empty payload, or the first value is not a string
    BadTransactionId,  // the second value is present but not a number
    MissingField,      // a required argument or property is absent (or null/undefined)
    WrongType,         // a required argument or property has another type
};
const char* to_string(CommandErrc code);

struct Command {
    std::string name;
    double transaction_id = 0;
    // The values after the transaction id: args[0] is the command object (often null).
    std::vector<amf::Value> args;

    // args[i], or nullptr when the command has fewer arguments.
    const amf::Value* arg(std::size_t i) const { return i < args.size() ? &args[i] : nullptr; }
};

// A command message payload. amf3 = message type 17: a leading 0x00 format byte is skipped
// (if the payload starts with anything else it is read as plain AMF0, as some senders do).
// A missing transaction id reads as 0.
util::Result<Command, CommandErrc> decode_command(util::ByteView payload, bool amf3,
                                                  const amf::DecodeLimits& limits = {});

// A data message payload (types 18/15: no transaction id), e.g. @setDataFrame or onMetaData.
// The same 0x00 rule applies for amf3 (type 15).
util::Result<std::vector<amf::Value>, CommandErrc> decode_data(
    util::ByteView payload, bool amf3, const amf::DecodeLimits& limits = {});

// AMF0 encodings: name, transaction id, args (command); name, args (data).
util::Bytes encode_command(std::string_view name, double txn,
                           std::initializer_list<amf::Value> args);
util::Bytes encode_command(std::string_view name, double txn, std::span<const amf::Value> args);
util::Bytes encode_data(std::string_view name, std::initializer_list<amf::Value> args);
util::Bytes encode_data(std::string_view name, std::span<const amf::Value> args);

// The payload of a data message without its leading "@setDataFrame" string, ready to relay to
// players (onMetaData...); nullopt when it does not start with that AMF0 string.
std::optional<util::Bytes> strip_set_data_frame(util::ByteView payload);

}  // namespace rtmp
