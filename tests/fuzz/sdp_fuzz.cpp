// libFuzzer target for lib/webrtc's SDP: any offer parses or fails without a crash, and what is
// accepted makes an answer that parses again with the same m-lines.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "webrtc/sdp.h"
#include "webrtc/sdp_answer.h"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    auto offer = webrtc::parse_offer(text);
    if (!offer.ok()) return 0;
    for (auto audio : {webrtc::AudioChoice::Aac, webrtc::AudioChoice::Pcma}) {
        auto chosen = webrtc::negotiate(*offer, audio);
        if (!chosen.ok()) continue;
        require(chosen->video.has_value());
        require(chosen->accepted.size() == offer->media.size());
        webrtc::LocalDescription local;
        local.ice_ufrag = "abcdefgh";
        local.ice_pwd = "abcdefghijklmnopqrstuvwx";
        for (int i = 0; i < 32; ++i) local.fingerprint += i ? ":0A" : "0A";
        local.candidates = {{"127.0.0.1", 8189}};
        std::string answer = webrtc::make_answer(*offer, *chosen, local);
        for (auto at = answer.find("setup:passive"); at != std::string::npos;
             at = answer.find("setup:passive"))
            answer.replace(at, 13, "setup:actpass");
        auto back = webrtc::parse_offer(answer);
        require(back.ok());
        require(back->media.size() == offer->media.size());
    }
    return 0;
}
