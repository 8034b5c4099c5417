// Server: accepts connections into sessions, owns streams, stops gracefully.
#include "server/server.h"

#include <event2/bufferevent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "net/address.h"
#include "net/log.h"
#include "net/timeval.h"
#include "server/session.h"

namespace server {

Server::Server(event_base* base, Config config)
    : base_(base), config_(std::make_shared<const Config>(std::move(config))) {
    reap_ = event_new(base_, -1, 0, &Server::on_reap, this);
    flush_ = event_new(base_, -1, 0, &Server::on_flush, this);
    make_hook_client();
}

void Server::make_hook_client() {
    node_id_ = config_->node_id;
    if (node_id_.empty()) {
        char host[256] = {};
        gethostname(host, sizeof host - 1);
        node_id_ = host;
    }
    if (hooks_) retired_hooks_.push_back(std::move(hooks_));
    if (config_->rest_hook_url.empty()) return;
    hook::HookConfig hc;
    hc.base_url = config_->rest_hook_url;
    hc.timeout_ms = long(duration_ms(config_->rest_request_timeout));
    hc.on_error = config_->rest_on_error == "LOG" ? hook::OnError::Log : hook::OnError::Fail;
    hc.secret = config_->rest_hook_secret;
    hc.overwrite = config_->rest_overwrite;
    hc.event_retries = config_->rest_event_retries;
    hc.log = [](const std::string& line) { net::logger().warn("hook", {{"detail", line}}); };
    hooks_ = std::make_unique<hook::HookClient>(base_, std::move(hc));
    net::logger().info("REST hooks enabled", {{"url", config_->rest_hook_url}});
}

Server::~Server() {
    for (auto* l : listeners_) evconnlistener_free(l);
    sessions_.clear();
    for (auto& [key, t] : unpublish_timers_) event_free(t->ev);
    unpublish_timers_.clear();
    hooks_.reset();
    retired_hooks_.clear();
    if (reap_) event_free(reap_);
    if (flush_) event_free(flush_);
    if (grace_) event_free(grace_);
}

bool Server::start(std::string& error) {
    for (const auto& text : config_->listen) {
        auto addr = net::parse_listen_address(text);
        if (!addr) {
            error = "bad listen address '" + text + "'";
            return false;
        }
        unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
        if (addr->storage.ss_family == AF_INET6) flags |= LEV_OPT_BIND_IPV6ONLY;
        evconnlistener* l = evconnlistener_new_bind(base_, &Server::on_accept, this, flags, 1024,
                                                    addr->get(), int(addr->length));
        if (!l) {
            error = "cannot listen on " + text + ": " +
                    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
            return false;
        }
        listeners_.push_back(l);
        net::logger().info("listening", {{"address", text}});
    }
    return true;
}

void Server::on_accept(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int, void* self) {
    auto* s = static_cast<Server*>(self);
    std::string peer = net::format_address(addr);
    if (s->stopping_ || s->sessions_.size() >= std::size_t(s->config_->max_connections)) {
        net::logger().warn("connection refused", {{"peer", peer},
                                                  {"reason", s->stopping_ ? "server stopping"
                                                                          : "max_connections reached"}});
        evutil_closesocket(fd);
        return;
    }
    sockaddr_storage local{};
    socklen_t local_len = sizeof local;
    std::string local_text = "?";
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0)
        local_text = net::format_address(reinterpret_cast<sockaddr*>(&local));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    bufferevent* bev = bufferevent_socket_new(s->base_, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        evutil_closesocket(fd);
        return;
    }
    auto session = std::make_unique<Session>(*s, s->config_, s->next_session_id_++, bev, peer,
                                             local_text);
    Session* raw = session.get();
    s->sessions_.emplace(raw, std::move(session));
}

Stream& Server::stream(const std::string& app, const std::string& name) {
    std::string key = app + "/" + name;
    auto it = streams_.find(key);
    if (it == streams_.end()) {
        GopLimits gop{config_->gop_cache, std::size_t(config_->gop_cache_max_frames),
                      std::size_t(config_->gop_cache_max_bytes),
                      std::size_t(config_->gop_cache_max_messages)};
        it = streams_
                 .emplace(key, std::make_unique<Stream>(app, name, std::uint32_t(config_->chunk_size),
                                                        gop))
                 .first;
    }
    return *it->second;
}

Stream* Server::find_stream(const std::string& app, const std::string& name) {
    auto it = streams_.find(app + "/" + name);
    return it == streams_.end() ? nullptr : it->second.get();
}

void Server::release_if_idle(Stream& stream) {
    if (!stream.idle()) return;
    cancel_unpublish_timer(stream);
    publishers_.erase(&stream);
    streams_.erase(stream.key());
}

Session* Server::publisher_of(const Stream& stream) {
    auto it = publishers_.find(&stream);
    return it == publishers_.end() ? nullptr : it->second;
}

void Server::set_publisher(const Stream& stream, Session* session) {
    if (session) {
        publishers_[&stream] = session;
        cancel_unpublish_timer(stream);
    } else {
        publishers_.erase(&stream);
    }
}

void Server::publisher_left(Stream& stream) {
    const long long delay = duration_ms(config_->unpublish_notify_delay);
    if (delay <= 0 || stopping_) {
        stream.notify_unpublished();
        return;
    }
    cancel_unpublish_timer(stream);
    auto t = std::make_unique<UnpublishTimer>();
    t->server = this;
    t->key = stream.key();
    t->ev = evtimer_new(base_, &Server::on_unpublish_timer, t.get());
    timeval tv = net::to_timeval(delay);
    evtimer_add(t->ev, &tv);
    unpublish_timers_[stream.key()] = std::move(t);
}

void Server::cancel_unpublish_timer(const Stream& stream) {
    auto it = unpublish_timers_.find(stream.key());
    if (it == unpublish_timers_.end()) return;
    event_free(it->second->ev);
    unpublish_timers_.erase(it);
}

void Server::on_unpublish_timer(evutil_socket_t, short, void* arg) {
    auto* t = static_cast<UnpublishTimer*>(arg);
    Server* s = t->server;
    const std::string key = t->key;
    auto it = s->unpublish_timers_.find(key);
    if (it != s->unpublish_timers_.end()) {
        event_free(it->second->ev);
        s->unpublish_timers_.erase(it);  // t is gone from here on
    }
    auto stream = s->streams_.find(key);
    if (stream != s->streams_.end() && !stream->second->has_publisher())
        stream->second->notify_unpublished();
}

void Server::schedule_close(Session* session) {
    to_close_.push_back(session);
    event_active(reap_, 0, 0);
}

void Server::schedule_flush(Session* session) {
    to_flush_.push_back(session);
    if (flush_pending_) return;
    flush_pending_ = true;
    const long long delay = duration_ms(config_->write_coalesce);
    if (delay <= 0) {
        event_active(flush_, 0, 0);  // after the callbacks of this loop turn
    } else {
        timeval tv = net::to_timeval(delay);
        evtimer_add(flush_, &tv);
    }
}

void Server::forget_flush(Session* session) {
    to_flush_.erase(std::remove(to_flush_.begin(), to_flush_.end(), session), to_flush_.end());
}

void Server::on_flush(evutil_socket_t, short, void* self) {
    auto* s = static_cast<Server*>(self);
    s->flush_pending_ = false;
    std::vector<Session*> batch;
    batch.swap(s->to_flush_);
    for (Session* session : batch) session->flush();
}

long long Server::now_ms() const {
    timeval tv{};
    event_base_gettimeofday_cached(base_, &tv);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void Server::on_reap(evutil_socket_t, short, void* self) {
    auto* s = static_cast<Server*>(self);
    std::vector<Session*> batch;
    batch.swap(s->to_close_);
    for (Session* session : batch) s->sessions_.erase(session);
    if (s->stopping_ && s->sessions_.empty()) event_base_loopexit(s->base_, nullptr);
}

void Server::stop_gracefully() {
    if (stopping_) return;
    stopping_ = true;
    net::logger().info("stopping", {{"sessions", std::to_string(sessions_.size())}});
    for (auto* l : listeners_) evconnlistener_free(l);
    listeners_.clear();
    std::vector<Session*> all;
    for (auto& [raw, owned] : sessions_) all.push_back(raw);
    for (Session* session : all) session->shut_down();
    if (sessions_.empty() && to_close_.empty()) {
        event_base_loopexit(base_, nullptr);
        return;
    }
    grace_ = evtimer_new(base_, &Server::on_grace_timeout, this);
    timeval tv{3, 0};
    evtimer_add(grace_, &tv);
}

void Server::on_grace_timeout(evutil_socket_t, short, void* self) {
    auto* s = static_cast<Server*>(self);
    net::logger().warn("grace period over, closing remaining sessions",
                       {{"sessions", std::to_string(s->sessions_.size())}});
    event_base_loopexit(s->base_, nullptr);
}

void Server::reload(Config config) {
    if (config.listen != config_->listen)
        net::logger().warn("reload: listen addresses change only at restart");
    config_ = std::make_shared<const Config>(std::move(config));
    make_hook_client();
    net::logger().info("configuration reloaded; new sessions use it");
}

}  // namespace server
