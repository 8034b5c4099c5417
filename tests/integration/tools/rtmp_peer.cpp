// rtmp_peer: a scripted RTMP client for integration tests. It plays hostile peers (bad handshake,
// bad chunk sizes, oversized messages, AMF nesting bombs, a handshake that never ends) and a
// player that stops reading, using lib/rtmp's ClientHandshake, ChunkEncoder and encode_command.
//
// Usage: rtmp_peer HOST PORT MODE [--timeout SECONDS] [--app APP] [--name NAME] [--depth N]
//                  [--command-hex HEX] [--command-size BYTES]
//                  [--count N] [--bytes N] [--bind ADDR]
// Modes:
//   bad-c0           C0 = 0x06 (RTMPE) and a C1; the server must close.
//   stall-handshake  C0 only, then nothing; the server must close after its handshake timeout.
//   chunk-size-0     handshake, then Set Chunk Size 0.
//   huge-message     handshake, Set Chunk Size 0x7FFFFFFF, then a message header declaring the
//                    largest length RTMP can express (0xFFFFFF) and 64 KiB of it.
//   amf-bomb         handshake, then connect whose command object nests --depth objects.
//   slow-play        handshake, connect, createStream, play --app/--name; reads until media flows
//                    (64 KiB), prints "stalled", then never reads again until killed.
//   play             the same play, then reads for --timeout seconds and prints one line per
//                    message: "status CODE" for onStatus, "user EVENT" for user control events,
//                    "video|audio TS SIZE key|inter|header" for media. A player that, unlike
//                    ffmpeg and librtmp, does not end at NetStream.Play.UnpublishNotify.
//                    Exit 0 when it was still connected at the end.
//   command-name     handshake, then one AMF0 command (before connect) whose name is the bytes
//                    of --command-hex HEX (default "ff"), repeated up to --command-size bytes
//                    when given: invalid UTF-8, CR, ESC, a 16 MiB name. The server must close.
//   play-connect     connect, createStream, play --app/--name and a second connect, all in one
//                    TCP segment; prints what the server answers ("command _error", ...) until
//                    it closes.
//   idle-connect     handshake and connect, then nothing (reads and discards the replies).
//   command-flood    handshake, connect, then --count (2000) seek commands as fast as it can,
//                    never reading the replies.
//   ping-flood       handshake, connect, then --count (2000) ping requests, never reading.
//   partial-message  handshake, Set Chunk Size 0x7FFFFFFF, then a video message declaring
//                    --bytes + 1 bytes of which --bytes are sent: the server holds them as partial
//                    input. Prints "held N" once sent. With --more M --more-after-ms T, sends
//                    M more bytes of it T ms later (the declared length covers them) and prints
//                    "held N+M".
// --bind ADDR: connect from this local address (e.g. 127.0.0.2: another peer address on lo).
// Prints "local ADDR:PORT" first (the peer address the server logs), then what happened.
// Exit: 0 the server closed the connection within --timeout, 1 it did not, 2 usage or I/O error.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "rtmp/amf_value.h"
#include "rtmp/chunk_decoder.h"
#include "rtmp/chunk_encoder.h"
#include "rtmp/command.h"
#include "rtmp/control.h"
#include "rtmp/handshake.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string host, port, mode, app = "live", name = "s1";
    double timeout_s = 10;
    int depth = 100000;
    std::string command_hex = "ff";
    std::size_t command_size = 0;
    int count = 2000;
    long bytes = 1 << 20;
    long more = 0;
    int more_after_ms = 0;
    std::string bind;
};

std::string from_hex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out += char(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "rtmp_peer: %s\n", what.c_str());
    std::exit(2);
}

int connect_to(const Options& o, bool small_receive_buffer) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(o.host.c_str(), o.port.c_str(), &hints, &res) != 0 || !res)
        die("cannot resolve " + o.host);
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0) die("socket failed");
    if (!o.bind.empty()) {
        sockaddr_in from{};
        from.sin_family = AF_INET;
        if (inet_pton(AF_INET, o.bind.c_str(), &from.sin_addr) != 1) die("bad --bind " + o.bind);
        if (bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0)
            die("cannot bind " + o.bind + ": " + std::strerror(errno));
    }
    if (small_receive_buffer) {
        // A small window so that the server's output, not the kernel, holds the backlog.
        int size = 4096;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    if (connect(fd, res->ai_addr, res->ai_addrlen) != 0) die("cannot connect");
    freeaddrinfo(res);
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
    char text[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (local.ss_family == AF_INET) {
        auto* a = reinterpret_cast<sockaddr_in*>(&local);
        inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        port = ntohs(a->sin_port);
    } else {
        auto* a = reinterpret_cast<sockaddr_in6*>(&local);
        inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        port = ntohs(a->sin6_port);
    }
    std::printf("local %s:%u\n", text, port);
    std::fflush(stdout);
    return fd;
}

void send_all(int fd, const util::Bytes& b) {
    std::size_t off = 0;
    while (off < b.size()) {
        ssize_t n = send(fd, b.data() + off, b.size() - off, MSG_NOSIGNAL);
        if (n <= 0) {
            // The server may close while we write: that is the answer we wait for.
            std::printf("send failed after %zu bytes: %s\n", off, std::strerror(errno));
            return;
        }
        off += std::size_t(n);
    }
}

// Waits until the server closes (EOF or reset); what it sends meanwhile is discarded.
int wait_for_close(int fd, double timeout_s) {
    auto start = Clock::now();
    char buf[65536];
    while (true) {
        double left = timeout_s - std::chrono::duration<double>(Clock::now() - start).count();
        if (left <= 0) {
            std::printf("still open after %.1f s\n", timeout_s);
            return 1;
        }
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, int(left * 1000) + 1) <= 0) continue;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
            std::printf("closed by server after %lld ms (%s)\n", (long long)ms.count(),
                        n == 0 ? "EOF" : std::strerror(errno));
            return 0;
        }
    }
}

void handshake(int fd) {
    std::mt19937 rng(12345);
    rtmp::ClientHandshake hs([&](std::uint8_t* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) p[i] = std::uint8_t(rng());
    }, 0, false);
    util::Bytes out;
    hs.start(out);
    send_all(fd, out);
    std::uint8_t buf[4096];
    while (!hs.done()) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) die("server closed during the handshake");
        out.clear();
        auto r = hs.feed(util::ByteView(buf, std::size_t(n)), out);
        if (!r) die("handshake failed");
        if (!out.empty()) send_all(fd, out);
        // Bytes after S2 would be chunk data; the server sends none before connect.
    }
}

void send_message(int fd, rtmp::ChunkEncoder& enc, std::uint32_t csid, rtmp::MessageType type,
                  std::uint32_t stream_id, const util::Bytes& payload) {
    rtmp::MessageHeader h;
    h.csid = csid;
    h.type = std::uint8_t(type);
    h.stream_id = stream_id;
    h.length = std::uint32_t(payload.size());
    util::Bytes out;
    if (!enc.encode(h, payload, out)) die("message too large to encode");
    send_all(fd, out);
}

util::Bytes connect_payload(const Options& o) {
    using rtmp::amf::Value;
    return rtmp::encode_command(
        "connect", 1,
        {Value::object({{"app", Value::string(o.app)},
                        {"tcUrl", Value::string("rtmp://" + o.host + ":" + o.port + "/" + o.app)},
                        {"flashVer", Value::string("LNX 9,0,124,2")}})});
}

// connect("connect", 1, {a: {a: ... null ...}}) nested `depth` objects deep, well-formed.
util::Bytes amf_bomb(int depth) {
    util::Bytes p = rtmp::encode_command("connect", 1, {});
    for (int i = 0; i < depth; ++i) p.insert(p.end(), {0x03, 0x00, 0x01, 'a'});
    p.push_back(0x05);
    for (int i = 0; i < depth; ++i) p.insert(p.end(), {0x00, 0x00, 0x09});
    return p;
}

void send_play(int fd, const Options& o) {
    using rtmp::amf::Value;
    rtmp::ChunkEncoder enc;
    send_message(fd, enc, rtmp::csid::kCommand, rtmp::MessageType::CommandAmf0, 0,
                 connect_payload(o));
    send_message(fd, enc, rtmp::csid::kCommand, rtmp::MessageType::CommandAmf0, 0,
                 rtmp::encode_command("createStream", 2, {Value::null()}));
    send_message(fd, enc, rtmp::csid::kCommand, rtmp::MessageType::CommandAmf0, 1,
                 rtmp::encode_command("play", 3, {Value::null(), Value::string(o.name),
                                                  Value::number(-2000)}));
}

void print_message(const rtmp::Message& m) {
    const auto type = rtmp::MessageType(m.type);
    if (type == rtmp::MessageType::CommandAmf0 || type == rtmp::MessageType::CommandAmf3) {
        auto c = rtmp::decode_command(m.payload, type == rtmp::MessageType::CommandAmf3);
        if (!c) return;
        const rtmp::amf::Value* info = c->arg(1);
        const rtmp::amf::Value* code = info ? info->get("code") : nullptr;
        if (c->name == "onStatus" && code) std::printf("status %s\n", code->as_string().c_str());
        else std::printf("command %s\n", c->name.c_str());
    } else if (type == rtmp::MessageType::UserControl) {
        if (auto u = rtmp::read_user_control(m.payload))
            std::printf("user %u %u\n", unsigned(u->event), u->value);
    } else if ((type == rtmp::MessageType::Video || type == rtmp::MessageType::Audio) &&
               !m.payload.empty()) {
        const bool video = type == rtmp::MessageType::Video;
        const std::uint8_t b0 = m.payload[0];
        // AVC/AAC packet type 0 is the sequence header; video frame type 1 is a keyframe.
        const bool header = m.payload.size() > 1 && m.payload[1] == 0 &&
                            (video ? (b0 & 0x0F) == 7 : (b0 >> 4) == 10);
        const char* kind = header ? "header" : (video && (b0 >> 4) == 1) ? "key" : "inter";
        std::printf("%s %u %zu %s\n", video ? "video" : "audio", m.timestamp, m.payload.size(),
                    kind);
    }
    std::fflush(stdout);  // tests read this output while the peer runs
}

int play(int fd, const Options& o) {
    send_play(fd, o);
    rtmp::ChunkDecoder decoder;
    std::uint8_t buf[65536];
    auto start = Clock::now();
    while (Clock::now() - start < std::chrono::duration<double>(o.timeout_s)) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0) continue;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            std::printf("closed by server\n");
            return 1;
        }
        auto r = decoder.feed(util::ByteView(buf, std::size_t(n)),
                              [](rtmp::Message&& m) { print_message(m); });
        if (!r) {
            std::printf("chunk stream error: %s\n", r.error().message.c_str());
            return 2;
        }
    }
    std::printf("still connected after %.1f s\n", o.timeout_s);
    return 0;
}

// What the server sends until it closes, one line a message; exit 0 when it closed in time.
int read_until_close(int fd, const Options& o) {
    rtmp::ChunkDecoder decoder;
    std::uint8_t buf[65536];
    auto start = Clock::now();
    while (Clock::now() - start < std::chrono::duration<double>(o.timeout_s)) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0) continue;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            std::printf("closed by server\n");
            return 0;
        }
        auto r = decoder.feed(util::ByteView(buf, std::size_t(n)),
                              [](rtmp::Message&& m) { print_message(m); });
        if (!r) {
            std::printf("chunk stream error: %s\n", r.error().message.c_str());
            return 2;
        }
    }
    std::printf("still open after %.1f s\n", o.timeout_s);
    return 1;
}

// connect, createStream, play and a second connect, sent with one send() (one segment).
int play_connect(int fd, const Options& o) {
    using rtmp::amf::Value;
    rtmp::ChunkEncoder enc;
    util::Bytes all;
    auto add = [&](std::uint32_t stream_id, const util::Bytes& payload) {
        rtmp::MessageHeader h;
        h.csid = rtmp::csid::kCommand;
        h.type = std::uint8_t(rtmp::MessageType::CommandAmf0);
        h.stream_id = stream_id;
        h.length = std::uint32_t(payload.size());
        (void)enc.encode(h, payload, all);
    };
    add(0, connect_payload(o));
    add(0, rtmp::encode_command("createStream", 2, {Value::null()}));
    add(1, rtmp::encode_command("play", 3, {Value::null(), Value::string(o.name),
                                            Value::number(-2000)}));
    add(0, connect_payload(o));
    send_all(fd, all);
    return read_until_close(fd, o);
}

int slow_play(int fd, const Options& o) {
    send_play(fd, o);
    std::size_t got = 0;
    char buf[4096];
    auto start = Clock::now();
    while (got < 65536) {
        if (Clock::now() - start > std::chrono::duration<double>(o.timeout_s)) {
            std::printf("only %zu bytes within %.1f s\n", got, o.timeout_s);
            return 1;
        }
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0) continue;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            std::printf("closed by server after %zu bytes\n", got);
            return 1;
        }
        got += std::size_t(n);
    }
    std::printf("stalled after %zu bytes\n", got);
    std::fflush(stdout);
    while (true) pause();  // never read again; the test kills us
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) die("usage: rtmp_peer HOST PORT MODE [--timeout S] [--app A] [--name N] [--depth D]");
    Options o;
    o.host = argv[1];
    o.port = argv[2];
    o.mode = argv[3];
    for (int i = 4; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--timeout") o.timeout_s = std::atof(v.c_str());
        else if (k == "--app") o.app = v;
        else if (k == "--name") o.name = v;
        else if (k == "--depth") o.depth = std::atoi(v.c_str());
        else if (k == "--command-hex") o.command_hex = v;
        else if (k == "--command-size") o.command_size = std::size_t(std::atoll(v.c_str()));
        else if (k == "--count") o.count = std::atoi(v.c_str());
        else if (k == "--bytes") o.bytes = std::atol(v.c_str());
        else if (k == "--more") o.more = std::atol(v.c_str());
        else if (k == "--more-after-ms") o.more_after_ms = std::atoi(v.c_str());
        else if (k == "--bind") o.bind = v;
        else die("unknown option " + k);
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    int fd = connect_to(o, o.mode == "slow-play");
    rtmp::ChunkEncoder enc;
    if (o.mode == "bad-c0") {
        util::Bytes b(1537, 0);
        b[0] = 0x06;
        send_all(fd, b);
    } else if (o.mode == "stall-handshake") {
        send_all(fd, util::Bytes{0x03});
    } else if (o.mode == "chunk-size-0") {
        handshake(fd);
        util::Bytes b;
        // Built by hand: set_chunk_size_payload() is free to refuse or mask odd values.
        rtmp::write_basic_header(0, 2, b);
        b.insert(b.end(), {0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0});
        send_all(fd, b);
    } else if (o.mode == "huge-message") {
        handshake(fd);
        util::Bytes b;
        rtmp::write_basic_header(0, 2, b);
        b.insert(b.end(), {0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF});
        rtmp::write_basic_header(0, 6, b);
        b.insert(b.end(), {0, 0, 0, 0xFF, 0xFF, 0xFF, 9, 1, 0, 0, 0});
        b.resize(b.size() + 65536, 0x17);
        send_all(fd, b);
    } else if (o.mode == "amf-bomb") {
        handshake(fd);
        send_message(fd, enc, rtmp::csid::kCommand, rtmp::MessageType::CommandAmf0, 0,
                     amf_bomb(o.depth));
    } else if (o.mode == "command-name") {
        handshake(fd);
        const std::string unit = from_hex(o.command_hex);
        std::string name = unit;
        while (!unit.empty() && name.size() < o.command_size) name += unit;
        if (o.command_size && name.size() > o.command_size) name.resize(o.command_size);
        // A large chunk size first, so that a 16 MiB name is a few chunks, not 130000.
        send_message(fd, enc, rtmp::csid::kControl, rtmp::MessageType::SetChunkSize, 0,
                     rtmp::set_chunk_size_payload(1 << 20));
        enc.set_chunk_size(1 << 20);
        send_message(fd, enc, rtmp::csid::kCommand, rtmp::MessageType::CommandAmf0, 0,
                     rtmp::encode_command(name, 1, {}));
    } else if (o.mode == "play-connect") {
        handshake(fd);
        return play_connect(fd, o);
    } else if (o.mode == "idle-connect") {
        handshake(fd);
        send_message(fd, enc, rtmp::csid::kCommand, rtmp::MessageType::CommandAmf0, 0,
                     connect_payload(o));
    } else if (o.mode == "command-flood" || o.mode == "ping-flood") {
        handshake(fd);
        send_message(fd, enc, rtmp::csid::kCommand, rtmp::MessageType::CommandAmf0, 0,
                     connect_payload(o));
        const bool ping = o.mode == "ping-flood";
        util::Bytes burst;
        for (int i = 0; i < o.count; ++i) {
            rtmp::MessageHeader h;
            h.csid = ping ? rtmp::csid::kControl : rtmp::csid::kCommand;
            h.type = std::uint8_t(ping ? rtmp::MessageType::UserControl
                                       : rtmp::MessageType::CommandAmf0);
            h.stream_id = ping ? 0 : 1;
            util::Bytes payload =
                ping ? rtmp::user_control_payload(rtmp::UserControlEvent::PingRequest,
                                                  std::uint32_t(i))
                     : rtmp::encode_command("seek", 0, {rtmp::amf::Value::null(),
                                                        rtmp::amf::Value::number(i)});
            h.length = std::uint32_t(payload.size());
            enc.encode(h, payload, burst);
        }
        std::printf("flooding %d %s\n", o.count, ping ? "pings" : "commands");
        send_all(fd, burst);
    } else if (o.mode == "partial-message") {
        handshake(fd);
        util::Bytes b;
        rtmp::write_basic_header(0, 2, b);
        b.insert(b.end(), {0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF});
        const std::uint32_t len = std::uint32_t(o.bytes + o.more + 1);
        rtmp::write_basic_header(0, 6, b);
        b.insert(b.end(), {0, 0, 0, std::uint8_t(len >> 16), std::uint8_t(len >> 8),
                           std::uint8_t(len), 9, 1, 0, 0, 0});
        b.resize(b.size() + std::size_t(o.bytes), 0x17);
        send_all(fd, b);
        std::printf("held %ld\n", o.bytes);
        if (o.more > 0) {
            poll(nullptr, 0, o.more_after_ms);
            send_all(fd, util::Bytes(std::size_t(o.more), 0x17));
            std::printf("held %ld\n", o.bytes + o.more);
        }
    } else if (o.mode == "play") {
        handshake(fd);
        return play(fd, o);
    } else if (o.mode == "slow-play") {
        handshake(fd);
        return slow_play(fd, o);
    } else {
        die("unknown mode " + o.mode);
    }
    return wait_for_close(fd, o.timeout_s);
}
