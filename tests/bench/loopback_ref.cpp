// The physical reference of the fan-out benchmark: how many bytes one core moves through
// loopback TCP per CPU second when it does nothing but plain write()s of one size (the server's
// chunk size) to readers on another core. Prints one JSON line.
//
// Usage: loopback_ref [--size BYTES] [--connections N] [--seconds S] [--writer-cpu C]
//                     [--reader-cpu C] [--period MS] [--iovecs K]
// The writer walks its N sockets round robin with blocking writes (time blocked is not CPU time);
// one reader thread drains them all through epoll. The figure is bytes / writer CPU seconds.
// --period MS paces the rounds as a merging server writes: one block to every socket, then idle
// until the next period (0, the default: back to back, the saturated floor). Paced writes find
// each socket's queue empty and its reader asleep, which costs the kernel more per write.
// --iovecs K writes each block with one writev of K pieces, each from a buffer of its own, as a
// server gathers several shared messages into one call (1, the default: one write()).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
    std::size_t size = 4096;
    int connections = 1;
    double seconds = 3;
    int writer_cpu = 0;
    int reader_cpu = 1;
    double period_ms = 0;
    int iovecs = 1;
};

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "loopback_ref: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    // Not fatal: a machine with one CPU still gives a (pessimistic) figure.
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0)
        std::fprintf(stderr, "loopback_ref: cannot pin to CPU %d\n", cpu);
}

double clock_s(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        const char* v = argv[i + 1];
        if (k == "--size") o.size = std::strtoul(v, nullptr, 10);
        else if (k == "--connections") o.connections = std::atoi(v);
        else if (k == "--seconds") o.seconds = std::atof(v);
        else if (k == "--writer-cpu") o.writer_cpu = std::atoi(v);
        else if (k == "--reader-cpu") o.reader_cpu = std::atoi(v);
        else if (k == "--period") o.period_ms = std::atof(v);
        else if (k == "--iovecs") o.iovecs = std::atoi(v);
        else {
            std::fprintf(stderr, "loopback_ref: unknown option %s\n", k.c_str());
            std::exit(2);
        }
    }
    if (o.size == 0 || o.size > (1u << 24) || o.connections < 1 || o.seconds <= 0 ||
        o.period_ms < 0 || o.period_ms > 10000 || o.iovecs < 1 || o.iovecs > 1024 ||
        std::size_t(o.iovecs) > o.size) {
        std::fprintf(stderr, "loopback_ref: bad option value\n");
        std::exit(2);
    }
    return o;
}

// N connected pairs over 127.0.0.1: first the writer ends, then the reader ends.
void connect_pairs(int n, std::vector<int>& writers, std::vector<int>& readers) {
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0) die("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), len) < 0) die("bind");
    if (listen(lfd, 4096) < 0) die("listen");
    if (getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) < 0) die("getsockname");
    for (int i = 0; i < n; ++i) {
        int w = socket(AF_INET, SOCK_STREAM, 0);
        if (w < 0) die("socket");
        if (connect(w, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("connect");
        int r = accept(lfd, nullptr, nullptr);
        if (r < 0) die("accept");
        int one = 1;  // as a server would: no Nagle delay on small tails
        setsockopt(w, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        writers.push_back(w);
        readers.push_back(r);
    }
    close(lfd);
}

void drain(const std::vector<int>& fds, int cpu, std::atomic<bool>& stop) {
    pin(cpu);
    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    for (int fd : fds) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
    }
    std::vector<char> buf(256 * 1024);
    std::vector<epoll_event> events(256);
    while (!stop.load(std::memory_order_relaxed)) {
        int n = epoll_wait(ep, events.data(), int(events.size()), 100);
        for (int i = 0; i < n; ++i)
            while (recv(events[i].data.fd, buf.data(), buf.size(), MSG_DONTWAIT) > 0) {
            }
    }
    close(ep);
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    std::vector<int> writers, readers;
    connect_pairs(o.connections, writers, readers);
    std::atomic<bool> stop{false};
    std::thread reader(drain, std::cref(readers), o.reader_cpu, std::ref(stop));

    pin(o.writer_cpu);
    std::vector<char> data(o.size, 'x');
    // The pieces of a gathered write: separate buffers, sizes adding up to --size.
    std::vector<std::vector<char>> pieces;
    std::vector<iovec> iov;
    for (int k = 0; k < o.iovecs; ++k) {
        const std::size_t from = o.size * std::size_t(k) / std::size_t(o.iovecs);
        const std::size_t to = o.size * std::size_t(k + 1) / std::size_t(o.iovecs);
        pieces.emplace_back(to - from, 'x');
    }
    for (auto& p : pieces) iov.push_back(iovec{p.data(), p.size()});
    std::uint64_t bytes = 0;
    const double wall0 = clock_s(CLOCK_MONOTONIC), cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    double wall = wall0;
    for (std::uint64_t round = 0; wall - wall0 < o.seconds; ++round) {
        for (int fd : writers) {
            ssize_t n = o.iovecs == 1 ? write(fd, data.data(), data.size())
                                      : writev(fd, iov.data(), int(iov.size()));
            if (n < 0) die("write");
            bytes += std::uint64_t(n);
        }
        if (o.period_ms > 0) {
            // Sleep to the next period boundary (a round that overran starts the next at once).
            const double next = wall0 + double(round + 1) * o.period_ms / 1000;
            wall = clock_s(CLOCK_MONOTONIC);
            if (next > wall) {
                const double d = next - wall;
                timespec ts{time_t(d), long((d - double(time_t(d))) * 1e9)};
                nanosleep(&ts, nullptr);
            }
            wall = clock_s(CLOCK_MONOTONIC);
        } else if (round % 64 == 0) {
            wall = clock_s(CLOCK_MONOTONIC);
        }
    }
    const double cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    wall = clock_s(CLOCK_MONOTONIC) - wall0;
    for (int fd : writers) shutdown(fd, SHUT_WR);
    stop = true;
    reader.join();
    for (int fd : writers) close(fd);
    for (int fd : readers) close(fd);

    const double gb = double(bytes) / 1e9;
    std::printf(
        "{\"size\":%zu,\"iovecs\":%d,\"connections\":%d,\"period_ms\":%g,\"bytes\":%llu,\"wall_s\":%.3f,\"writer_cpu_s\":%.3f,"
        "\"gb_per_cpu_s\":%.3f,\"cpu_s_per_gb\":%.3f,\"mbit_s\":%.1f}\n",
        o.size, o.iovecs, o.connections, o.period_ms, static_cast<unsigned long long>(bytes), wall, cpu,
        cpu > 0 ? gb / cpu : 0.0, gb > 0 ? cpu / gb : 0.0, wall > 0 ? gb * 8000 / wall : 0.0);
    return 0;
}
