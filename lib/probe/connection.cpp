// Socket, read and write events of one probe connection; see connection.h.
#include "probe/connection.h"

#include <event2/buffer.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace probe {

std::uint64_t monotonic_ms() {
    using namespace std::chrono;
    return std::uint64_t(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

rtmp::RandomFill secure_random() {
    return [](std::uint8_t* p, std::size_t n) {
        if (RAND_bytes(p, int(n)) != 1)
            for (std::size_t i = 0; i < n; ++i) p[i] = std::uint8_t(std::rand());
    };
}

util::Result<std::vector<SocketAddress>, ProbeErrc> resolve(const std::string& host,
                                                           std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
    if (rc != 0 || !res)
        return ProbeError{ProbeErrc::Refused, "cannot resolve " + host + ": " + gai_strerror(rc)};
    std::vector<SocketAddress> out;
    for (const addrinfo* a = res; a; a = a->ai_next) {
        if (a->ai_addrlen > sizeof(sockaddr_storage)) continue;
        SocketAddress address;
        std::memcpy(&address.storage, a->ai_addr, a->ai_addrlen);
        address.length = socklen_t(a->ai_addrlen);
        out.push_back(address);
    }
    freeaddrinfo(res);
    if (out.empty()) return ProbeError{ProbeErrc::Refused, "cannot resolve " + host + ": no TCP address"};
    return out;
}

Connection::Connection(event_base* base, ClientSession& session, ConnectionHandler& handler,
                       std::vector<std::uint8_t>& read_buffer)
    : base_(base), session_(session), handler_(handler), read_buffer_(read_buffer) {
    out_ = evbuffer_new();
}

Connection::~Connection() {
    close();
    evbuffer_free(out_);
}

void Connection::close_socket() {
    if (read_ev_) event_free(read_ev_);
    if (write_ev_) event_free(write_ev_);
    read_ev_ = write_ev_ = nullptr;
    if (fd_ >= 0) evutil_closesocket(fd_);
    fd_ = -1;
}

void Connection::close() {
    close_socket();
    if (ssl_) SSL_free(ssl_);
    ssl_ = nullptr;
    tls_handshaking_ = false;
}

void Connection::use_tls(const TlsClient& tls) {
    if (ssl_) SSL_free(ssl_);
    ssl_ = SSL_new(tls.context.get());
    if (!ssl_) return;
    SSL_set_tlsext_host_name(ssl_, tls.host.c_str());
    if (tls.verify) SSL_set1_host(ssl_, tls.host.c_str());
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_set_connect_state(ssl_);
}

std::optional<net::TlsSessionInfo> Connection::tls_info() const { return net::session_info(ssl_); }

void Connection::fail(const ProbeError& why) {
    close();
    if (reported_) return;
    reported_ = true;
    handler_.on_closed(*this, why, monotonic_ms());
}

void Connection::open(std::vector<SocketAddress> addresses) {
    addresses_ = std::move(addresses);
    next_address_ = 0;
    connect_next();
}

void Connection::connect_next() {
    if (next_address_ >= addresses_.size()) {
        fail({ProbeErrc::Refused, "connect: no address to try"});
        return;
    }
    const SocketAddress& address = addresses_[next_address_++];
    const sockaddr* addr = address.get();
    fd_ = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return connect_failed(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    read_ev_ = event_new(base_, fd_, EV_READ | EV_PERSIST, &Connection::on_read, this);
    write_ev_ = event_new(base_, fd_, EV_WRITE, &Connection::on_write, this);
    connecting_ = true;
    if (connect(fd_, addr, address.length) != 0 && errno != EINPROGRESS)
        return connect_failed(std::string("connect: ") + std::strerror(errno));
    event_add(write_ev_, nullptr);
}

void Connection::connect_failed(const std::string& why) {
    if (next_address_ < addresses_.size()) {
        close_socket();
        connect_next();
        return;
    }
    fail({ProbeErrc::Refused, why});
}

void Connection::on_write(evutil_socket_t, short, void* self) {
    auto* c = static_cast<Connection*>(self);
    if (c->connecting_) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) return c->connect_failed(std::string("connect: ") + std::strerror(err));
        c->connecting_ = false;
        event_add(c->read_ev_, nullptr);
        if (c->ssl_) {
            SSL_set_fd(c->ssl_, c->fd_);
            c->tls_handshaking_ = true;
            c->continue_tls_handshake();
            return;
        }
        c->connected();
        return;
    }
    if (c->tls_handshaking_) return c->continue_tls_handshake();
    c->write_some();
}

void Connection::connected() {
    scratch_.clear();
    session_.start(monotonic_ms(), scratch_);
    send(scratch_);
}

void Connection::continue_tls_handshake() {
    ERR_clear_error();
    const int rc = SSL_do_handshake(ssl_);
    if (rc == 1) {
        tls_handshaking_ = false;
        connected();
        return;
    }
    const int e = SSL_get_error(ssl_, rc);
    if (e == SSL_ERROR_WANT_READ) return;  // the read event calls again
    if (e == SSL_ERROR_WANT_WRITE) {
        event_add(write_ev_, nullptr);
        return;
    }
    fail({ProbeErrc::Tls, "TLS handshake failed: " + net::tls_error_text(ssl_)});
}

void Connection::send(const util::Bytes& bytes) {
    if (fd_ < 0 || bytes.empty()) return;
    evbuffer_add(out_, bytes.data(), bytes.size());
    if (!connecting_) write_some();
}

std::size_t Connection::pending_output() const { return evbuffer_get_length(out_); }

void Connection::write_some() {
    if (fd_ < 0 || tls_handshaking_) return;
    while (evbuffer_get_length(out_) > 0) {
        if (ssl_) {
            evbuffer_iovec vec;
            if (evbuffer_peek(out_, -1, nullptr, &vec, 1) < 1) break;
            ERR_clear_error();
            const int n = SSL_write(ssl_, vec.iov_base, int(vec.iov_len));
            if (n > 0) {
                evbuffer_drain(out_, std::size_t(n));
                continue;
            }
            const int e = SSL_get_error(ssl_, n);
            if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) break;
            fail({ProbeErrc::Protocol, "TLS write: " + net::tls_error_text()});
            return;
        }
        int n = evbuffer_write(out_, fd_);
        if (n > 0) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
        fail({ProbeErrc::Protocol, std::string("write: ") + std::strerror(errno)});
        return;
    }
    if (evbuffer_get_length(out_) > 0) event_add(write_ev_, nullptr);
}

void Connection::on_read(evutil_socket_t, short, void* self) {
    auto* c = static_cast<Connection*>(self);
    if (c->tls_handshaking_) return c->continue_tls_handshake();
    c->read_some();
}

long Connection::read_once() {
    if (ssl_) {
        ERR_clear_error();
        const int n = SSL_read(ssl_, read_buffer_.data(), int(read_buffer_.size()));
        if (n > 0) return n;
        const int e = SSL_get_error(ssl_, n);
        if (e == SSL_ERROR_WANT_READ) return -1;
        if (e == SSL_ERROR_WANT_WRITE) {
            event_add(write_ev_, nullptr);
            return -1;
        }
        if (e == SSL_ERROR_ZERO_RETURN) return 0;
        if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) return 0;  // closed without close_notify
        ProbeError why = session_.closed_error();
        why.message += " (TLS: " + net::tls_error_text() + ")";
        fail(why);
        return -1;
    }
    ssize_t n = recv(fd_, read_buffer_.data(), read_buffer_.size(), 0);
    if (n >= 0) return long(n);
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return -1;
    ProbeError why = session_.closed_error();
    if (errno != ECONNRESET) why.message += std::string(" (") + std::strerror(errno) + ")";
    fail(why);
    return -1;
}

void Connection::read_some() {
    // OpenSSL may hold decrypted bytes the socket no longer signals: read them too.
    do {
        const long n = read_once();
        if (n < 0) return;
        const std::uint64_t now = monotonic_ms();
        if (n == 0) {
            fail(session_.closed_error());
            return;
        }
        socket_bytes_ += std::uint64_t(n);
        util::ByteView data(read_buffer_.data(), std::size_t(n));
        if (on_read_bytes) on_read_bytes(data);
        scratch_.clear();
        auto r = session_.feed(data, now, scratch_);
        send(scratch_);
        if (fd_ < 0) return;  // the write failed and was reported
        if (!r) {
            fail(r.error());
            return;
        }
        handler_.on_progress(*this, now);
    } while (ssl_ && fd_ >= 0 && SSL_pending(ssl_) > 0);
}

}  // namespace probe
