// rtmp-urlparse --hook: the server's hook payload for a URL, from lib/hook's shared code.
#include <openssl/rand.h>
#include <unistd.h>

#include <array>

#include "hook/url_payload.h"
#include "urlparse.h"

namespace urlparse {

std::string format_hook(const url::RtmpUrl& parsed, const std::string& method,
                        const std::string& client, const std::string& node_id) {
    std::string node = node_id;
    if (node.empty()) {
        char host[256] = {};
        gethostname(host, sizeof host - 1);
        node = host;
    }
    // sessionId is "/client/server" as the server sees the connection.
    std::string client_ip = client, client_port = "0";
    if (auto colon = client.rfind(':'); colon != std::string::npos) {
        client_ip = client.substr(0, colon);
        client_port = client.substr(colon + 1);
    }
    if (client_ip.size() > 2 && client_ip.front() == '[') client_ip = client_ip.substr(1, client_ip.size() - 2);
    const std::string session_id = hook::format_session_id(
        client_ip, std::uint16_t(std::atoi(client_port.c_str())), parsed.host, parsed.port);
    std::array<std::uint8_t, 16> random{};
    RAND_bytes(random.data(), int(random.size()));
    return hook::to_body(hook::payload_for_url(method, parsed, node, session_id,
                                               hook::uuid_v4(random))) +
           "\n";
}

}  // namespace urlparse
