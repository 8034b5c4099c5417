// The loop boundary of a session: what happens when a callback body throws (DESIGN.md, Errors:
// no exception leaves an event callback; that session ends, logged, and others never notice).
#include <cstdio>

#include "net/log.h"
#include "server/server.h"
#include "server/session.h"

namespace server {

void Session::fail(const char* where, const char* what) noexcept {
    try {
        if (!closing_) {
            close(std::string("internal error in ") + where + ": " + what, true);
            return;
        }
        net::logger().error("internal error while closing",
                            {{"session", std::to_string(id_)}, {"peer", peer_},
                             {"where", where}, {"reason", what}});
    } catch (...) {
        std::fputs("rtmp-serve: internal error while closing a session\n", stderr);
    }
    // close() may have thrown half-way: make sure the session is gone at the next turn and
    // that the server holds no flush request for it.
    try {
        server_.forget_flush(this);
        flush_requested_ = false;
        closing_ = true;
        if (bev_) bufferevent_disable(bev_, EV_READ | EV_WRITE);
        server_.schedule_close(this);
    } catch (...) {
        std::fputs("rtmp-serve: cannot schedule a failed session's close\n", stderr);
    }
}

void Session::send_media(const MediaPtr& message) {
    guarded("fan-out", [&] { deliver_media(message); });
}

void Session::on_publish_start(Stream& stream, bool resumed) {
    guarded("publish start", [&] { publish_started(stream, resumed); });
}

void Session::on_publish_stop(Stream& stream) {
    guarded("publish stop", [&] { publish_stopped(stream); });
}

void Session::log_unencodable(std::uint8_t type, const std::string& why) {
    ++dropped_unencodable_;
    net::logger().warn("message not sent: too large for RTMP",
                       {{"session", std::to_string(id_)},
                        {"peer", peer_},
                        {"type", std::to_string(type)},
                        {"reason", why},
                        {"dropped", std::to_string(dropped_unencodable_)}});
}

}  // namespace server
