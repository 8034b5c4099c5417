// Who may connect: per-address connection counts and new-connection rates (IPv4 per address,
// IPv6 per /64, the block one subscriber usually gets). Sans-IO: addresses and times in,
// verdicts out; the server closes refused sockets at accept.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <string>
#include <unordered_map>

#include "server/rate_limit.h"

namespace server {

// The key a peer is counted under: "192.0.2.1" for IPv4 (and IPv4-mapped IPv6),
// "2001:db8:1:2::/64" for IPv6; "" for other families.
std::string admission_key(const sockaddr* addr);

struct AdmissionLimits {
    int max_per_key = 0;     // connections at once; 0: no limit
    double rate = 0;         // new connections per second; 0: no limit
    double burst = 0;        // new connections at once above the rate (at least 1)
};

class Admission {
public:
    enum class Verdict { Admit, TooMany, TooFast };
    explicit Admission(AdmissionLimits limits = {}) : limits_(limits) {}
    void set_limits(AdmissionLimits limits) { limits_ = limits; }

    // A new connection from `key` at `now_ms`. Admit counts it until release(key).
    Verdict admit(const std::string& key, long long now_ms);
    void release(const std::string& key, long long now_ms);
    int connections(const std::string& key) const;
    // Keys remembered (with connections, or a rate bucket not yet refilled).
    std::size_t tracked() const { return peers_.size(); }

private:
    struct Peer {
        int connections = 0;
        TokenBucket bucket;
    };
    void prune(long long now_ms);
    AdmissionLimits limits_;
    std::unordered_map<std::string, Peer> peers_;
    std::size_t admits_since_prune_ = 0;
};

const char* to_string(Admission::Verdict v);

}  // namespace server
