// Server: accepts connections into sessions, owns streams, stops gracefully.
#include "server/server.h"

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/ssl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>

#include "net/address.h"
#include "net/log.h"
#include "net/timeval.h"
#include "server/fd_limit.h"
#include "server/recordings.h"
#include "server/session.h"
#include "server/socket_session.h"
#include "server/webrtc_ingest.h"

namespace server {

namespace {
StreamSettings stream_settings(const Config& c) {
    return {std::uint32_t(c.chunk_size),
            GopLimits{c.gop_cache, std::size_t(c.gop_cache_max_frames), std::size_t(c.gop_cache_max_bytes),
                      std::size_t(c.gop_cache_max_messages)}};
}
}  // namespace

Server::Server(event_base* base, Config config)
    : base_(base),
      config_(std::make_shared<const Config>(std::move(config))),
      registry_(stream_settings(*config_)) {
    registry_.on_publish = [this](Stream& stream) { cancel_unpublish_timer(stream); };
    // The fan-out of a merge period runs at its end, player by player (Stream::deliver_pending).
    // By key: a stream released meanwhile is simply not found.
    registry_.deliver_later = [this](Stream& stream) {
        to_deliver_.push_back(stream.id());
        arm_flush();
    };
    registry_.on_join = [this](Stream& stream) {
        if (webrtc_) webrtc_->player_joined(stream);
    };
    registry_.on_unpublish = [this](Stream& stream) { publisher_left(stream); };
    registry_.on_release = [this](Stream& stream) {
        stats_.stream_dropped_too_large += stream.dropped_unencodable();
        cancel_unpublish_timer(stream);
    };
    reap_ = event_new(base_, -1, 0, &Server::on_reap, this);
    flush_ = event_new(base_, -1, 0, &Server::on_flush, this);
    accept_resume_ = evtimer_new(base_, &Server::on_accept_resume, this);
    memory_sampler_ = event_new(base_, -1, EV_PERSIST, &Server::on_memory_sample, this);
    trim_ = evtimer_new(base_, &Server::on_trim, this);
    bitrate_sampler_ = event_new(base_, -1, EV_PERSIST, &Server::on_bitrate_sample, this);
    timeval every = net::to_timeval(BitrateHistory::kIntervalMs);
    event_add(bitrate_sampler_, &every);
    started_at_ms_ = now_ms();
    apply_admission_limits();
    make_hook_client();
    recordings_ = std::make_unique<Recordings>(*this);
}

void Server::apply_admission_limits() {
    admission_.set_limits(AdmissionLimits{config_->max_connections_per_ip,
                                          double(config_->max_connection_rate_per_ip),
                                          double(config_->max_connection_rate_per_ip)});
    budget_.set_limit(std::size_t(config_->max_memory));
    merge_.set_limit(config_->write_coalesce.count());
    // Sampling every 100 ms costs a few calls per session; a budget is never far behind.
    if (config_->max_memory > 0) {
        timeval tv{0, 100 * 1000};
        event_add(memory_sampler_, &tv);
    } else {
        event_del(memory_sampler_);
    }
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
    hc.timeout_ms = long(config_->rest_request_timeout.count());
    hc.on_error = config_->rest_on_error;
    hc.secret = config_->rest_hook_secret;
    hc.overwrite = config_->rest_overwrite;
    hc.event_retries = config_->rest_event_retries;
    hc.max_pending_events = std::size_t(config_->rest_event_queue_max);
    hc.log = [](const std::string& line) { net::logger().warn("hook", {{"detail", line}}); };
    hc.observe = [this](std::string_view method, std::string_view outcome, double seconds) {
        stats_.hooks[std::string(method)].observe(outcome, seconds);
    };
    hooks_ = std::make_unique<hook::HookClient>(base_, std::move(hc));
    net::logger().info("REST hooks enabled", {{"url", config_->rest_hook_url}});
}

Server::~Server() {
    for (auto* l : listeners_) evconnlistener_free(l);
    sessions_.clear();
    recordings_.reset();  // after the sessions (their publications end), before the streams
    for (auto& [key, t] : unpublish_timers_) event_free(t->ev);
    unpublish_timers_.clear();
    hooks_.reset();
    retired_hooks_.clear();
    if (reap_) event_free(reap_);
    if (flush_) event_free(flush_);
    if (accept_resume_) event_free(accept_resume_);
    if (memory_sampler_) event_free(memory_sampler_);
    if (trim_) event_free(trim_);
    if (bitrate_sampler_) event_free(bitrate_sampler_);
    if (grace_) event_free(grace_);
    if (stop_poll_) event_free(stop_poll_);
}

bool Server::start(std::string& error) {
    const FdLimitResult fds = raise_fd_limit(fds_needed(config_->max_connections));
    if (!fds.error.empty()) {
        net::logger().warn("cannot raise the open file limit to what max_connections needs",
                           {{"wanted", std::to_string(fds.wanted)},
                            {"limit", std::to_string(fds.after)},
                            {"reason", fds.error},
                            {"connections_possible", std::to_string(std::max(0L, fds.after - 64))}});
    } else if (fds.after != fds.before) {
        net::logger().info("open file limit raised", {{"from", std::to_string(fds.before)},
                                                      {"to", std::to_string(fds.after)}});
    }
    reserve_descriptor_slots(std::min(fds.after, fds_needed(config_->max_connections)));
    if (!load_tls(*config_, error)) return false;
    for (const auto& text : config_->listen) {
        if (!bind(text, &Server::on_accept, error)) return false;
        listening_on_.push_back(text);
        net::logger().info("listening", {{"address", text}});
    }
    for (const auto& text : config_->rtmps_listen) {
        if (!bind(text, &Server::on_accept_tls, error)) return false;
        listening_tls_on_.push_back(text);
        net::logger().info("listening for RTMPS", {{"address", text}});
    }
    if (config_->webrtc_udp_listen.empty()) return true;
    // Offers arrive over HTTP: without an HTTP or HTTPS listener the UDP port would serve no one.
    if (config_->http_listen.empty() && config_->https_listen.empty()) {
        net::logger().info("WebRTC (WHIP) not served: no HTTP or HTTPS listener to take offers",
                           {{"webrtc_udp_listen", config_->webrtc_udp_listen}});
        return true;
    }
    webrtc_ = std::make_unique<WebrtcIngest>(*this, base_);
    // The default address is optional (another rtmp-serve may have it); a given one is not.
    const bool optional = config_->webrtc_udp_listen == Config{}.webrtc_udp_listen;
    return webrtc_->start(optional, error);
}

bool Server::bind(const std::string& text, evconnlistener_cb callback, std::string& error) {
    auto addr = net::parse_listen_address(text);
    if (!addr) {
        error = "bad listen address '" + text + "'";
        return false;
    }
    unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
    if (addr->storage.ss_family == AF_INET6) flags |= LEV_OPT_BIND_IPV6ONLY;
    evconnlistener* l = evconnlistener_new_bind(base_, callback, this, flags, 1024, addr->get(),
                                                int(addr->length));
    if (!l) {
        error = "cannot listen on " + text + ": " + evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
        return false;
    }
    evconnlistener_set_error_cb(l, &Server::on_accept_error);
    listeners_.push_back(l);
    return true;
}

bool Server::load_tls(const Config& config, std::string& error) {
    if (config.tls_cert.empty() && config.tls_key.empty()) return true;
    auto ctx = net::load_server_context(config.tls_cert, config.tls_key, config.tls_min_version);
    if (!ctx) {
        error = ctx.error().message;
        return false;
    }
    tls_ = *ctx;
    net::logger().info("TLS certificate loaded", {{"certificate", net::describe_certificate(tls_)},
                                                  {"min_version", net::tls_version_name(config.tls_min_version)}});
    return true;
}

void Server::refuse(evutil_socket_t fd, const std::string& peer, std::string_view label,
                    const std::string& reason) {
    evutil_closesocket(fd);
    ServerStats::count(stats_.connections_refused, label);
    // One line per refusal, but at most 20 a second: a flood is summarised in the next line.
    const long long now = now_ms();
    if (now - refusal_window_ms_ >= 1000) {
        refusal_window_ms_ = now;
        refusals_logged_ = 0;
    }
    if (refusals_logged_ >= 20) {
        ++refusals_unlogged_;
        return;
    }
    ++refusals_logged_;
    net::LogFields fields = {{"peer", peer}, {"reason", reason}};
    if (refusals_unlogged_)
        fields.emplace_back("refused_unlogged", std::to_string(refusals_unlogged_));
    net::logger().warn("connection refused", fields);
    refusals_unlogged_ = 0;
}

void Server::on_accept(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int, void* self) {
    try {
        static_cast<Server*>(self)->accept(fd, addr, false);
    } catch (const std::exception& e) {
        // The loop boundary: this one connection is lost, the server keeps serving.
        guard_log("accept", e.what());
    }
}

void Server::on_accept_tls(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int, void* self) {
    try {
        static_cast<Server*>(self)->accept(fd, addr, true);
    } catch (const std::exception& e) {
        guard_log("accept", e.what());
    }
}

void Server::guard_log(const char* where, const char* what) noexcept {
    try {
        net::logger().error("internal error", {{"where", where}, {"reason", what}});
    } catch (...) {
        std::fputs("rtmp-serve: internal error\n", stderr);
    }
}

std::optional<Server::Refused> Server::admission_refusal(const sockaddr* addr, std::string& key) {
    if (stopping_ || sessions_.size() >= std::size_t(config_->max_connections))
        return Refused{stopping_ ? "stopping" : "max_connections",
                       stopping_ ? "server stopping" : "max_connections reached"};
    if (!budget_.admit_new())
        return Refused{"max_memory", "max_memory: " + std::to_string(budget_.total()) +
                                         " bytes buffered, new connections wait below " +
                                         std::to_string(budget_.refuse_threshold())};
    key = admission_key(addr);
    const Admission::Verdict verdict = admission_.admit(key, now_ms());
    if (verdict != Admission::Verdict::Admit)
        return Refused{verdict == Admission::Verdict::TooMany ? "max_connections_per_ip"
                                                               : "max_connection_rate_per_ip",
                       to_string(verdict)};
    return std::nullopt;
}

std::optional<std::string> Server::admit_link(const sockaddr* peer, std::string& key) {
    auto refused = admission_refusal(peer, key);
    if (!refused) return std::nullopt;
    ServerStats::count(stats_.connections_refused, refused->label);
    return refused->reason;
}

void Server::adopt(std::unique_ptr<SessionLink> link, std::string key) {
    ++stats_.connections_accepted;
    SessionLink* raw = link.get();
    sessions_.emplace(raw, std::move(link));
    admission_keys_.emplace(raw, std::move(key));
}

void Server::accept(evutil_socket_t fd, sockaddr* addr, bool tls) {
    Server* s = this;
    std::string peer = net::format_address(addr);
    std::string key;
    if (auto refused = admission_refusal(addr, key)) {
        s->refuse(fd, peer, refused->label, refused->reason);
        return;
    }
    sockaddr_storage local{};
    socklen_t local_len = sizeof local;
    std::string local_text = "?";
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0)
        local_text = net::format_address(reinterpret_cast<sockaddr*>(&local));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    bufferevent* bev = nullptr;
    if (tls) {
        // The session's own context reference: a reload that swaps tls_ leaves it valid.
        SSL* ssl = s->tls_ ? SSL_new(s->tls_.get()) : nullptr;
        // OpenSSL over a socket bufferevent (a filter), not on the socket itself: its records
        // collect in the socket bufferevent's output and leave in one writev, instead of one
        // write() per record (per message for a player). The filter stops encrypting while
        // 64 KiB wait there, so a slow player's backlog stays in the shared, unencrypted form.
        bufferevent* socket_bev = ssl ? bufferevent_socket_new(s->base_, fd, BEV_OPT_CLOSE_ON_FREE)
                                      : nullptr;
        if (socket_bev)
            bev = bufferevent_openssl_filter_new(s->base_, socket_bev, ssl,
                                                 BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
        if (bev) {
            bufferevent_setwatermark(bev, EV_WRITE, 0, 64 * 1024);
        } else if (!socket_bev) {
            evutil_closesocket(fd);
            if (ssl) SSL_free(ssl);
            s->admission_.release(key, s->now_ms());
            return;
        } else {  // out of memory in the filter: who owns what is unclear, so only give up
            s->admission_.release(key, s->now_ms());
            return;
        }
    } else {
        bev = bufferevent_socket_new(s->base_, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    if (!bev) {
        evutil_closesocket(fd);
        s->admission_.release(key, s->now_ms());
        return;
    }
    s->adopt(std::make_unique<SocketSession>(*s, s->config_, s->next_session_id_++, bev,
                                             SessionPeer{peer, local_text, tls}),
             std::move(key));
}

void Server::reserve_descriptor_slots(long count) {
    // libevent allocates a small entry per descriptor number the first time an event is added
    // for it, and keeps it until the event base goes. Allocated amid a connection storm, these
    // entries sit between the sessions' memory, one every few KiB, so that glibc cannot give the
    // freed pages back (RSS stayed at the storm's peak). Allocating them all now, together,
    // keeps them out of the way: adding an event for a descriptor that is not open fails
    // (EBADF), after the entry was made.
    auto noop = [](evutil_socket_t, short, void*) {};
    event* probe = event_new(base_, -1, 0, noop, nullptr);
    if (!probe) return;
    for (long fd = 0; fd < count; ++fd) {
        if (fcntl(int(fd), F_GETFD) != -1) continue;  // open: its slot comes with its use
        event_assign(probe, base_, evutil_socket_t(fd), EV_READ, noop, nullptr);
        if (event_add(probe, nullptr) == 0) event_del(probe);
    }
    event_free(probe);
}

void Server::on_accept_error(evconnlistener*, void* self) {
    auto* s = static_cast<Server*>(self);
    const int err = EVUTIL_SOCKET_ERROR();
    ++s->accept_errors_;
    const long long now = s->now_ms();
    if (now - s->accept_error_logged_ms_ >= 1000) {
        s->accept_error_logged_ms_ = now;
        net::logger().warn("accept failed, not accepting for 250 ms",
                           {{"error", evutil_socket_error_to_string(err)},
                            {"sessions", std::to_string(s->sessions_.size())},
                            {"failures", std::to_string(s->accept_errors_)}});
    }
    // The pending connection stays in the backlog and the socket stays readable: without a
    // pause the loop would call accept() again at once, forever (100 % CPU at EMFILE).
    for (auto* l : s->listeners_) evconnlistener_disable(l);
    timeval tv{0, 250 * 1000};
    evtimer_add(s->accept_resume_, &tv);
}

void Server::on_accept_resume(evutil_socket_t, short, void* self) {
    auto* s = static_cast<Server*>(self);
    if (s->stopping_) return;
    for (auto* l : s->listeners_) evconnlistener_enable(l);
}

void Server::on_memory_sample(evutil_socket_t, short, void* self) {
    static_cast<Server*>(self)->sample_memory();
}

void Server::sample_memory() {
    std::size_t shared = net::SharedBytes::live_bytes();
    for (const auto& [key, stream] : registry_.streams()) shared += stream->gop_cache_bytes();
    std::vector<SessionMemory> held;
    held.reserve(sessions_.size());
    for (const auto& [raw, owned] : sessions_)
        held.push_back({raw->session().id(), raw->session().private_bytes()});
    const std::size_t shared_part = shared;
    auto to_close = budget_.update(shared, std::move(held));
    if (!budget_.admit_new() && !over_budget_logged_) {
        over_budget_logged_ = true;
        net::logger().warn("max_memory: buffered bytes at three quarters of the budget, refusing "
                           "new connections",
                           {{"buffered", std::to_string(budget_.total())},
                            {"shared", std::to_string(shared_part)},
                            {"max_memory", std::to_string(budget_.limit())}});
    } else if (budget_.admit_new() && over_budget_logged_) {
        over_budget_logged_ = false;
        net::logger().info("max_memory: accepting new connections again",
                           {{"buffered", std::to_string(budget_.total())}});
    }
    if (to_close.empty()) return;
    std::unordered_map<std::uint64_t, Session*> by_id;
    for (const auto& [raw, owned] : sessions_) by_id.emplace(raw->session().id(), &raw->session());
    for (std::uint64_t id : to_close) by_id[id]->close_for_memory(budget_.limit());
}

void Server::on_trim(evutil_socket_t, short, void*) {
    // Sessions come and go in bursts (a storm of idle sockets, a benchmark ending): glibc keeps
    // the freed heap in its arenas and RSS would stay at the peak. Give it back.
    malloc_trim(0);
}

void Server::on_bitrate_sample(evutil_socket_t, short, void* self) {
    auto* s = static_cast<Server*>(self);
    const long long now = s->now_ms();
    for (auto& [key, stream] : s->registry_.streams()) stream->sample_bitrate(now);
}

std::vector<const Session*> Server::sessions_by_id() const {
    std::vector<const Session*> all;
    all.reserve(sessions_.size());
    for (const auto& [raw, owned] : sessions_) all.push_back(&raw->session());
    std::sort(all.begin(), all.end(),
              [](const Session* a, const Session* b) { return a->id() < b->id(); });
    return all;
}

std::array<std::size_t, kSessionRoles> Server::sessions_by_role() const {
    std::array<std::size_t, kSessionRoles> n{};
    for (const auto& [raw, owned] : sessions_) ++n[std::size_t(raw->session().role())];
    return n;
}

const Session* Server::find_session(std::uint64_t id) const {
    for (const auto& [raw, owned] : sessions_)
        if (raw->session().id() == id) return &raw->session();
    return nullptr;
}

const Session* Server::publisher_session(const Stream& stream) const {
    return registry_.publisher_of(stream.id());
}

SessionTotals Server::totals() const {
    SessionTotals t = stats_.ended;
    for (const auto& [raw, owned] : sessions_) t += raw->session().totals();
    return t;
}

std::uint64_t Server::stream_dropped_too_large() const {
    std::uint64_t n = stats_.stream_dropped_too_large;
    for (const auto& [key, stream] : registry_.streams()) n += stream->dropped_unencodable();
    return n;
}

std::size_t Server::buffered_bytes() const {
    std::size_t n = net::SharedBytes::live_bytes();
    for (const auto& [key, stream] : registry_.streams()) n += stream->gop_cache_bytes();
    for (const auto& [raw, owned] : sessions_) n += raw->session().private_bytes();
    return n;
}

bool Server::close_session(std::uint64_t id) {
    for (auto& [raw, owned] : sessions_) {
        if (raw->session().id() != id) continue;
        raw->session().close_by_operator();
        return true;
    }
    return false;
}

bool Server::end_publication(const StreamKey& key) {
    Session* publisher = registry_.publisher_of(key);
    if (!publisher) return false;
    publisher->close_by_operator();
    // The stream may be gone (nobody played it); if not, its players are told now.
    Stream* stream = registry_.find(key);
    if (stream && !stream->has_publisher()) {
        cancel_unpublish_timer(*stream);
        stream->notify_unpublished();
    }
    return true;
}

void Server::publication_started(Stream& stream, const std::string& media_session_id, bool record) {
    recordings_->publication_started(stream, media_session_id, record);
}

void Server::publication_ended(Stream& stream) { recordings_->publication_ended(stream); }

bool Server::recording(const StreamKey& key) const { return recordings_->recording(key); }

void Server::publisher_left(Stream& stream) {
    const long long delay = config_->unpublish_notify_delay.count();
    if (delay <= 0 || stopping_) {
        stream.notify_unpublished();
        return;
    }
    cancel_unpublish_timer(stream);
    auto t = std::make_unique<UnpublishTimer>();
    t->server = this;
    t->key = stream.id();
    t->ev = evtimer_new(base_, &Server::on_unpublish_timer, t.get());
    timeval tv = net::to_timeval(delay);
    evtimer_add(t->ev, &tv);
    unpublish_timers_[stream.id()] = std::move(t);
}

void Server::cancel_unpublish_timer(const Stream& stream) {
    auto it = unpublish_timers_.find(stream.id());
    if (it == unpublish_timers_.end()) return;
    event_free(it->second->ev);
    unpublish_timers_.erase(it);
}

void Server::on_unpublish_timer(evutil_socket_t, short, void* arg) {
    try {
        unpublish_timer_fired(static_cast<UnpublishTimer*>(arg));
    } catch (const std::exception& e) {
        guard_log("unpublish timer", e.what());
    }
}

void Server::unpublish_timer_fired(UnpublishTimer* t) {
    Server* s = t->server;
    const StreamKey key = t->key;
    auto it = s->unpublish_timers_.find(key);
    if (it != s->unpublish_timers_.end()) {
        event_free(it->second->ev);
        s->unpublish_timers_.erase(it);  // t is gone from here on
    }
    Stream* stream = s->registry_.find(key);
    if (stream && !stream->has_publisher()) stream->notify_unpublished();
}

void Server::schedule_close(SessionLink* session) {
    to_close_.push_back(session);
    event_active(reap_, 0, 0);
}

void Server::schedule_flush(SessionLink* session) {
    to_flush_.push_back(session);
    arm_flush();
}

void Server::arm_flush() {
    if (flush_pending_) return;
    flush_pending_ = true;
    const long long delay = merge_.next_ms();
    if (delay <= 0) {
        event_active(flush_, 0, 0);  // after the callbacks of this loop turn
    } else {
        timeval tv = net::to_timeval(delay);
        evtimer_add(flush_, &tv);
    }
}

void Server::forget_flush(SessionLink* session) {
    to_flush_.erase(std::remove(to_flush_.begin(), to_flush_.end(), session), to_flush_.end());
}

void Server::on_flush(evutil_socket_t, short, void* self) {
    auto* s = static_cast<Server*>(self);
    // First the streams' batches: the players they reach join this flush (flush_pending_ is
    // still set, so they do not arm another).
    std::vector<StreamKey> streams;
    streams.swap(s->to_deliver_);
    for (const StreamKey& key : streams)
        if (Stream* stream = s->registry_.find(key)) stream->deliver_pending();
    s->flush_pending_ = false;
    std::vector<SessionLink*> batch;
    batch.swap(s->to_flush_);
    s->merge_.batch_done(batch.size());
    for (SessionLink* session : batch) session->flush_scheduled();
    s->log_merge_delay();
}

void Server::log_merge_delay() {
    // At most once every 10 s, and only when the applied wait has moved by half or more.
    const long long now = now_ms();
    if (now - merge_logged_ms_ < 10000) return;
    const double v = merge_.effective_ms();
    const double was = merge_logged_value_;
    if (std::abs(v - was) < 0.5 * std::max(was, 1.0)) return;
    merge_logged_ms_ = now;
    merge_logged_value_ = v;
    char text[32];
    std::snprintf(text, sizeof text, "%.1fms", v);
    net::logger().info("write merging adapts to the load",
                       {{"effective", text}, {"write_coalesce", format_duration(config_->write_coalesce)}});
}

long long Server::now_ms() const {
    timeval tv{};
    event_base_gettimeofday_cached(base_, &tv);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void Server::on_reap(evutil_socket_t, short, void* self) {
    auto* s = static_cast<Server*>(self);
    std::vector<SessionLink*> batch;
    batch.swap(s->to_close_);
    const long long now = s->now_ms();
    for (SessionLink* session : batch) {
        s->forget_flush(session);  // a freed session is never flushed (~Session does it too)
        auto key = s->admission_keys_.find(session);
        if (key != s->admission_keys_.end()) {
            s->admission_.release(key->second, now);
            s->admission_keys_.erase(key);
        }
        if (s->sessions_.erase(session)) ++s->closed_since_trim_;
    }
    // After many sessions ended, or when none are left, trim once things are quiet (1 s later:
    // a storm ends over several loop turns, each would otherwise trim).
    if (s->closed_since_trim_ >= 64 || (s->sessions_.empty() && s->closed_since_trim_ > 0)) {
        s->closed_since_trim_ = 0;
        if (!evtimer_pending(s->trim_, nullptr)) {
            timeval tv{1, 0};
            evtimer_add(s->trim_, &tv);
        }
    }
    s->exit_if_done();
}

void Server::stop_gracefully() {
    if (stopping_) return;
    stopping_ = true;
    net::logger().info("stopping", {{"sessions", std::to_string(sessions_.size())}});
    for (auto* l : listeners_) evconnlistener_free(l);
    listeners_.clear();
    std::vector<Session*> all;
    for (auto& [raw, owned] : sessions_) all.push_back(&raw->session());
    for (Session* session : all) session->shut_down();
    recordings_->stop_all("server stopping");
    grace_ = evtimer_new(base_, &Server::on_grace_timeout, this);
    timeval tv{3, 0};
    evtimer_add(grace_, &tv);
    // Recordings and hook events finish on other threads and sockets: checked until they have.
    stop_poll_ = event_new(base_, -1, EV_PERSIST, &Server::on_stop_poll, this);
    timeval poll{0, 50 * 1000};
    event_add(stop_poll_, &poll);
    exit_if_done();
}

void Server::exit_if_done() {
    if (!stopping_ || !sessions_.empty() || !to_close_.empty() || !recordings_->idle()) return;
    if (hooks_ && hooks_->pending_events() > 0) return;
    event_base_loopexit(base_, nullptr);
}

void Server::on_stop_poll(evutil_socket_t, short, void* self) {
    static_cast<Server*>(self)->exit_if_done();
}

void Server::on_grace_timeout(evutil_socket_t, short, void* self) {
    auto* s = static_cast<Server*>(self);
    net::logger().warn("grace period over, closing remaining sessions",
                       {{"sessions", std::to_string(s->sessions_.size())},
                        {"recordings_idle", s->recordings_->idle() ? "yes" : "no"},
                        {"hook_events_pending",
                         std::to_string(s->hooks_ ? s->hooks_->pending_events() : 0)}});
    event_base_loopexit(s->base_, nullptr);
}

void Server::reload(Config config) {
    if (config.listen != config_->listen || config.rtmps_listen != config_->rtmps_listen ||
        config.http_listen != config_->http_listen || config.https_listen != config_->https_listen)
        net::logger().warn("reload: listen addresses change only at restart");
    // A certificate renewed on disk is taken for new sessions; one that does not load keeps
    // the running one (and its key), so a bad deploy does not take RTMPS and HTTPS down.
    std::string tls_error;
    net::TlsContext running = tls_;
    if (!load_tls(config, tls_error)) {
        net::logger().error("reload: TLS certificate not loaded, keeping the running one",
                            {{"error", tls_error}});
        config.tls_cert = config_->tls_cert;
        config.tls_key = config_->tls_key;
        tls_ = running;
    }
    config_ = std::make_shared<const Config>(std::move(config));
    registry_.set_settings(stream_settings(*config_));
    apply_admission_limits();
    make_hook_client();
    net::logger().info("configuration reloaded; new sessions use it");
}

}  // namespace server
