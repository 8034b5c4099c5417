// Parses "ADDR:PORT", "[v6]:PORT" and ":PORT" into a socket address, and formats peers.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>

namespace net {

struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// nullopt when the text is not a numeric address with a port in 1..65535 (0 allowed: any port).
std::optional<SocketAddress> parse_listen_address(std::string_view text);

// "ip:port" or "[ip6]:port" for logs; `ip_only` and `port` separately for hook payloads.
std::string format_address(const sockaddr* addr);
std::string address_ip(const sockaddr* addr);
int address_port(const sockaddr* addr);

}  // namespace net
