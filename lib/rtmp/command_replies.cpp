// Builders for the server's replies; byte layouts follow nginx-rtmp's, which every client accepts.
#include "rtmp/command_replies.h"

namespace rtmp {

using amf::Value;

namespace {
Value str(std::string_view s) { return Value::string(std::string(s)); }
}  // namespace

Value status_info(std::string_view level, std::string_view code, std::string_view description) {
    return Value::object(
        {{"level", str(level)}, {"code", str(code)}, {"description", str(description)}});
}

util::Bytes on_status(const Value& info) {
    return encode_command("onStatus", 0, {Value::null(), info});
}

util::Bytes on_status(std::string_view level, std::string_view code, std::string_view description) {
    return on_status(status_info(level, code, description));
}

util::Bytes result(double txn, std::initializer_list<Value> args) {
    return encode_command("_result", txn, args);
}

util::Bytes error(double txn, std::initializer_list<Value> args) {
    return encode_command("_error", txn, args);
}

util::Bytes connect_result(double txn, double object_encoding, std::string_view fms_ver,
                           double capabilities) {
    Value props =
        Value::object({{"fmsVer", str(fms_ver)}, {"capabilities", Value::number(capabilities)}});
    Value info = status_info("status", status::kConnectSuccess, "Connection succeeded.");
    info.set("objectEncoding", Value::number(object_encoding));
    return result(txn, {props, info});
}

util::Bytes connect_rejected(double txn, std::string_view description) {
    return error(txn, {Value::null(), status_info("error", status::kConnectRejected, description)});
}

util::Bytes create_stream_result(double txn, double stream_id) {
    return result(txn, {Value::null(), Value::number(stream_id)});
}

util::Bytes sample_access(bool audio, bool video) {
    return encode_data("|RtmpSampleAccess", {Value::boolean(audio), Value::boolean(video)});
}

}  // namespace rtmp
