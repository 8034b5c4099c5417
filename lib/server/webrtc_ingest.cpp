#include "server/webrtc_ingest.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "net/address.h"
#include "net/log.h"
#include "server/server.h"
#include "server/webrtc_publisher.h"
#include "webrtc/packet_kind.h"
#include "webrtc/sdp.h"
#include "webrtc/sdp_answer.h"
#include "webrtc/stun_responder.h"

namespace server {

namespace {

constexpr int kDatagramsPerWakeup = 64;
constexpr std::size_t kMaxDatagram = 4096;
constexpr std::size_t kMaxNameBytes = 256;
constexpr std::size_t kMaxTokenBytes = 1024;

std::string random_text(std::size_t n) {
    static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::vector<std::uint8_t> r(n);
    RAND_bytes(r.data(), int(n));
    std::string s(n, 'a');
    for (std::size_t i = 0; i < n; ++i) s[i] = kChars[r[i] % 62];
    return s;
}

std::string random_hex(std::size_t bytes) {
    std::vector<std::uint8_t> r(bytes);
    RAND_bytes(r.data(), int(bytes));
    static const char* kHex = "0123456789abcdef";
    std::string s;
    for (auto b : r) {
        s += kHex[b >> 4];
        s += kHex[b & 15];
    }
    return s;
}

webrtc::AudioChoice audio_choice(WebrtcAudio a) {
    switch (a) {
        case WebrtcAudio::Pcma:
            return webrtc::AudioChoice::Pcma;
        case WebrtcAudio::Pcmu:
            return webrtc::AudioChoice::Pcmu;
        case WebrtcAudio::Aac:
            break;
    }
    return webrtc::AudioChoice::Aac;
}

// RFC 6750 b64token characters: a token is passed on as a connection parameter, never parsed.
bool valid_token(const std::string& t) {
    if (t.size() > kMaxTokenBytes) return false;
    for (char c : t)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-._~+/=", c)))
            return false;
    return true;
}

bool valid_name(const std::string& s) {
    if (s.empty() || s.size() > kMaxNameBytes) return false;
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f || c == '?' || c == '/') return false;
    return true;
}

sockaddr_storage to_sockaddr(const webrtc::TransportAddress& a, socklen_t& len) {
    sockaddr_storage ss{};
    if (a.v6) {
        auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
        s6->sin6_family = AF_INET6;
        std::memcpy(&s6->sin6_addr, a.ip.data(), 16);
        s6->sin6_port = htons(a.port);
        len = sizeof(sockaddr_in6);
    } else {
        auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
        s4->sin_family = AF_INET;
        std::memcpy(&s4->sin_addr, a.ip.data(), 4);
        s4->sin_port = htons(a.port);
        len = sizeof(sockaddr_in);
    }
    return ss;
}

}  // namespace

webrtc::TransportAddress transport_address(const sockaddr* addr) {
    webrtc::TransportAddress t;
    if (addr->sa_family == AF_INET6) {
        const auto* s6 = reinterpret_cast<const sockaddr_in6*>(addr);
        t.v6 = true;
        std::memcpy(t.ip.data(), &s6->sin6_addr, 16);
        t.port = ntohs(s6->sin6_port);
    } else if (addr->sa_family == AF_INET) {
        const auto* s4 = reinterpret_cast<const sockaddr_in*>(addr);
        std::memcpy(t.ip.data(), &s4->sin_addr, 4);
        t.port = ntohs(s4->sin_port);
    }
    return t;
}

WebrtcIngest::WebrtcIngest(Server& server, event_base* base) : server_(server), base_(base) {}

WebrtcIngest::~WebrtcIngest() {
    if (read_event_) event_free(read_event_);
    if (fd_ >= 0) ::close(fd_);
}

bool WebrtcIngest::start(bool address_optional, std::string& error) {
    const std::string& text = server_.config()->webrtc_udp_listen;
    if (text.empty()) return true;
    auto addr = net::parse_listen_address(text);
    if (!addr) {
        error = "bad webrtc_udp_listen address '" + text + "'";
        return false;
    }
    auto cert = webrtc::Certificate::make();
    if (!cert.ok()) {
        error = "WebRTC: cannot make the DTLS certificate: " + cert.error().message;
        return false;
    }
    certificate_ = cert.value();
    int fd = ::socket(addr->storage.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && addr->storage.ss_family == AF_INET6) {
        int off = 0;  // [::] takes IPv4 peers too (as v4-mapped addresses)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    }
    if (fd < 0 || ::bind(fd, addr->get(), addr->length) != 0) {
        const std::string why = std::strerror(errno);
        if (fd >= 0) ::close(fd);
        if (address_optional) {
            net::logger().warn("WebRTC (WHIP) not served (cannot bind its UDP address)",
                               {{"address", text}, {"reason", why}});
            return true;
        }
        error = "cannot listen for WebRTC on UDP " + text + ": " + why;
        return false;
    }
    int size = 4 << 20;  // a burst of keyframe packets from several publishers fits
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    fd_ = fd;
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &len);
    bound_ = net::format_address(reinterpret_cast<sockaddr*>(&bound));
    find_candidates(reinterpret_cast<sockaddr*>(&bound));
    read_event_ = event_new(base_, fd_, EV_READ | EV_PERSIST, &WebrtcIngest::on_readable, this);
    event_add(read_event_, nullptr);
    std::string announced;
    for (const auto& [ip, port] : candidates_) announced += (announced.empty() ? "" : " ") + ip;
    net::logger().info("listening for WebRTC (WHIP)",
                       {{"address", bound_}, {"candidates", announced}});
    return true;
}

void WebrtcIngest::find_candidates(const sockaddr* bound) {
    const std::uint16_t port = std::uint16_t(net::address_port(bound));
    const auto& given = server_.config()->webrtc_candidates;
    if (!given.empty()) {
        for (const auto& ip : given) candidates_.emplace_back(ip, port);
        return;
    }
    const std::string ip = net::address_ip(bound);
    if (ip != "0.0.0.0" && ip != "::") {
        candidates_.emplace_back(ip, port);
        return;
    }
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return;
    for (ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr) continue;
        const int family = i->ifa_addr->sa_family;
        if (family != AF_INET && !(family == AF_INET6 && bound->sa_family == AF_INET6)) continue;
        if (family == AF_INET6) {
            const auto* s6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
            if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr)) continue;  // needs a scope id
        }
        if (bound->sa_family == AF_INET && family != AF_INET) continue;
        candidates_.emplace_back(net::address_ip(i->ifa_addr), port);
        if (candidates_.size() >= 16) break;
    }
    freeifaddrs(list);
}

void WebrtcIngest::offer(WhipOffer o, std::function<void(const WhipAnswer&)> done) {
    auto refuse = [&done](int status, std::string reason) {
        WhipAnswer a;
        a.status = status;
        a.reason = std::move(reason);
        done(a);
    };
    if (!started()) return refuse(503, "WebRTC ingest is off (webrtc_udp_listen)");
    if (server_.stopping()) return refuse(503, "the server is stopping");
    if (!valid_name(o.app) || !valid_name(o.name))
        return refuse(
            400, "the path needs /whip/{app}/{name} (1-256 bytes each, no control characters)");
    if (!valid_token(o.token)) return refuse(400, "the Bearer token is not a valid b64token");
    auto parsed = webrtc::parse_offer(o.sdp);
    if (!parsed.ok()) return refuse(400, "bad SDP offer: " + parsed.error().message);
    auto chosen = webrtc::negotiate(*parsed, audio_choice(server_.config()->webrtc_audio));
    if (!chosen.ok()) return refuse(406, chosen.error().message);
    std::string key;
    if (auto refused = server_.admit_link(reinterpret_cast<const sockaddr*>(&o.peer_addr), key))
        return refuse(503, *refused);

    webrtc::StunCredentials creds;
    creds.local_ufrag = random_text(8);
    creds.local_pwd = random_text(24);
    creds.remote_ufrag = chosen->remote_ufrag;
    webrtc::LocalDescription local;
    local.ice_ufrag = creds.local_ufrag;
    local.ice_pwd = creds.local_pwd;
    local.fingerprint = certificate_->fingerprint_sha256();
    local.candidates = candidates_;
    local.session_id = next_answer_id_++;
    std::string answer = webrtc::make_answer(*parsed, *chosen, local);
    if (!chosen->audio_note.empty())
        net::logger().info("WebRTC offer: audio",
                           {{"peer", o.http_peer}, {"note", chosen->audio_note}});

    WhipPublication where;
    where.app = o.app;
    where.name = o.name;
    where.stream_query = o.query;
    where.connection_query = o.token.empty() ? "" : "token=" + o.token;
    where.http_peer = o.http_peer;
    where.local = bound_;
    const std::string resource = random_hex(16);
    auto publisher = std::make_unique<WebrtcPublisher>(
        server_, *this, server_.take_session_id(), resource, std::move(where),
        std::move(chosen.value()), creds, certificate_);
    WebrtcPublisher* raw = publisher.get();
    by_resource_[resource] = raw;
    by_ufrag_[creds.local_ufrag] = raw;
    server_.adopt(std::move(publisher), std::move(key));
    raw->start([done, answer, resource](const WhipOutcome& out) {
        WhipAnswer a;
        a.status = out.status;
        if (out.status == 201) {
            a.sdp = answer;
            a.resource = resource;
        } else {
            a.reason = out.reason;
        }
        done(a);
    });
}

bool WebrtcIngest::end(const std::string& resource) {
    auto it = by_resource_.find(resource);
    if (it == by_resource_.end()) return false;
    it->second->end_by_client("the client ended the WHIP session (DELETE)");
    return true;
}

void WebrtcIngest::player_joined(const Stream& stream) {
    if (stream.gop_stats().messages > 0) return;  // the cache starts at a keyframe already
    const Session* publisher = server_.publisher_session(stream);
    if (!publisher) return;
    for (auto& [res, p] : by_resource_)
        if (&p->session() == publisher) p->keyframe_wanted();
}

void WebrtcIngest::send(util::ByteView datagram, const webrtc::TransportAddress& to) {
    if (fd_ < 0) return;
    socklen_t len = 0;
    sockaddr_storage ss = to_sockaddr(to, len);
    // UDP: a full socket buffer drops the datagram, as the network would.
    (void)::sendto(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT,
                   reinterpret_cast<sockaddr*>(&ss), len);
}

void WebrtcIngest::connected(WebrtcPublisher* publisher, const webrtc::TransportAddress& peer) {
    for (auto it = by_address_.begin(); it != by_address_.end();)
        it = it->second == publisher ? by_address_.erase(it) : std::next(it);
    by_address_[peer] = publisher;
}

void WebrtcIngest::forget(WebrtcPublisher* publisher) {
    for (auto* m : {&by_resource_, &by_ufrag_})
        for (auto it = m->begin(); it != m->end();)
            it = it->second == publisher ? m->erase(it) : std::next(it);
    for (auto it = by_address_.begin(); it != by_address_.end();)
        it = it->second == publisher ? by_address_.erase(it) : std::next(it);
}

void WebrtcIngest::on_readable(evutil_socket_t, short, void* self) {
    try {
        static_cast<WebrtcIngest*>(self)->read_datagrams();
    } catch (const std::exception& e) {
        net::logger().error("internal error", {{"where", "WebRTC datagram"}, {"reason", e.what()}});
    }
}

void WebrtcIngest::read_datagrams() {
    std::uint8_t buf[kMaxDatagram];
    for (int i = 0; i < kDatagramsPerWakeup; ++i) {
        sockaddr_storage from{};
        socklen_t len = sizeof from;
        const ssize_t n =
            ::recvfrom(fd_, buf, sizeof buf, MSG_TRUNC, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) return;  // EAGAIN: all read
        if (std::size_t(n) > sizeof buf || n == 0) {
            ++unrouted_;
            continue;
        }
        route(util::ByteView(buf, std::size_t(n)),
              transport_address(reinterpret_cast<sockaddr*>(&from)));
    }
}

void WebrtcIngest::route(util::ByteView data, const webrtc::TransportAddress& from) {
    if (webrtc::classify(data) == webrtc::PacketKind::Stun) {
        if (auto user = webrtc::stun_username(data)) {
            auto it = by_ufrag_.find(user->substr(0, user->find(':')));
            if (it != by_ufrag_.end()) {
                WebrtcPublisher* p = it->second;
                p->datagram(data, from);
                // The pair the browser uses: later DTLS and SRTP from it come here.
                if (by_ufrag_.count(user->substr(0, user->find(':'))) && p->whip().peer() &&
                    *p->whip().peer() == from && !by_address_.count(from))
                    connected(p, from);
                return;
            }
        }
    }
    auto it = by_address_.find(from);
    if (it == by_address_.end()) {
        ++unrouted_;
        return;
    }
    it->second->datagram(data, from);
}

}  // namespace server
