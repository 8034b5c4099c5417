// storm: many idle sockets and slowloris handshakes against one server, for the storm test.
//
// Usage: storm HOST PORT [--idle N] [--slow M] [--hold SECONDS] [--interval-ms MS]
// Opens N sockets that send nothing and M that send C0 and then their C1 one byte per socket
// every MS milliseconds (a handshake that never ends in time), all at once, holds them for
// SECONDS, then closes them all. Prints, one line each: "open IDLE SLOW" when all are connected,
// "held OPEN_AT_END closed_by_server=K" when the hold ends, and "closed" once all are closed.
// 127.0.0.1 or another local address only: a test tool, bounded in count and time.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "storm: %s\n", what.c_str());
    std::exit(2);
}

int open_socket(const sockaddr_in& to) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die(std::string("socket: ") + std::strerror(errno) + " (raise ulimit -n)");
    if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0)
        die(std::string("connect: ") + std::strerror(errno));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

// True when the server has closed `fd` (EOF or reset); what it sent is discarded.
bool closed_by_peer(int fd) {
    char buf[4096];
    while (true) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == 0) return true;
        if (n < 0) return !(errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) die("usage: storm HOST PORT [--idle N] [--slow M] [--hold S] [--interval-ms MS]");
    int idle = 2000, slow = 300, interval_ms = 50;
    double hold_s = 5;
    for (int i = 3; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--idle") idle = std::atoi(v.c_str());
        else if (k == "--slow") slow = std::atoi(v.c_str());
        else if (k == "--hold") hold_s = std::atof(v.c_str());
        else if (k == "--interval-ms") interval_ms = std::atoi(v.c_str());
        else die("unknown option " + k);
    }
    if (idle < 0 || slow < 0 || idle + slow > 10000 || hold_s > 60) die("storm too large");
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(std::uint16_t(std::atoi(argv[2])));
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) die("HOST must be an IPv4 address");
    if ((ntohl(to.sin_addr.s_addr) >> 24) != 127) die("HOST must be a loopback address");

    std::vector<int> idle_fds, slow_fds;
    for (int i = 0; i < idle; ++i) idle_fds.push_back(open_socket(to));
    const unsigned char c0 = 3;
    for (int i = 0; i < slow; ++i) {
        slow_fds.push_back(open_socket(to));
        send(slow_fds.back(), &c0, 1, MSG_NOSIGNAL);
    }
    std::printf("open %d %d\n", idle, slow);

    using Clock = std::chrono::steady_clock;
    const auto end = Clock::now() + std::chrono::duration<double>(hold_s);
    std::vector<bool> gone(slow_fds.size(), false);
    unsigned char byte = 0;
    while (Clock::now() < end) {
        // One byte of C1 per slow socket per interval: 1536 bytes would take 77 s at 50 ms.
        for (std::size_t i = 0; i < slow_fds.size(); ++i) {
            if (gone[i]) continue;
            if (send(slow_fds[i], &byte, 1, MSG_NOSIGNAL) != 1 && errno != EAGAIN) gone[i] = true;
        }
        ++byte;
        std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    }
    int open_at_end = 0, closed = 0;
    for (int fd : idle_fds) (closed_by_peer(fd) ? closed : open_at_end)++;
    for (std::size_t i = 0; i < slow_fds.size(); ++i)
        (gone[i] || closed_by_peer(slow_fds[i]) ? closed : open_at_end)++;
    std::printf("held %d closed_by_server=%d\n", open_at_end, closed);
    for (int fd : idle_fds) close(fd);
    for (int fd : slow_fds) close(fd);
    std::printf("closed\n");
    return 0;
}
