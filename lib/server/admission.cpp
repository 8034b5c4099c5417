// Per-address admission: counts and token buckets, keyed by IPv4 address or IPv6 /64.
#include "server/admission.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace server {

std::string admission_key(const sockaddr* addr) {
    char text[INET6_ADDRSTRLEN] = {};
    if (addr->sa_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(addr);
        inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        return text;
    }
    if (addr->sa_family != AF_INET6) return "";
    const auto* a6 = reinterpret_cast<const sockaddr_in6*>(addr);
    if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr)) {
        in_addr v4{};
        std::memcpy(&v4, a6->sin6_addr.s6_addr + 12, 4);
        inet_ntop(AF_INET, &v4, text, sizeof text);
        return text;
    }
    in6_addr prefix = a6->sin6_addr;
    std::memset(prefix.s6_addr + 8, 0, 8);  // one /64 is one subscriber: count it once
    inet_ntop(AF_INET6, &prefix, text, sizeof text);
    return std::string(text) + "/64";
}

Admission::Verdict Admission::admit(const std::string& key, long long now_ms) {
    if (++admits_since_prune_ >= 1024) prune(now_ms);
    auto [it, fresh] = peers_.try_emplace(key);
    Peer& p = it->second;
    if (fresh) p.bucket = TokenBucket(limits_.rate, limits_.burst);
    if (limits_.max_per_key > 0 && p.connections >= limits_.max_per_key) return Verdict::TooMany;
    if (!p.bucket.take(now_ms)) return Verdict::TooFast;
    ++p.connections;
    return Verdict::Admit;
}

void Admission::release(const std::string& key, long long now_ms) {
    auto it = peers_.find(key);
    if (it == peers_.end()) return;
    if (it->second.connections > 0) --it->second.connections;
    if (it->second.connections == 0 && it->second.bucket.full(now_ms)) peers_.erase(it);
}

int Admission::connections(const std::string& key) const {
    auto it = peers_.find(key);
    return it == peers_.end() ? 0 : it->second.connections;
}

void Admission::prune(long long now_ms) {
    // Keys without connections whose bucket refilled carry no state: forget them, so that a
    // sweep of many addresses leaves nothing behind.
    admits_since_prune_ = 0;
    for (auto it = peers_.begin(); it != peers_.end();) {
        if (it->second.connections == 0 && it->second.bucket.full(now_ms)) it = peers_.erase(it);
        else ++it;
    }
}

const char* to_string(Admission::Verdict v) {
    switch (v) {
        case Admission::Verdict::Admit: return "admitted";
        case Admission::Verdict::TooMany: return "max_connections_per_ip reached";
        case Admission::Verdict::TooFast: return "max_connection_rate_per_ip exceeded";
    }
    return "?";
}

}  // namespace server
