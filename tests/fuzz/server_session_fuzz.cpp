// Whole server sessions under fuzzing: three sessions against one registry, each past a real
// handshake, then fed arbitrary chunk bytes, with time moving on, peers taking (or not taking)
// their output, a hook backend answering in any order, and sessions coming and going. The log
// formatter and the hook payload builder run in the loop; every log line must come out escaped
// (no control byte but its newline). Input: a byte of settings, then operations.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "../unit/server_harness.h"
#include "net/log.h"
#include "rtmp/handshake.h"

using namespace server_harness;

namespace {

void fill(std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) p[i] = std::uint8_t(i * 29 + 1);
}

void check_line(std::string_view line) {
    for (std::size_t i = 0; i + 1 < line.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(line[i]);
        if (c < 0x20 || c == 0x7f) std::abort();  // a peer's byte reached the log raw
    }
}

struct Slot {
    MemoryIo io;
    std::unique_ptr<Session> session;
};

class Run {
public:
    Run(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    void go() {
        const std::uint8_t flags = next();
        server::Config c;
        c.rtmp_use_stream_params_as_connection = flags & 1;
        c.rtmp_send_video_first = flags & 2;
        c.publish_conflict = (flags & 4) ? server::PublishConflict::Replace : server::PublishConflict::Reject;
        c.server_buffer_enabled = !(flags & 8);
        c.chunk_size = (flags & 16) ? 128 : 4096;
        c.play_wait_timeout = server::Duration{(flags & 32) ? 3000 : 0};
        c.max_message_size = 1 << 20;  // keeps each run's memory small
        c.gop_cache_max_bytes = 4 << 20;
        c.player_queue_max_bytes = 1 << 20;
        c.max_control_output = 64 << 10;
        config_ = std::make_shared<const server::Config>(c);
        if (flags & 64) host_.scripted = &hooks_;
        net::logger().configure(net::LogLevel::Debug,
                                (flags & 128) ? net::LogFormat::Json : net::LogFormat::Human);
        net::logger().set_sink(check_line);
        for (auto& s : slots_) open(s);
        while (pos_ < size_) step();
        for (auto& s : slots_) s.session.reset();
        net::logger().set_sink({});
    }

private:
    std::uint8_t next() { return pos_ < size_ ? data_[pos_++] : 0; }

    void open(Slot& s) {
        s.session.reset();
        s.io = MemoryIo();
        s.session = std::make_unique<Session>(host_, s.io, config_, ++ids_,
                                              server::SessionPeer{"10.0.0.1:4000", "10.0.0.2:1935", false}, fill);
        s.io.session = s.session.get();
        // A real handshake (simple scheme), so that the input reaches the chunk decoder.
        rtmp::ClientHandshake hs(fill, 0, false);
        util::Bytes c;
        hs.start(c);
        s.session->receive(c);
        util::Bytes reply = s.io.take_all(), c2;
        if (hs.feed(reply, c2)) s.session->receive(c2);
    }

    void step() {
        const std::uint8_t op = next();
        Slot& s = slots_[(op >> 3) % 3];
        switch (op & 7) {
            case 0:
            case 1:
            case 2:
            case 3: {  // chunk bytes from the peer
                std::size_t n = std::size_t(next()) * 8 + 1;
                if (n > size_ - pos_) n = size_ - pos_;
                if (!s.io.done && s.session->wants_input())
                    s.session->receive(util::ByteView(data_ + pos_, n));
                pos_ += n;
                break;
            }
            case 4: {  // time passes; due deadlines fire
                host_.now += std::int64_t(next()) * 250;
                for (auto& t : slots_)
                    if (!t.io.done && t.io.deadline && host_.now >= *t.io.deadline) t.session->on_deadline();
                break;
            }
            case 5:  // the peer takes its output
                if (!s.io.done) s.io.take_all();
                break;
            case 6: {  // the backend answers the oldest request
                const std::uint8_t how = next();
                hook::json fields = hook::json::object();
                if (how & 2) fields["name"] = (how & 4) ? "other" : "a/b";
                if (how & 8) fields["record"] = true;
                hooks_.decide(how & 1, fields);
                break;
            }
            case 7:  // the peer goes (and a new one comes), or the operator acts
                if (next() & 1) s.session->close_by_operator();
                else s.session->on_peer_closed();
                if (s.io.done) open(s);
                break;
        }
        for (auto& t : slots_)
            if (t.io.done) open(t);  // a closed session is replaced (fresh peer, same registry)
    }

    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
    std::uint64_t ids_ = 0;
    TestHost host_;
    ScriptedHooks hooks_;
    std::shared_ptr<const server::Config> config_;
    Slot slots_[3];
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Run(data, size).go();
    return 0;
}
