// Hook payloads (the WCS example), overwrite rules, request signing and decisions.
#include <boost/test/unit_test.hpp>

#include "hook/hook_client.h"
#include "hook/payload.h"
#include "hook/signature.h"

using hook::json;

namespace {

// The WCS documentation's example: an RTMP client at 127.0.0.1:5643, the server at 192.168.1.1:1935.
const std::string kWcsSession = "/127.0.0.1:5643/192.168.1.1:1935";

hook::StreamInfo wcs_stream(bool published) {
    hook::StreamInfo s;
    s.node_id = "node1";
    s.session_id = hook::format_session_id("127.0.0.1", 5643, "192.168.1.1", 1935);
    s.name = "stream1";
    s.published = published;
    s.media_session_id = published
                             ? "6a1f0d3e-0c5b-4b1e-9f7a-2d0c1b3a4e5f"
                             : hook::play_media_session_id(s.name, s.session_id);
    s.custom = {{"token", "abc"}};
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(session_ids)

BOOST_AUTO_TEST_CASE(session_id_is_remote_then_local) {
    BOOST_TEST(hook::format_session_id("127.0.0.1", 5643, "192.168.1.1", 1935) == kWcsSession);
}

BOOST_AUTO_TEST_CASE(ipv6_addresses_are_bracketed) {
    BOOST_TEST(hook::format_session_id("::1", 40000, "::1", 1935) == "/[::1]:40000/[::1]:1935");
}

BOOST_AUTO_TEST_CASE(play_media_session_id_drops_the_leading_slash) {
    BOOST_TEST(hook::play_media_session_id("stream1", kWcsSession) ==
               "stream1/127.0.0.1:5643/192.168.1.1:1935");
    BOOST_TEST(hook::play_media_session_id("s", "x:1/y:2") == "s/x:1/y:2");
}

BOOST_AUTO_TEST_CASE(uuid_sets_version_and_variant_bits) {
    std::array<std::uint8_t, 16> zeros{};
    BOOST_TEST(hook::uuid_v4(zeros) == "00000000-0000-4000-8000-000000000000");
    std::array<std::uint8_t, 16> ones;
    ones.fill(0xFF);
    BOOST_TEST(hook::uuid_v4(ones) == "ffffffff-ffff-4fff-bfff-ffffffffffff");
    std::array<std::uint8_t, 16> seq;
    for (int i = 0; i < 16; ++i) seq[i] = std::uint8_t(i * 17);
    BOOST_TEST(hook::uuid_v4(seq) == "00112233-4455-4677-8899-aabbccddeeff");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(payloads)

BOOST_AUTO_TEST_CASE(connect_has_exactly_the_wcs_fields) {
    hook::ConnectInfo c;
    c.node_id = "node1";
    c.session_id = kWcsSession;
    c.custom = {{"user", "bob"}, {"pass", "x"}};
    c.login = "bob";
    json expected = json::parse(R"({
        "nodeId": "node1", "appKey": "flashStreamingApp",
        "sessionId": "/127.0.0.1:5643/192.168.1.1:1935",
        "useWsTunnel": false, "useWsTunnelPacketization2": false,
        "useBase64BinaryEncoding": false, "keepAlive": false,
        "custom": {"user": "bob", "pass": "x"}, "login": "bob"})");
    BOOST_TEST(hook::connect_payload(c) == expected);
}

BOOST_AUTO_TEST_CASE(publish_stream_has_exactly_the_wcs_fields) {
    json expected = json::parse(R"({
        "nodeId": "node1", "appKey": "flashStreamingApp",
        "sessionId": "/127.0.0.1:5643/192.168.1.1:1935",
        "mediaSessionId": "6a1f0d3e-0c5b-4b1e-9f7a-2d0c1b3a4e5f",
        "name": "stream1", "published": true, "hasVideo": true, "hasAudio": true,
        "status": "NEW", "record": false, "width": 0, "height": 0, "bitrate": 0,
        "minBitrate": 0, "maxBitrate": 0, "quality": 0, "mediaProvider": "Flash",
        "custom": {"token": "abc"}})");
    BOOST_TEST(hook::stream_payload(wcs_stream(true)) == expected);
}

BOOST_AUTO_TEST_CASE(play_stream_differs_in_published_and_media_session_id) {
    json got = hook::stream_payload(wcs_stream(false));
    json expected = hook::stream_payload(wcs_stream(true));
    expected["published"] = false;
    expected["mediaSessionId"] = "stream1/127.0.0.1:5643/192.168.1.1:1935";
    BOOST_TEST(got == expected);
}

BOOST_AUTO_TEST_CASE(status_event_carries_what_was_learned) {
    hook::StreamInfo s = wcs_stream(true);
    s.status = "PUBLISHING";
    s.width = 1280;
    s.height = 720;
    s.bitrate = 2500;
    s.facts.video_codec = "H264";
    s.facts.audio_codec = "AAC";
    s.facts.frame_rate = 29.97;
    s.facts.audio_sample_rate = 44100;
    json j = hook::stream_payload(s);
    BOOST_TEST(j["status"] == "PUBLISHING");
    BOOST_TEST(j["width"] == 1280);
    BOOST_TEST(j["height"] == 720);
    BOOST_TEST(j["bitrate"] == 2500);
    BOOST_TEST(j["videoCodec"] == "H264");
    BOOST_TEST(j["audioCodec"] == "AAC");
    BOOST_TEST(j["frameRate"].get<double>() == 29.97);
    BOOST_TEST(j["audioSampleRate"] == 44100);
    BOOST_TEST(!j.contains("audioChannels"));  // unknown facts are left out
    BOOST_TEST(!j.contains("info"));
    s.info = "publisher left";
    BOOST_TEST(hook::stream_payload(s)["info"] == "publisher left");
}

BOOST_AUTO_TEST_CASE(connection_status_event_adds_status_and_info) {
    hook::ConnectInfo c;
    c.session_id = kWcsSession;
    json j = hook::connection_status_payload(c, "DISCONNECTED", "peer closed");
    BOOST_TEST(j["status"] == "DISCONNECTED");
    BOOST_TEST(j["info"] == "peer closed");
    BOOST_TEST(j["sessionId"] == kWcsSession);
    BOOST_TEST(!hook::connection_status_payload(c, "ESTABLISHED").contains("info"));
}

BOOST_AUTO_TEST_CASE(repeated_custom_key_keeps_the_last_value) {
    json j = hook::params_object({{"a", "1"}, {"b", "2"}, {"a", "3"}});
    BOOST_TEST(j == json::parse(R"({"a":"3","b":"2"})"));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_from_peers_does_not_throw) {
    hook::StreamInfo s = wcs_stream(true);
    s.name = std::string("bad\xff\xfename");
    std::string body;
    BOOST_CHECK_NO_THROW(body = hook::to_body(hook::stream_payload(s)));
    BOOST_TEST(body.find("bad\xEF\xBF\xBD") != std::string::npos);  // U+FFFD
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(overwrite)

BOOST_AUTO_TEST_CASE(echo_changes_nothing) {
    json sent = hook::stream_payload(wcs_stream(true));
    auto o = hook::apply_overwrite(sent, {"name", "record"}, hook::to_body(sent));
    BOOST_TEST(o.body_was_json);
    BOOST_TEST(o.fields == json::object());
    BOOST_TEST(o.refused.empty());
}

BOOST_AUTO_TEST_CASE(allowed_changed_fields_are_taken) {
    json sent = hook::stream_payload(wcs_stream(true));
    json answer = sent;
    answer["name"] = "channel1";
    answer["record"] = true;
    answer["published"] = false;  // not allowed
    auto o = hook::apply_overwrite(sent, {"name", "record"}, answer.dump());
    BOOST_TEST(o.fields == json::parse(R"({"name":"channel1","record":true})"));
    BOOST_TEST(o.refused == std::vector<std::string>{"published"});
}

BOOST_AUTO_TEST_CASE(a_field_of_another_type_is_refused) {
    json sent = hook::stream_payload(wcs_stream(true));
    auto o = hook::apply_overwrite(sent, {"name", "record", "width"},
                                   R"({"name": 5, "record": "yes", "width": 640.0})");
    BOOST_TEST(o.fields == json::parse(R"({"width": 640.0})"));
    BOOST_TEST(o.refused.size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_partial_answer_changes_only_what_it_names) {
    json sent = hook::stream_payload(wcs_stream(true));
    auto o = hook::apply_overwrite(sent, {"name"}, R"({"name":"other"})");
    BOOST_TEST(o.fields == json::parse(R"({"name":"other"})"));
}

BOOST_AUTO_TEST_CASE(a_new_scalar_field_is_taken_an_object_is_not) {
    json sent = json::parse(R"({"name":"a"})");
    auto o = hook::apply_overwrite(sent, {"extra", "deep"}, R"({"extra":"x","deep":{"a":1}})");
    BOOST_TEST(o.fields == json::parse(R"({"extra":"x"})"));
    BOOST_TEST(o.refused == std::vector<std::string>{"deep"});
}

BOOST_AUTO_TEST_CASE(bodies_that_are_not_json_objects_change_nothing) {
    json sent = json::parse(R"({"name":"a"})");
    for (const char* body : {"", "OK", "[1,2]", "\"name\"", "{\"name\":", "{\"name\":\"b\"} x"}) {
        auto o = hook::apply_overwrite(sent, {"name"}, body);
        BOOST_TEST(!o.body_was_json, body);
        BOOST_TEST(o.fields == json::object(), body);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(signature)

// Expected values made with OpenSSL's command line, independently of this code:
//   printf '%s' '<body>' | openssl dgst -sha256 -hmac '<secret>'
BOOST_AUTO_TEST_CASE(known_answers_from_openssl_dgst) {
    BOOST_TEST(hook::hmac_sha256_hex(
                   "hook-secret",
                   R"({"nodeId":"node1","sessionId":"/127.0.0.1:5643/192.168.1.1:1935"})") ==
               "90ce52eb39b3f419f3b48b895d69855d667b46bab3d0f79a48b1bd06eb9bd4f4");
    // Also RFC 4231 test case 2.
    BOOST_TEST(hook::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    BOOST_TEST(hook::hmac_sha256_hex("", "") ==
               "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

BOOST_AUTO_TEST_CASE(header_name_and_value_format) {
    BOOST_TEST(std::string(hook::kSignatureHeader) == "X-Rtmpkit-Signature");
    BOOST_TEST(hook::signature_value("Jefe", "what do ya want for nothing?") ==
               "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(verify_accepts_the_right_value_only) {
    std::string body = R"({"a":1})";
    std::string good = hook::signature_value("s3cret", body);
    BOOST_TEST(hook::verify_signature("s3cret", body, good));
    std::string upper = good;
    for (std::size_t i = 7; i < upper.size(); ++i) upper[i] = char(std::toupper(upper[i]));
    BOOST_TEST(hook::verify_signature("s3cret", body, upper));
    BOOST_TEST(!hook::verify_signature("other", body, good));
    BOOST_TEST(!hook::verify_signature("s3cret", body + " ", good));
    BOOST_TEST(!hook::verify_signature("s3cret", body, good.substr(7)));  // no "sha256="
    BOOST_TEST(!hook::verify_signature("s3cret", body, ""));
    std::string flipped = good;
    flipped.back() = flipped.back() == '0' ? '1' : '0';
    BOOST_TEST(!hook::verify_signature("s3cret", body, flipped));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(decisions)

net::HttpResult answer(int status, std::string body, std::string reason = "") {
    net::HttpResult r;
    r.status = status;
    r.body = std::move(body);
    r.reason = std::move(reason);
    return r;
}

BOOST_AUTO_TEST_CASE(any_2xx_allows_and_takes_overwrites) {
    hook::HookConfig cfg;
    cfg.overwrite = {"name"};
    json sent = json::parse(R"({"name":"a","record":false})");
    auto d = hook::decide(cfg, "publishStream", sent, answer(200, R"({"name":"b","record":true})"));
    BOOST_TEST(d.allowed);
    BOOST_TEST(d.status == 200);
    BOOST_TEST(d.overwritten_fields == json::parse(R"({"name":"b"})"));
    BOOST_TEST(hook::decide(cfg, "connect", sent, answer(204, "")).allowed);
}

BOOST_AUTO_TEST_CASE(other_statuses_refuse_with_the_backend_reason) {
    hook::HookConfig cfg;
    json sent = json::object();
    auto d = hook::decide(cfg, "connect", sent, answer(403, "bad token\nmore", "Forbidden"));
    BOOST_TEST(!d.allowed);
    BOOST_TEST(d.status == 403);
    BOOST_TEST(d.reason == "bad token");
    d = hook::decide(cfg, "connect", sent, answer(403, "", "Forbidden"));
    BOOST_TEST(d.reason == "HTTP 403 Forbidden");
    d = hook::decide(cfg, "connect", sent, answer(401, R"({"reason":"expired"})"));
    BOOST_TEST(d.reason == "expired");
    d = hook::decide(cfg, "connect", sent, answer(302, R"({"name":"x"})", "Found"));
    BOOST_TEST(!d.allowed);
    BOOST_TEST(d.reason == "HTTP 302 Found");
    BOOST_TEST(!hook::decide(cfg, "connect", sent, answer(500, "oops")).allowed);
    BOOST_TEST(!hook::decide(cfg, "connect", sent, answer(100, "")).allowed);
}

BOOST_AUTO_TEST_CASE(transport_errors_follow_rest_on_error) {
    hook::HookConfig cfg;
    net::HttpResult timeout;
    timeout.error = "Operation timed out";
    timeout.timed_out = true;
    net::HttpResult refused;
    refused.error = "Couldn't connect to server";
    json sent = json::object();
    for (const auto* r : {&timeout, &refused}) {
        cfg.on_error = hook::OnError::Fail;
        auto d = hook::decide(cfg, "playStream", sent, *r);
        BOOST_TEST(!d.allowed);
        BOOST_TEST(d.backend_error);
        cfg.on_error = hook::OnError::Log;
        d = hook::decide(cfg, "playStream", sent, *r);
        BOOST_TEST(d.allowed);
        BOOST_TEST(d.backend_error);
        BOOST_TEST(d.overwritten_fields == json::object());
    }
    cfg.timeout_ms = 5000;
    BOOST_TEST(hook::decide(cfg, "playStream", sent, timeout).reason ==
               "hook playStream: no answer within 5000 ms");
    BOOST_TEST(hook::decide(cfg, "playStream", sent, refused).reason ==
               "hook playStream: Couldn't connect to server");
}

// The detail (backend address, library error) is for the log; the client reads a fixed phrase,
// or the backend's own refusal text for a 4xx.
BOOST_AUTO_TEST_CASE(the_client_reason_leaks_no_backend_detail) {
    hook::HookConfig cfg;
    json sent = json::object();
    net::HttpResult down;
    down.error = "Failed to connect to 127.0.0.1 port 39999 after 0 ms: Couldn't connect to server";
    auto d = hook::decide(cfg, "connect", sent, down);
    BOOST_TEST(d.reason.find("127.0.0.1 port 39999") != std::string::npos);
    BOOST_TEST(d.client_reason == "authorization backend unavailable");
    net::HttpResult late;
    late.error = "Operation timed out";
    late.timed_out = true;
    BOOST_TEST(hook::decide(cfg, "connect", sent, late).client_reason ==
               "authorization backend unavailable");
    BOOST_TEST(hook::decide(cfg, "connect", sent,
                            answer(502, "upstream 10.0.0.7:8080 refused", "Bad Gateway"))
                   .client_reason == "authorization backend unavailable");
    BOOST_TEST(hook::decide(cfg, "connect", sent, answer(403, "bad token")).client_reason ==
               "bad token");
}

BOOST_AUTO_TEST_SUITE_END()
