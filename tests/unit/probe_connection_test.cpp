// lib/probe/connection: a name with several addresses (localhost may give ::1 before 127.0.0.1)
// is tried address by address, on real loopback sockets, until one accepts.
#include <arpa/inet.h>
#include <boost/test/unit_test.hpp>
#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "probe/connection.h"

using namespace probe;

namespace probe {
std::ostream& operator<<(std::ostream& os, ProbeErrc c) { return os << errc_name(c); }
}  // namespace probe

namespace {

SocketAddress loopback(std::uint16_t port) {
    SocketAddress a;
    auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.length = sizeof(sockaddr_in);
    return a;
}

std::uint16_t port_of(int fd) {
    sockaddr_in in{};
    socklen_t len = sizeof in;
    getsockname(fd, reinterpret_cast<sockaddr*>(&in), &len);
    return ntohs(in.sin_port);
}

// A listening loopback socket on an ephemeral port.
int listen_loopback() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    SocketAddress a = loopback(0);
    BOOST_REQUIRE(bind(fd, a.get(), a.length) == 0);
    BOOST_REQUIRE(listen(fd, 4) == 0);
    return fd;
}

// A loopback port nobody listens on: bound, then closed.
std::uint16_t refused_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    SocketAddress a = loopback(0);
    bind(fd, a.get(), a.length);
    const std::uint16_t port = port_of(fd);
    close(fd);
    return port;
}

struct Recorder : ConnectionHandler {
    bool closed = false;
    ProbeError why{ProbeErrc::Protocol, ""};
    void on_progress(Connection&, std::uint64_t) override {}
    void on_closed(Connection&, const ProbeError& e, std::uint64_t) override {
        closed = true;
        why = e;
    }
};

struct Fixture {
    event_base* base = event_base_new();
    std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(65536);
    ClientConfig config;
    ClientSession session{config, secure_random()};
    Recorder handler;
    Connection conn{base, session, handler, buffer};
    ~Fixture() {
        conn.close();
        event_base_free(base);
    }
    void turn() { event_base_loop(base, EVLOOP_NONBLOCK); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_refused_first_address_moves_on_to_the_next) {
    Fixture f;
    const int listener = listen_loopback();
    f.conn.open({loopback(refused_port()), loopback(port_of(listener))});
    // The handshake's C0+C1 (1537 bytes) arrives at the second address.
    int accepted = -1;
    std::size_t got = 0;
    std::uint8_t c0c1[1537];
    for (int i = 0; i < 2000 && got < sizeof c0c1 && !f.handler.closed; ++i) {
        f.turn();
        if (accepted < 0) accepted = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
        if (accepted >= 0) {
            const ssize_t n = read(accepted, c0c1 + got, sizeof c0c1 - got);
            if (n > 0) got += std::size_t(n);
        }
        usleep(1000);
    }
    BOOST_TEST(!f.handler.closed, "closed: " << f.handler.why.message);
    BOOST_TEST(got == sizeof c0c1);
    BOOST_TEST(c0c1[0] == 3);  // RTMP version byte
    if (accepted >= 0) close(accepted);
    close(listener);
}

BOOST_AUTO_TEST_CASE(when_every_address_refuses_the_last_refusal_is_reported) {
    Fixture f;
    f.conn.open({loopback(refused_port()), loopback(refused_port())});
    for (int i = 0; i < 2000 && !f.handler.closed; ++i) {
        f.turn();
        usleep(1000);
    }
    BOOST_TEST(f.handler.closed);
    BOOST_TEST(f.handler.why.code == ProbeErrc::Refused);
    BOOST_TEST(f.handler.why.message.find("Connection refused") != std::string::npos,
               f.handler.why.message);
}

BOOST_AUTO_TEST_CASE(resolve_keeps_every_address_of_a_name) {
    auto numeric = resolve("127.0.0.1", 1935);
    BOOST_REQUIRE(numeric);
    BOOST_TEST(numeric->size() == 1u);
    auto missing = resolve("no-such-host.invalid", 1935);
    BOOST_TEST(!missing);
}
