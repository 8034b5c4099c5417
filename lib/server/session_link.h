// Glue: what owns one server Session and carries its bytes — an accepted socket
// (socket_session.h) or an in-process RTMP link (a WebRTC publisher, webrtc_publisher.h). The
// server keeps, counts, flushes and frees them alike.
#pragma once

#include "server/session.h"
#include "server/session_io.h"

namespace server {

class SessionLink : public SessionIo {
  public:
    virtual Session& session() = 0;
    virtual const Session& session() const = 0;
    // The server's flush of this loop turn (Server::schedule_flush).
    virtual void flush_scheduled() {}
};

}  // namespace server
