// SDP offers as browsers and WHIP clients send them (tests/unit/data/chrome156_offer.sdp is
// Debian 12 Chromium 156's offer for camera + microphone, sendonly), the codec choice and the
// answer; hostile offers end in an error, never a crash.
#include <boost/test/unit_test.hpp>

#include "media_test_util.h"
#include "webrtc/sdp.h"
#include "webrtc/sdp_answer.h"

using namespace webrtc;

namespace {

std::string chrome_offer() {
    util::Bytes b = media_test::unit_data("chrome156_offer.sdp");
    return std::string(b.begin(), b.end());
}

const std::string kMinimal =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE v\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=mid:v\r\na=sendonly\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n"
    "a=fingerprint:sha-256 "
    "47:03:76:C0:D4:7A:BB:D4:9A:E8:3D:4B:32:71:7B:5F:AE:E8:A2:41:C2:9B:01:D9:69:59:97:6F:F8:91:76:"
    "8C\r\n"
    "a=setup:actpass\r\na=rtcp-mux\r\n"
    "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n";

std::string replace(std::string s, const std::string& from, const std::string& to) {
    auto at = s.find(from);
    BOOST_REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
}

LocalDescription local() {
    LocalDescription l;
    l.ice_ufrag = "srvU";
    l.ice_pwd = "serverpasswordserverpw";
    l.fingerprint = "";
    for (int i = 0; i < 32; ++i) l.fingerprint += i ? ":A0" : "A0";
    l.candidates = {{"127.0.0.1", 40000}};
    return l;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(webrtc_sdp)

BOOST_AUTO_TEST_CASE(chromium_offer_parses_with_its_ice_dtls_and_codecs) {
    auto offer = parse_offer(chrome_offer());
    BOOST_REQUIRE_MESSAGE(offer.ok(), (offer.ok() ? std::string() : offer.error().message));
    BOOST_CHECK_EQUAL(offer->media.size(), 2u);
    BOOST_CHECK_EQUAL(offer->media[0].kind, "audio");
    BOOST_CHECK_EQUAL(offer->media[1].kind, "video");
    BOOST_CHECK_EQUAL(offer->ice_ufrag, "hAn8");
    BOOST_CHECK_EQUAL(offer->setup, "actpass");
    BOOST_CHECK_EQUAL(offer->bundle.size(), 2u);
    BOOST_CHECK(offer->media[1].rtcp_mux);
    BOOST_CHECK_EQUAL(offer->media[1].direction, "sendonly");
}

BOOST_AUTO_TEST_CASE(chromium_offer_gets_h264_mode1_baseline_with_rtx_and_opus) {
    auto offer = parse_offer(chrome_offer());
    BOOST_REQUIRE(offer.ok());
    auto n = negotiate(*offer, AudioChoice::Aac);
    BOOST_REQUIRE_MESSAGE(n.ok(), (n.ok() ? std::string() : n.error().message));
    BOOST_REQUIRE(n->video && n->audio);
    BOOST_CHECK_EQUAL(n->video->codec, "H264");
    const SdpCodec& c = offer->media[1].codecs.at(n->video->payload_type);
    BOOST_CHECK_EQUAL(c.parameter("packetization-mode"), "1");
    BOOST_CHECK_EQUAL(c.parameter("profile-level-id").substr(0, 4), "42e0");
    BOOST_CHECK(n->video->rtx_payload_type >= 0);
    BOOST_CHECK(n->video->nack && n->video->pli);
    BOOST_CHECK_EQUAL(n->audio->codec, "opus");
    BOOST_CHECK_EQUAL(n->audio->clock_rate, 48000);

    const std::string answer = make_answer(*offer, *n, local());
    BOOST_CHECK(answer.find("a=ice-lite\r\n") != std::string::npos);
    BOOST_CHECK(answer.find("a=setup:passive\r\n") != std::string::npos);
    BOOST_CHECK(answer.find("a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\n") !=
                std::string::npos);
    BOOST_CHECK(
        answer.find("m=video 9 UDP/TLS/RTP/SAVPF " + std::to_string(n->video->payload_type) + " " +
                    std::to_string(n->video->rtx_payload_type) + "\r\n") != std::string::npos);
    BOOST_CHECK(answer.find("a=group:BUNDLE 0 1\r\n") != std::string::npos);
    // The answer parses as an SDP itself (read as an offer, so its passive role is swapped),
    // with the same m-line order.
    std::string as_offer = answer;
    for (auto at = as_offer.find("setup:passive"); at != std::string::npos;
         at = as_offer.find("setup:passive"))
        as_offer.replace(at, 13, "setup:actpass");
    auto back = parse_offer(as_offer);
    BOOST_REQUIRE_MESSAGE(back.ok(), (back.ok() ? std::string() : back.error().message));
    BOOST_CHECK_EQUAL(back->media[0].kind, "audio");
    BOOST_CHECK_EQUAL(back->media[1].direction, "recvonly");
}

BOOST_AUTO_TEST_CASE(g711_is_chosen_when_configured_and_falls_back_when_absent) {
    auto offer = parse_offer(chrome_offer());
    BOOST_REQUIRE(offer.ok());
    auto a = negotiate(*offer, AudioChoice::Pcma);
    BOOST_REQUIRE(a.ok() && a->audio);
    BOOST_CHECK_EQUAL(a->audio->codec, "PCMA");
    BOOST_CHECK_EQUAL(a->audio->payload_type, 8);
    auto u = negotiate(*offer, AudioChoice::Pcmu);
    BOOST_REQUIRE(u.ok() && u->audio);
    BOOST_CHECK_EQUAL(u->audio->payload_type, 0);
    // Video only: no audio, a note, still accepted.
    auto v = negotiate(*parse_offer(kMinimal), AudioChoice::Pcma);
    BOOST_REQUIRE(v.ok());
    BOOST_CHECK(!v->audio);
}

BOOST_AUTO_TEST_CASE(an_offer_without_h264_or_not_sending_is_refused_with_a_reason) {
    std::string vp8 = replace(kMinimal, "H264/90000", "VP8/90000");
    auto n = negotiate(*parse_offer(vp8), AudioChoice::Aac);
    BOOST_REQUIRE(!n.ok());
    BOOST_CHECK(n.error().code == AnswerErrc::NoH264);
    BOOST_CHECK(n.error().message.find("H.264") != std::string::npos);
    auto recv =
        negotiate(*parse_offer(replace(kMinimal, "a=sendonly", "a=recvonly")), AudioChoice::Aac);
    BOOST_REQUIRE(!recv.ok());
    BOOST_CHECK(recv.error().code == AnswerErrc::NotSending);
    std::string audio_only = replace(kMinimal, "m=video", "m=audio");
    audio_only = replace(audio_only, "H264/90000", "opus/48000/2");
    auto a = negotiate(*parse_offer(audio_only), AudioChoice::Aac);
    BOOST_REQUIRE(!a.ok());
    BOOST_CHECK(a.error().code == AnswerErrc::NoVideo);
}

BOOST_AUTO_TEST_CASE(a_mode0_or_main_profile_offer_is_taken_when_nothing_better) {
    std::string main = replace(kMinimal, "packetization-mode=1;profile-level-id=42e01f",
                               "packetization-mode=0;profile-level-id=4d001f");
    auto n = negotiate(*parse_offer(main), AudioChoice::Aac);
    BOOST_REQUIRE(n.ok());
    BOOST_CHECK_EQUAL(n->video->payload_type, 96);
}

BOOST_AUTO_TEST_CASE(hostile_offers_end_in_errors) {
    BOOST_CHECK(!parse_offer("").ok());
    BOOST_CHECK(!parse_offer("x=0\r\n").ok());
    BOOST_CHECK(!parse_offer("v=0\r\n").ok());                // no m-line
    BOOST_CHECK(!parse_offer(std::string(70000, 'a')).ok());  // over the size
    BOOST_CHECK(
        !parse_offer(replace(kMinimal, "a=ice-pwd:0123456789abcdefghijkl", "a=ice-pwd:short"))
             .ok());
    BOOST_CHECK(!parse_offer(replace(kMinimal, "a=ice-ufrag:abcd",
                                     "a=ice-ufrag:a\x01"
                                     "cd"))
                     .ok());
    BOOST_CHECK(!parse_offer(replace(kMinimal, "sha-256 47", "sha-1 47")).ok());
    BOOST_CHECK(!parse_offer(replace(kMinimal, "a=setup:actpass", "a=setup:passive")).ok());
    BOOST_CHECK(!parse_offer(replace(kMinimal, "96 H264/90000", "96 H264/0")).ok());
    BOOST_CHECK(!parse_offer(replace(kMinimal, "96 H264/90000", "300 H264/90000")).ok());
    BOOST_CHECK(!parse_offer(replace(kMinimal, "a=rtpmap:97 rtx/90000", "a=rtpmap:97")).ok());
    BOOST_CHECK(!parse_offer(replace(kMinimal, "96 97\r\n", "96 x\r\n")).ok());
    // BUNDLE needs a mid on every m-line, each its own (found by fuzzing: the answer repeated
    // an empty mid).
    BOOST_CHECK(!parse_offer(replace(kMinimal, "a=mid:v\r\n", "")).ok());
    BOOST_CHECK(!parse_offer(kMinimal + "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:v\r\n").ok());
    std::string many = kMinimal;
    for (int i = 0; i < 20; ++i)
        many += "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:a" + std::to_string(i) + "\r\n";
    auto r = parse_offer(many);
    BOOST_REQUIRE(!r.ok());
    BOOST_CHECK(r.error().code == SdpErrc::TooLarge);
    std::string lines = kMinimal;
    for (int i = 0; i < 5000; ++i) lines += "a=x\r\n";
    BOOST_CHECK(!parse_offer(lines).ok());
    // Every truncation of a valid offer parses or fails; none crashes.
    const std::string full = chrome_offer();
    for (std::size_t n = 0; n < full.size(); n += 7) (void)parse_offer(full.substr(0, n));
}

BOOST_AUTO_TEST_CASE(a_rejected_first_mline_without_credentials_takes_the_next_ones) {
    // An answer's rejected m-line carries no ICE attributes: read as an offer, the credentials
    // come from the first m-line that has them.
    std::string offer = "v=0\r\nm=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\n" +
                        kMinimal.substr(kMinimal.find("m=video"));
    auto parsed = parse_offer(offer);
    BOOST_REQUIRE(parsed.ok());
    BOOST_CHECK_EQUAL(parsed->ice_ufrag, "abcd");
}

BOOST_AUTO_TEST_CASE(codec_names_are_matched_and_reported_case_insensitively) {
    // GStreamer's webrtcbin offers "OPUS/48000/2" and "h264" may come lower-case: the track says
    // "opus" and "H264" whatever the offer's spelling (it once made Opus pass as G.711).
    std::string offer = replace(kMinimal, "H264/90000", "h264/90000");
    offer += "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\na=sendonly\r\n"
             "a=rtpmap:111 OPUS/48000/2\r\n";
    auto n = negotiate(*parse_offer(offer), AudioChoice::Aac);
    BOOST_REQUIRE(n.ok() && n->audio && n->video);
    BOOST_CHECK_EQUAL(n->audio->codec, "opus");
    BOOST_CHECK_EQUAL(n->video->codec, "H264");
}

BOOST_AUTO_TEST_CASE(codec_parameters_are_read_from_fmtp) {
    SdpCodec c;
    c.fmtp = "level-asymmetry-allowed=1; packetization-mode=1;profile-level-id=42e01f";
    BOOST_CHECK_EQUAL(c.parameter("packetization-mode"), "1");
    BOOST_CHECK_EQUAL(c.parameter("profile-level-id"), "42e01f");
    BOOST_CHECK_EQUAL(c.parameter("apt"), "");
}

BOOST_AUTO_TEST_SUITE_END()
