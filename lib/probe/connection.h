// libevent glue for the probe: a nonblocking TCP connection that feeds a ClientSession. Reads go
// straight from the socket into one large buffer shared by every connection on the loop (many
// clients, one core: no per-connection input buffer, no copies); writes go through an evbuffer.
#pragma once

#include <event2/event.h>
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "net/address.h"
#include "net/tls.h"
#include "probe/client_session.h"

struct evbuffer;

namespace probe {

// Milliseconds of a monotonic clock: the time the glue passes to the sans-IO parts.
std::uint64_t monotonic_ms();

using net::SocketAddress;

// Resolves host:port (numeric or by name) to its TCP addresses in the resolver's order (a name
// such as localhost may give ::1 and 127.0.0.1); the error says why not.
util::Result<std::vector<SocketAddress>, ProbeErrc> resolve(const std::string& host,
                                                           std::uint16_t port);

// Handshake randomness from OpenSSL.
rtmp::RandomFill secure_random();

// rtmps://: the client context (CA, or none with --insecure) and the name the certificate
// must hold (also sent as SNI).
struct TlsClient {
    net::TlsContext context;
    std::string host;
    bool verify = true;
};

class Connection;

class ConnectionHandler {
public:
    virtual ~ConnectionHandler() = default;
    // Bytes were read and fed to the session (whose replies are already queued).
    virtual void on_progress(Connection& c, std::uint64_t now_ms) = 0;
    // The connection is over: refused, closed by the peer, or a session error. Called once.
    // Neither callback may destroy the connection: mark it and clean up from the loop.
    virtual void on_closed(Connection& c, const ProbeError& why, std::uint64_t now_ms) = 0;
};

class Connection {
public:
    // `read_buffer` is shared by the connections of a loop; its size is the largest read.
    Connection(event_base* base, ClientSession& session, ConnectionHandler& handler,
               std::vector<std::uint8_t>& read_buffer);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Starts a nonblocking connect to the first address, and to the next one each time a
    // connect fails (as ffmpeg and curl do); the handshake begins once one succeeds. When all
    // refuse, the last refusal arrives through on_closed (ProbeErrc::Refused).
    void open(std::vector<SocketAddress> addresses);
    // Before open(): speak TLS first (rtmps://); a failed TLS handshake is ProbeErrc::Tls.
    void use_tls(const TlsClient& tls);
    // What the TLS handshake agreed on; nullopt for plain RTMP or before it is done.
    std::optional<net::TlsSessionInfo> tls_info() const;
    // Queues bytes for the peer and tries to write them at once.
    void send(const util::Bytes& bytes);
    std::size_t pending_output() const;
    // Closes the socket without calling on_closed.
    void close();
    bool is_open() const { return fd_ >= 0; }

    ClientSession& session() { return session_; }
    std::uint64_t socket_bytes_read() const { return socket_bytes_; }
    // Optional: every read, before the session sees it (for --trace).
    std::function<void(util::ByteView)> on_read_bytes;

private:
    static void on_read(evutil_socket_t, short, void* self);
    static void on_write(evutil_socket_t, short, void* self);
    void read_some();
    void write_some();
    void connected();
    void continue_tls_handshake();
    // One read into the shared buffer: bytes read, 0 at the peer's end, -1 for "try later"
    // (or a failure already reported).
    long read_once();
    void fail(const ProbeError& why);
    // Connects to addresses_[next_address_]; on an immediate failure moves on to the next one.
    void connect_next();
    // A connect failed: try the next address, or report `why` when none is left.
    void connect_failed(const std::string& why);
    void close_socket();

    event_base* base_;
    ClientSession& session_;
    ConnectionHandler& handler_;
    std::vector<std::uint8_t>& read_buffer_;
    evutil_socket_t fd_ = -1;
    event* read_ev_ = nullptr;
    event* write_ev_ = nullptr;
    evbuffer* out_ = nullptr;
    util::Bytes scratch_;
    bool connecting_ = false;
    std::vector<SocketAddress> addresses_;
    std::size_t next_address_ = 0;
    SSL* ssl_ = nullptr;
    bool tls_handshaking_ = false;
    bool reported_ = false;
    std::uint64_t socket_bytes_ = 0;
};

}  // namespace probe
