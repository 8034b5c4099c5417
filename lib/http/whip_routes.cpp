#include "http/whip_routes.h"

#include <cstring>

#include "net/log.h"
#include "server/server.h"
#include "server/webrtc_ingest.h"
#include "util/text_escape.h"

namespace http {

extern const char kPublishPageHtml[];

namespace {

bool ascii_iequal_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

// Pages of any origin may publish (RFC 9725 §4.1 expects WHIP to be usable cross-origin); the
// API keeps refusing foreign origins (access.h).
void add_cors(Response& r) {
    r.headers.emplace_back("Access-Control-Allow-Origin", "*");
    r.headers.emplace_back("Access-Control-Allow-Methods", "POST, DELETE, PATCH, OPTIONS");
    r.headers.emplace_back("Access-Control-Allow-Headers", "content-type, authorization, if-match");
    r.headers.emplace_back("Access-Control-Expose-Headers", "Location, ETag");
    r.headers.emplace_back("Access-Control-Max-Age", "86400");
}

Response with_cors(Response r) {
    add_cors(r);
    return r;
}

Response not_allowed(const char* allow) { return with_cors(method_not_allowed(allow)); }

std::string bearer_token(const Request& request) {
    const std::string* auth = request.header("Authorization");
    if (!auth || !ascii_iequal_prefix(*auth, "Bearer ")) return "";
    std::string t = auth->substr(7);
    while (!t.empty() && t.front() == ' ') t.erase(t.begin());
    return t;
}

// A path segment as RFC 3986 allows it unescaped; the rest percent-encoded.
std::string encode_segment(const std::string& in) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : in) {
        if (std::isalnum(c) || std::strchr("-._~", c)) {
            out += char(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

std::string resource_path(const std::string& app, const std::string& name, const std::string& id) {
    return "/whip/" + encode_segment(app) + "/" + encode_segment(name) + "/" + id;
}

}  // namespace

bool WhipRoutes::owns(const std::vector<std::string>& s) {
    return (s.size() == 1 && s[0] == "publish") || (!s.empty() && s[0] == "whip");
}

std::string WhipRoutes::route_label(const std::vector<std::string>& s) {
    if (s.size() == 1 && s[0] == "publish") return "/publish";
    if (s.size() == 3) return "/whip/{app}/{name}";
    if (s.size() == 4) return "/whip/{app}/{name}/{id}";
    return "other";
}

void WhipRoutes::handle(const Request& request, const std::vector<std::string>& s,
                        std::function<void(Response)> done) {
    if (s[0] == "publish") {
        if (request.method != "GET" && request.method != "HEAD")
            return done(not_allowed("GET, HEAD"));
        Response r;
        r.content_type = "text/html; charset=utf-8";
        r.body = kPublishPageHtml;
        // The page shows the rtmp:// URL to play: the port of the first RTMP listener.
        const auto& listen = server_.config()->listen;
        std::string port = "1935";
        if (!listen.empty()) port = listen.front().substr(listen.front().rfind(':') + 1);
        const auto at = r.body.find("__RTMP_PORT__");
        if (at != std::string::npos) r.body.replace(at, 13, port);
        // Its own script only; camera and microphone are its whole purpose.
        r.headers.emplace_back("Content-Security-Policy",
                               "default-src 'self'; script-src 'unsafe-inline'; "
                               "style-src 'unsafe-inline'; media-src 'self' blob: mediastream:; "
                               "connect-src 'self'; frame-ancestors 'none'");
        r.headers.emplace_back("X-Content-Type-Options", "nosniff");
        return done(r);
    }
    if (s.size() != 3 && s.size() != 4)
        return done(with_cors(error_response(404, "no such path (WHIP is /whip/{app}/{name})")));
    if (request.method == "OPTIONS") {
        Response r;
        r.status = 204;
        r.content_type.clear();
        return done(with_cors(r));
    }
    if (s.size() == 3) {
        if (request.method != "POST") return done(not_allowed("POST, OPTIONS"));
        return post(request, s[1], s[2], std::move(done));
    }
    server::WebrtcIngest* ingest = server_.webrtc();
    const std::string& id = s[3];
    if (!ingest || !ingest->exists(id))
        return done(with_cors(error_response(404, "no such WHIP session")));
    if (request.method == "DELETE") {
        ingest->end(id);
        Response r;
        r.status = 200;
        r.content_type.clear();
        return done(with_cors(r));
    }
    if (request.method == "PATCH") {
        // Trickled candidates: an ICE-lite server needs none (the browser's checks show its
        // addresses), so they are acknowledged and ignored; an ICE restart is not supported.
        const std::string* type = request.header("Content-Type");
        if (!type || !ascii_iequal_prefix(*type, "application/trickle-ice-sdpfrag"))
            return done(
                with_cors(error_response(415, "PATCH takes application/trickle-ice-sdpfrag")));
        if (request.body.find("a=ice-pwd:") != std::string::npos)
            return done(with_cors(error_response(405, "ICE restarts are not supported")));
        Response r;
        r.status = 204;
        r.content_type.clear();
        return done(with_cors(r));
    }
    return done(not_allowed("DELETE, PATCH, OPTIONS"));
}

void WhipRoutes::post(const Request& request, const std::string& app, const std::string& name,
                      std::function<void(Response)> done) {
    server::WebrtcIngest* ingest = server_.webrtc();
    if (!ingest || !ingest->started())
        return done(with_cors(error_response(503, "WebRTC ingest is off (webrtc_udp_listen)")));
    const std::string* type = request.header("Content-Type");
    if (!type || !ascii_iequal_prefix(*type, "application/sdp"))
        return done(
            with_cors(error_response(415, "a WHIP offer is Content-Type: application/sdp")));
    if (request.body.empty()) return done(with_cors(error_response(400, "the SDP offer is empty")));
    server::WhipOffer offer;
    offer.app = app;
    offer.name = name;
    offer.query = request.query;
    offer.token = bearer_token(request);
    offer.sdp = request.body;
    offer.http_peer = request.peer;
    std::memcpy(&offer.peer_addr, request.peer_sockaddr.data(),
                std::min(request.peer_sockaddr.size(), sizeof offer.peer_addr));
    const std::string peer = request.peer;
    ingest->offer(std::move(offer), [done, app, name, peer](const server::WhipAnswer& a) {
        if (a.status != 201) {
            net::logger().warn("WHIP offer refused",
                               {{"peer", peer},
                                {"stream", util::shorten(app + "/" + name, 256)},
                                {"status", std::to_string(a.status)},
                                {"reason", a.reason}});
            return done(with_cors(error_response(a.status, a.reason)));
        }
        Response r;
        r.status = 201;
        r.content_type = "application/sdp";
        r.body = a.sdp;
        r.headers.emplace_back("Location", resource_path(app, name, a.resource));
        r.headers.emplace_back("ETag", "\"" + a.resource + "\"");
        done(with_cors(r));
    });
}

}  // namespace http
