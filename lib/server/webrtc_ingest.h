// Glue: WebRTC (WHIP) ingest on the server's loop. One UDP socket for every session (ICE-lite:
// the browser checks our one candidate), the certificate made at start, and the WHIP resources.
// A datagram goes to its session by the STUN USERNAME, then by the address that passed a check.
#pragma once

#include <event2/event.h>
#include <sys/socket.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "util/bytes.h"
#include "webrtc/certificate.h"
#include "webrtc/transport_address.h"

namespace server {

class Server;
class Stream;
class WebrtcPublisher;

struct WhipOffer {
    std::string app, name;
    std::string query;  // stream parameters
    std::string token;  // Bearer token: a connection parameter (token=...)
    std::string sdp;
    std::string http_peer;  // "ip:port"
    sockaddr_storage peer_addr{};
};

struct WhipAnswer {
    int status = 201;
    std::string sdp;       // 201: the answer
    std::string resource;  // 201: the id in Location
    std::string reason;    // otherwise: why
};

class WebrtcIngest {
  public:
    WebrtcIngest(Server& server, event_base* base);
    ~WebrtcIngest();
    WebrtcIngest(const WebrtcIngest&) = delete;
    WebrtcIngest& operator=(const WebrtcIngest&) = delete;

    // Binds webrtc_udp_listen and makes the certificate. false with `error` when an address
    // given explicitly cannot be bound; the default one is skipped with a warning (`started()`
    // then says no).
    bool start(bool address_optional, std::string& error);
    bool started() const { return fd_ >= 0; }
    const std::string& address() const { return bound_; }
    const std::vector<std::pair<std::string, std::uint16_t>>& candidates() const {
        return candidates_;
    }

    // POST /whip/{app}/{name}: `done` is called once, at once or when the hooks decided.
    void offer(WhipOffer offer, std::function<void(const WhipAnswer&)> done);
    // DELETE on a resource: false when there is none.
    bool end(const std::string& resource);
    bool exists(const std::string& resource) const { return by_resource_.count(resource) > 0; }
    std::size_t sessions() const { return by_resource_.size(); }

    // A player joined `stream`: a WebRTC publisher of it without a cached keyframe is asked for
    // one.
    void player_joined(const Stream& stream);

    // From the publishers.
    void send(util::ByteView datagram, const webrtc::TransportAddress& to);
    void connected(WebrtcPublisher* publisher, const webrtc::TransportAddress& peer);
    void forget(WebrtcPublisher* publisher);

  private:
    static void on_readable(evutil_socket_t fd, short, void* self);
    void read_datagrams();
    void route(util::ByteView data, const webrtc::TransportAddress& from);
    void find_candidates(const sockaddr* bound);

    Server& server_;
    event_base* base_;
    int fd_ = -1;
    event* read_event_ = nullptr;
    std::string bound_;
    std::vector<std::pair<std::string, std::uint16_t>> candidates_;
    std::shared_ptr<const webrtc::Certificate> certificate_;
    std::map<std::string, WebrtcPublisher*> by_resource_;
    std::map<std::string, WebrtcPublisher*> by_ufrag_;  // our ufrag of each session
    std::map<webrtc::TransportAddress, WebrtcPublisher*> by_address_;
    std::uint64_t unrouted_ = 0;
    std::uint64_t next_answer_id_ = 1;
};

// "ip:port" of a TransportAddress as a sockaddr, and back.
webrtc::TransportAddress transport_address(const sockaddr* addr);

}  // namespace server
