// Glue: one accepted connection on the event loop. It owns the bufferevent (TCP, or OpenSSL over
// TCP for RTMPS), one timer and the sans-IO Session, and only moves bytes and time between them:
// input to Session::receive, Session's output to the socket, its deadline to the timer. A
// player's socket is written here, not by the bufferevent: everything queued during one loop
// turn (or one write_coalesce period) goes out in one writev, and the socket is watched for
// writability only while a write could not finish.
#pragma once

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <memory>
#include <string>

#include "net/send_queue.h"
#include "server/session_link.h"

namespace server {

class Server;

class SocketSession : public SessionLink {
public:
    SocketSession(Server& server, std::shared_ptr<const Config> config, std::uint64_t id,
                  bufferevent* bev, SessionPeer peer);
    ~SocketSession() override;
    SocketSession(const SocketSession&) = delete;
    SocketSession& operator=(const SocketSession&) = delete;

    Session& session() override { return *session_; }
    const Session& session() const override { return *session_; }
    void flush_scheduled() override;

    // SessionIo
    void write(util::ByteView bytes) override;
    void write_shared(net::SharedBytes& chunks, std::size_t offset) override;
    std::size_t unsent() const override;
    bool all_sent() const override;
    std::size_t unread() const override;
    void enter_player_output() override;
    void flush(bool now) override;
    void set_reading(bool on) override;
    void set_deadline(std::optional<long long> at_ms) override;
    void finished() override;
    std::optional<net::TlsSessionInfo> tls_info() const override;

private:
    static void on_read(bufferevent*, void* self);
    static void on_write(bufferevent*, void* self);
    static void on_event(bufferevent*, short what, void* self);
    static void on_timer(evutil_socket_t, short, void* self);
    static void on_writable(evutil_socket_t, short, void* self);
    static void on_output_drained(evbuffer*, const evbuffer_cb_info* info, void* self);
    static void on_socket_output_drained(evbuffer*, const evbuffer_cb_info* info, void* self);
    // Hands buffered input to the session while it wants it.
    void pass_input();
    // Writes what is queued now (plain TCP players; TLS players through the bufferevent).
    void write_now();
    // Plain players: writev of the ring until it is empty or the socket is full.
    void write_ring(evutil_socket_t fd);
    // Output goes to the ring (a plain TCP player), not to the bufferevent.
    bool ring_output() const { return player_output_ && !tls_; }

    Server& server_;
    bufferevent* bev_;
    bool tls_;
    evbuffer* out_;  // bev_'s output, looked up once (a TLS player's fan-out appends to it)
    event* timer_ = nullptr;
    event* writable_ = nullptr;  // added while the socket buffer is full
    evbuffer_cb_entry* drained_cb_ = nullptr;
    evbuffer_cb_entry* socket_drained_cb_ = nullptr;  // TLS: the socket bufferevent under OpenSSL
    // A plain player's output (serialize-once: shared chunks by reference, no libevent chain
    // per message), the bufferevent's unsent replies at its front.
    net::SendQueue ring_;
    evutil_socket_t fd_ = -1;  // the socket, looked up once (a flush writes every player)
    bool player_output_ = false;
    bool flush_requested_ = false;
    bool want_writable_ = false;
    bool finished_ = false;
    bool passing_input_ = false;
    std::unique_ptr<Session> session_;  // last: it reports to the members above while it ends
};

}  // namespace server
