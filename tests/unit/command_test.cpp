// Commands: the exact bytes ffmpeg sends (built by hand from the AMF0 spec), decoding them into
// Command, reading them through the schemas, every error code, and the server's reply bytes.
#include "rtmp/command.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "rtmp/command_params.h"
#include "rtmp/command_replies.h"

using rtmp::Command;
using rtmp::CommandErrc;
using rtmp::amf::Value;
using util::Bytes;

namespace {

// "02 0003" style hex, spaces ignored; 'text' in single quotes is inserted as ASCII bytes.
Bytes hex(const std::string& s) {
    Bytes out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == ' ') continue;
        if (s[i] == '\'') {
            std::size_t end = s.find('\'', i + 1);
            out.insert(out.end(), s.begin() + long(i) + 1, s.begin() + long(end));
            i = end;
            continue;
        }
        out.push_back(std::uint8_t(std::stoi(s.substr(i, 2), nullptr, 16)));
        ++i;
    }
    return out;
}

// ffmpeg (rtmpproto.c gen_connect) publishing to rtmp://127.0.0.1/live/stream:
// string "connect", number 1 (its first invoke), object {app, type, flashVer, tcUrl}.
const Bytes kFfmpegPublishConnect =
    hex("02 0007 'connect'"
        "00 3FF0000000000000"  // 1.0
        "03"                   // object
        "  0003 'app'      02 0004 'live'"
        "  0004 'type'     02 000A 'nonprivate'"  // only when publishing
        "  0008 'flashVer' 02 0024 'FMLE/3.0 (compatible; Lavf60.16.100)'"
        "  0005 'tcUrl'    02 001A 'rtmp://127.0.0.1:1935/live'"
        "000009");  // object end

// ffmpeg playing: no "type", a player flashVer, then fpad/capabilities/codecs.
const Bytes kFfmpegPlayConnect =
    hex("02 0007 'connect' 00 3FF0000000000000 03"
        "  0003 'app'           02 0004 'live'"
        "  0008 'flashVer'      02 000D 'LNX 9,0,124,2'"
        "  0005 'tcUrl'         02 001A 'rtmp://127.0.0.1:1935/live'"
        "  0004 'fpad'          01 00"
        "  000C 'capabilities'  00 402E000000000000"  // 15.0
        "  000B 'audioCodecs'   00 40AFCE0000000000"  // 4071.0
        "  000B 'videoCodecs'   00 406F800000000000"  // 252.0
        "  000D 'videoFunction' 00 3FF0000000000000"  // 1.0
        "000009");

Command decode_ok(const Bytes& b, bool amf3 = false) {
    auto r = rtmp::decode_command(b, amf3);
    BOOST_REQUIRE_MESSAGE(r.ok(), "decode failed: " << (r.ok() ? "" : r.error().message));
    return *r;
}

CommandErrc decode_err(const Bytes& b, bool amf3 = false) {
    auto r = rtmp::decode_command(b, amf3);
    BOOST_REQUIRE(!r.ok());
    return r.error().code;
}

template <class R>
CommandErrc err_of(const R& r) {
    BOOST_REQUIRE(!r.ok());
    return r.error().code;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(command_decoding)

BOOST_AUTO_TEST_CASE(ffmpeg_publish_connect) {
    Command c = decode_ok(kFfmpegPublishConnect);
    BOOST_TEST(c.name == "connect");
    BOOST_TEST(c.transaction_id == 1.0);
    BOOST_REQUIRE_EQUAL(c.args.size(), 1u);
    auto p = rtmp::read_connect(c);
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->app == "live");
    BOOST_TEST(p->type == "nonprivate");
    BOOST_TEST(p->flash_ver == "FMLE/3.0 (compatible; Lavf60.16.100)");
    BOOST_TEST(p->tc_url == "rtmp://127.0.0.1:1935/live");
    BOOST_TEST(p->swf_url.empty());
    BOOST_TEST(p->object_encoding == 0.0);
    BOOST_TEST(p->raw_object.properties().size() == 4u);
    BOOST_TEST(p->extra_args.empty());
    // Re-encoding reproduces ffmpeg's bytes exactly.
    BOOST_TEST(rtmp::encode_command(c.name, c.transaction_id, c.args) == kFfmpegPublishConnect);
}

BOOST_AUTO_TEST_CASE(ffmpeg_play_connect) {
    Command c = decode_ok(kFfmpegPlayConnect);
    auto p = rtmp::read_connect(c);
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->flash_ver == "LNX 9,0,124,2");
    BOOST_TEST(p->type.empty());
    BOOST_TEST(p->raw_object.get("audioCodecs")->as_number() == 4071.0);
    BOOST_TEST(p->raw_object.get("videoCodecs")->as_number() == 252.0);
    BOOST_TEST(!p->raw_object.get("fpad")->as_bool());
    Bytes built =
        rtmp::encode_command("connect", 1,
                             {Value::object({{"app", Value::string("live")},
                                             {"flashVer", Value::string("LNX 9,0,124,2")},
                                             {"tcUrl", Value::string("rtmp://127.0.0.1:1935/live")},
                                             {"fpad", Value::boolean(false)},
                                             {"capabilities", Value::number(15)},
                                             {"audioCodecs", Value::number(4071)},
                                             {"videoCodecs", Value::number(252)},
                                             {"videoFunction", Value::number(1)}})});
    BOOST_TEST(built == kFfmpegPlayConnect);
}

BOOST_AUTO_TEST_CASE(amf3_command_message) {
    Bytes type17 = {0x00};
    type17.insert(type17.end(), kFfmpegPublishConnect.begin(), kFfmpegPublishConnect.end());
    Command c = decode_ok(type17, true);
    BOOST_TEST(c.name == "connect");
    BOOST_TEST(rtmp::read_connect(c)->app == "live");
    // Without the format byte: read as AMF0 all the same.
    BOOST_TEST(decode_ok(kFfmpegPublishConnect, true).name == "connect");
    // As type 20 the 0x00 byte is a number marker eating the name: not decodable.
    BOOST_TEST(!rtmp::decode_command(type17, false).ok());
    // AMF3 values inside: createStream with an AMF3 integer transaction id and AMF3 null.
    Command a = decode_ok(hex("00 02 000C 'createStream' 11 04 02 11 01"), true);
    BOOST_TEST(a.transaction_id == 2.0);
    BOOST_TEST(a.args.at(0).is_null());
}

BOOST_AUTO_TEST_CASE(connect_with_extra_args_and_object_encoding) {
    Bytes b = rtmp::encode_command(
        "connect", 1,
        {Value::object({{"app", Value::string("a/b")}, {"objectEncoding", Value::number(3)}}),
         Value::string("user"), Value::number(7)});
    auto p = rtmp::read_connect(decode_ok(b));
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->app == "a/b");
    BOOST_TEST(p->object_encoding == 3.0);
    BOOST_REQUIRE_EQUAL(p->extra_args.size(), 2u);
    BOOST_TEST(p->extra_args[0].as_string() == "user");
}

BOOST_AUTO_TEST_CASE(ffmpeg_publish_sequence) {
    Command rs = decode_ok(hex("02 000D 'releaseStream' 00 4000000000000000 05 02 0006 'stream'"));
    BOOST_TEST(rtmp::read_stream_name(rs)->name == "stream");
    Command cs = decode_ok(hex("02 000C 'createStream' 00 4010000000000000 05"));
    BOOST_TEST(cs.transaction_id == 4.0);
    BOOST_TEST(cs.args.size() == 1u);
    Command pub =
        decode_ok(hex("02 0007 'publish' 00 4014000000000000 05"
                      "02 000C 'stream?key=v' 02 0004 'live'"));
    auto p = rtmp::read_publish(pub);
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->name == "stream?key=v");
    BOOST_TEST(p->type == "live");
}

BOOST_AUTO_TEST_CASE(publish_type_defaults_and_tolerance) {
    auto p =
        rtmp::read_publish(decode_ok(hex("02 0007 'publish' 00 0000000000000000 05 02 0001 's'")));
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->type == "live");
    // An optional field of the wrong type is ignored, keeping the default.
    auto q = rtmp::read_publish(
        decode_ok(hex("02 0007 'publish' 00 0000000000000000 05 02 0001 's' 00 0000000000000000")));
    BOOST_REQUIRE(q.ok());
    BOOST_TEST(q->type == "live");
}

BOOST_AUTO_TEST_CASE(play_arguments) {
    // ffmpeg: play(txn, null, name, -2000)
    auto p =
        rtmp::read_play(decode_ok(hex("02 0004 'play' 00 4014000000000000 05"
                                      "02 0006 'stream' 00 C09F400000000000")));
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->name == "stream");
    BOOST_TEST(p->start == -2000.0);
    BOOST_TEST(p->duration == -1.0);
    BOOST_TEST(p->reset);
    // No start at all: defaults.
    auto q = rtmp::read_play(decode_ok(hex("02 0004 'play' 00 0000000000000000 05 02 0001 'x'")));
    BOOST_REQUIRE(q.ok());
    BOOST_TEST(q->start == -2.0);
    // reset as a boolean and as a number.
    auto r = rtmp::read_play(
        rtmp::decode_command(
            rtmp::encode_command("play", 0,
                                 {Value::null(), Value::string("x"), Value::number(0),
                                  Value::number(5), Value::boolean(false)}),
            false)
            .value());
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->start == 0.0);
    BOOST_TEST(r->duration == 5.0);
    BOOST_TEST(!r->reset);
    auto s = rtmp::read_play(*rtmp::decode_command(
        rtmp::encode_command("play", 0,
                             {Value::null(), Value::string("x"), Value::number(-1000),
                              Value::number(-1), Value::number(0)}),
        false));
    BOOST_TEST(!s->reset);
}

BOOST_AUTO_TEST_CASE(delete_stream_takes_number_string_or_nothing) {
    auto num = rtmp::read_delete_stream(
        decode_ok(hex("02 000C 'deleteStream' 00 4018000000000000 05 00 3FF0000000000000")));
    BOOST_TEST(num.stream_id == 1.0);
    BOOST_TEST(num.stream_name.empty());
    auto str = rtmp::read_delete_stream(
        decode_ok(hex("02 000C 'deleteStream' 00 0000000000000000 05 02 0003 'abc'")));
    BOOST_TEST(str.stream_id == 0.0);
    BOOST_TEST(str.stream_name == "abc");
    auto none =
        rtmp::read_delete_stream(decode_ok(hex("02 000B 'closeStream' 00 0000000000000000 05")));
    BOOST_TEST(none.stream_id == 0.0);
}

BOOST_AUTO_TEST_CASE(receive_pause_seek) {
    auto ra = rtmp::read_receive(*rtmp::decode_command(
        rtmp::encode_command("receiveAudio", 0, {Value::null(), Value::boolean(false)}), false));
    BOOST_REQUIRE(ra.ok());
    BOOST_TEST(!ra->enabled);
    auto pa = rtmp::read_pause(*rtmp::decode_command(
        rtmp::encode_command("pause", 0,
                             {Value::null(), Value::boolean(true), Value::number(1234)}),
        false));
    BOOST_REQUIRE(pa.ok());
    BOOST_TEST(pa->pause);
    BOOST_TEST(pa->position_ms == 1234.0);
    auto sk = rtmp::read_seek(*rtmp::decode_command(
        rtmp::encode_command("seek", 0, {Value::null(), Value::number(5000)}), false));
    BOOST_REQUIRE(sk.ok());
    BOOST_TEST(sk->position_ms == 5000.0);
}

BOOST_AUTO_TEST_CASE(missing_transaction_id_reads_as_zero) {
    Command c = decode_ok(hex("02 0004 'ping'"));
    BOOST_TEST(c.name == "ping");
    BOOST_TEST(c.transaction_id == 0.0);
    BOOST_TEST(c.args.empty());
    BOOST_TEST(c.arg(0) == nullptr);
}

BOOST_AUTO_TEST_CASE(every_error_code) {
    BOOST_TEST((decode_err({}) == CommandErrc::NotACommand));
    BOOST_TEST((decode_err(hex("00 3FF0000000000000")) == CommandErrc::NotACommand));
    BOOST_TEST((decode_err(hex("02 0004 'play' 02 0001 'x'")) == CommandErrc::BadTransactionId));
    BOOST_TEST((decode_err(hex("02 0004 'play' 04")) == CommandErrc::Amf));
    BOOST_TEST((decode_err(hex("02 0009 'pla'")) == CommandErrc::Amf));

    Command no_name = decode_ok(hex("02 0007 'publish' 00 0000000000000000 05"));
    BOOST_TEST((err_of(rtmp::read_publish(no_name)) == CommandErrc::MissingField));
    Command null_name = decode_ok(hex("02 0004 'play' 00 0000000000000000 05 05"));
    BOOST_TEST((err_of(rtmp::read_play(null_name)) == CommandErrc::MissingField));
    Command num_name =
        decode_ok(hex("02 0007 'publish' 00 0000000000000000 05 00 0000000000000000"));
    auto wrong = rtmp::read_publish(num_name);
    BOOST_TEST((err_of(wrong) == CommandErrc::WrongType));
    BOOST_TEST(wrong.error().message == "publish: stream name must not be number");

    Command null_obj = decode_ok(hex("02 0007 'connect' 00 3FF0000000000000 05"));
    BOOST_TEST((err_of(rtmp::read_connect(null_obj)) == CommandErrc::MissingField));
    Command num_obj = decode_ok(hex("02 0007 'connect' 00 3FF0000000000000 00 0000000000000000"));
    BOOST_TEST((err_of(rtmp::read_connect(num_obj)) == CommandErrc::WrongType));
    Command no_app = decode_ok(hex("02 0007 'connect' 00 3FF0000000000000 03 0001 'x' 05 000009"));
    BOOST_TEST((err_of(rtmp::read_connect(no_app)) == CommandErrc::MissingField));
    Command num_app = decode_ok(
        hex("02 0007 'connect' 00 3FF0000000000000 03 0003 'app' 00 0000000000000000 000009"));
    BOOST_TEST((err_of(rtmp::read_connect(num_app)) == CommandErrc::WrongType));
    Command str_flag = decode_ok(hex("02 000C 'receiveVideo' 00 0000000000000000 05 02 0001 'y'"));
    BOOST_TEST((err_of(rtmp::read_receive(str_flag)) == CommandErrc::WrongType));
    BOOST_TEST((err_of(rtmp::read_seek(no_name)) == CommandErrc::MissingField));
    BOOST_TEST((err_of(rtmp::read_pause(no_name)) == CommandErrc::MissingField));
    BOOST_TEST((err_of(rtmp::read_stream_name(no_name)) == CommandErrc::MissingField));
}

BOOST_AUTO_TEST_CASE(hostile_payloads_fail_cleanly) {
    Bytes bomb = hex("02 0004 'play' 00 0000000000000000");
    for (int i = 0; i < 100000; ++i) bomb.insert(bomb.end(), {0x0A, 0x00, 0x00, 0x00, 0x01});
    auto r = rtmp::decode_command(bomb, false);
    BOOST_TEST((err_of(r) == CommandErrc::Amf));
    BOOST_TEST(r.error().message.find("too deeply") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(data_messages)

BOOST_AUTO_TEST_CASE(set_data_frame_is_stripped_without_reencoding) {
    Bytes meta = hex("02 000A 'onMetaData' 08 00000001 0005 'width' 00 4094000000000000 000009");
    Bytes with = hex("02 000D '@setDataFrame'");
    with.insert(with.end(), meta.begin(), meta.end());
    auto stripped = rtmp::strip_set_data_frame(with);
    BOOST_REQUIRE(stripped.has_value());
    BOOST_TEST((*stripped == meta));
    BOOST_TEST(!rtmp::strip_set_data_frame(meta).has_value());
    BOOST_TEST(!rtmp::strip_set_data_frame(hex("02 000D '@setDataFram'")).has_value());
    auto values = rtmp::decode_data(with, false);
    BOOST_REQUIRE(values.ok());
    BOOST_REQUIRE_EQUAL(values->size(), 3u);
    BOOST_TEST((*values)[2].get("width")->as_number() == 1280.0);
    Bytes type15 = {0x00};
    type15.insert(type15.end(), meta.begin(), meta.end());
    BOOST_TEST(rtmp::decode_data(type15, true)->size() == 2u);
    BOOST_TEST((err_of(rtmp::decode_data(hex("02 00"), false)) == CommandErrc::Amf));
    BOOST_TEST(rtmp::encode_data("onMetaData", {(*values)[2]}) == meta);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(replies)

BOOST_AUTO_TEST_CASE(connect_result_bytes) {
    BOOST_TEST(rtmp::connect_result(1, 0) ==
               hex("02 0007 '_result' 00 3FF0000000000000"
                   "03 0006 'fmsVer' 02 000D 'FMS/3,0,1,123'"
                   "   000C 'capabilities' 00 403F000000000000"  // 31.0
                   "000009"
                   "03 0005 'level' 02 0006 'status'"
                   "   0004 'code' 02 001D 'NetConnection.Connect.Success'"
                   "   000B 'description' 02 0015 'Connection succeeded.'"
                   "   000E 'objectEncoding' 00 0000000000000000"
                   "000009"));
}

BOOST_AUTO_TEST_CASE(connect_rejected_bytes) {
    BOOST_TEST(rtmp::connect_rejected(1, "no") ==
               hex("02 0006 '_error' 00 3FF0000000000000 05"
                   "03 0005 'level' 02 0005 'error'"
                   "   0004 'code' 02 001E 'NetConnection.Connect.Rejected'"
                   "   000B 'description' 02 0002 'no'"
                   "000009"));
}

BOOST_AUTO_TEST_CASE(create_stream_and_status_bytes) {
    BOOST_TEST(rtmp::create_stream_result(4, 1) ==
               hex("02 0007 '_result' 00 4010000000000000 05 00 3FF0000000000000"));
    BOOST_TEST(rtmp::on_status("status", rtmp::status::kPublishStart, "live") ==
               hex("02 0008 'onStatus' 00 0000000000000000 05"
                   "03 0005 'level' 02 0006 'status'"
                   "   0004 'code' 02 0017 'NetStream.Publish.Start'"
                   "   000B 'description' 02 0004 'live'"
                   "000009"));
    BOOST_TEST(rtmp::sample_access() == hex("02 0011 '|RtmpSampleAccess' 01 01 01 01"));
    Value info = rtmp::status_info("status", rtmp::status::kPlayStart, "d");
    info.set("details", Value::string("s"));
    Command c = *rtmp::decode_command(rtmp::on_status(info), false);
    BOOST_TEST(c.name == "onStatus");
    BOOST_TEST((c.args.at(1) == info));
    BOOST_TEST(rtmp::result(3, {Value::null(), Value::null()}) ==
               hex("02 0007 '_result' 00 4008000000000000 05 05"));
}

BOOST_AUTO_TEST_SUITE_END()
