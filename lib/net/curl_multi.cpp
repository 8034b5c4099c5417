// libcurl multi driven by libevent (see curl_multi.h). libcurl tells us which sockets to watch
// (CURLMOPT_SOCKETFUNCTION) and when to call it back (CURLMOPT_TIMERFUNCTION); libevent watches;
// curl_multi_socket_action does the work in small non-blocking steps.
#include "net/curl_multi.h"
#include "net/log.h"
#include "net/timeval.h"

#include <curl/curl.h>
#include <event2/event.h>

#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <set>

namespace net {

namespace {

struct Request {
    HttpClient::RequestId id = 0;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::string body;
    HttpResult result;
    bool too_large = false;
    std::size_t max_body = 0;
    HttpCallback callback;
    char errbuf[CURL_ERROR_SIZE] = {};

    ~Request() {
        if (easy) curl_easy_cleanup(easy);
        if (headers) curl_slist_free_all(headers);
    }
};

// One socket libcurl asked us to watch.
struct SocketWatch {
    curl_socket_t fd;
    event* ev = nullptr;
};

void global_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string without_crlf(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c != '\r' && c != '\n') out += c;
    }
    return out;
}

}  // namespace

struct HttpClient::Impl {
    event_base* base;
    Options options;
    CURLM* multi = nullptr;
    event* timer = nullptr;     // libcurl's single timeout
    event* deferred = nullptr;  // delivers failures of requests that never reached libcurl
    std::map<RequestId, std::unique_ptr<Request>> requests;
    std::vector<RequestId> failed;  // requests waiting for `deferred`
    std::set<SocketWatch*> watches;
    RequestId next_id = 1;

    Impl(event_base* b, Options o) : base(b), options(std::move(o)) {}

    static int on_socket(CURL*, curl_socket_t fd, int what, void* userp, void* socketp);
    static int on_timer_change(CURLM*, long timeout_ms, void* userp);
    static void on_socket_event(evutil_socket_t fd, short kind, void* arg);
    static void on_timeout(evutil_socket_t, short, void* arg);
    static void on_deferred(evutil_socket_t, short, void* arg);
    static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* userp);
    static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* userp);

    void drain_finished();
    void finish(RequestId id, HttpResult result);
    void fail_later(Request& req, std::string error);
};

int HttpClient::Impl::on_socket(CURL*, curl_socket_t fd, int what, void* userp, void* socketp) {
    auto* self = static_cast<Impl*>(userp);
    auto* watch = static_cast<SocketWatch*>(socketp);
    if (what == CURL_POLL_REMOVE) {
        if (watch) {
            event_free(watch->ev);
            self->watches.erase(watch);
            delete watch;
            curl_multi_assign(self->multi, fd, nullptr);
        }
        return 0;
    }
    if (!watch) {
        watch = new SocketWatch{fd};
        self->watches.insert(watch);
        curl_multi_assign(self->multi, fd, watch);
    } else {
        event_free(watch->ev);
    }
    short kind = EV_PERSIST;
    if (what & CURL_POLL_IN) kind |= EV_READ;
    if (what & CURL_POLL_OUT) kind |= EV_WRITE;
    watch->ev = event_new(self->base, fd, kind, &Impl::on_socket_event, self);
    event_add(watch->ev, nullptr);
    return 0;
}

int HttpClient::Impl::on_timer_change(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<Impl*>(userp);
    if (timeout_ms < 0) {
        evtimer_del(self->timer);
        return 0;
    }
    timeval tv = to_timeval(timeout_ms);
    evtimer_add(self->timer, &tv);
    return 0;
}

void HttpClient::Impl::on_socket_event(evutil_socket_t fd, short kind, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    int flags = 0;
    if (kind & EV_READ) flags |= CURL_CSELECT_IN;
    if (kind & EV_WRITE) flags |= CURL_CSELECT_OUT;
    int running = 0;
    curl_multi_socket_action(self->multi, fd, flags, &running);
    self->drain_finished();
}

void HttpClient::Impl::on_timeout(evutil_socket_t, short, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    int running = 0;
    curl_multi_socket_action(self->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    self->drain_finished();
}

void HttpClient::Impl::on_deferred(evutil_socket_t, short, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    std::vector<RequestId> ids;
    ids.swap(self->failed);
    for (RequestId id : ids) {
        auto it = self->requests.find(id);
        if (it == self->requests.end()) continue;  // cancelled meanwhile
        HttpResult result = std::move(it->second->result);
        self->finish(id, std::move(result));
    }
}

std::size_t HttpClient::Impl::on_body(char* data, std::size_t size, std::size_t n, void* userp) {
    auto* req = static_cast<Request*>(userp);
    std::size_t len = size * n;
    if (req->result.body.size() + len > req->max_body) {
        req->too_large = true;
        return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
    }
    try {
        req->result.body.append(data, len);
    } catch (const std::exception&) {
        return 0;  // no exception may cross libcurl's C frames: fail this request instead
    }
    return len;
}

std::size_t HttpClient::Impl::on_header(char* data, std::size_t size, std::size_t n, void* userp) {
    auto* req = static_cast<Request*>(userp);
    std::size_t len = size * n;
    std::string_view line(data, len);
    // "HTTP/1.1 403 Forbidden": the last status line wins (after a 100 Continue, say).
    if (line.substr(0, 5) == "HTTP/") {
        req->result.reason.clear();
        auto first = line.find(' ');
        auto second = first == line.npos ? line.npos : line.find(' ', first + 1);
        if (second != line.npos) {
            std::string_view phrase = line.substr(second + 1);
            while (!phrase.empty() && (phrase.back() == '\r' || phrase.back() == '\n')) {
                phrase.remove_suffix(1);
            }
            try {
                req->result.reason = std::string(phrase.substr(0, 200));
            } catch (const std::exception&) {
                return 0;
            }
        }
    }
    return len;
}

void HttpClient::Impl::drain_finished() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL* easy = msg->easy_handle;
        CURLcode code = msg->data.result;
        char* priv = nullptr;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
        auto id = static_cast<RequestId>(reinterpret_cast<std::uintptr_t>(priv));
        auto it = requests.find(id);
        if (it == requests.end()) continue;
        Request& req = *it->second;
        HttpResult result = std::move(req.result);
        if (code == CURLE_OK) {
            long status = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            result.status = static_cast<int>(status);
        } else {
            // An exchange that did not complete has no status: a half-read 200 allows nothing.
            result.status = 0;
            result.body.clear();
            result.timed_out = code == CURLE_OPERATION_TIMEDOUT;
            if (req.too_large) {
                result.error = "answer body larger than " + std::to_string(req.max_body) +
                               " bytes";
            } else if (req.errbuf[0]) {
                result.error = req.errbuf;
            } else {
                result.error = curl_easy_strerror(code);
            }
        }
        finish(id, std::move(result));
    }
}

// Removes the request, then calls its callback: the callback may start or cancel others.
void HttpClient::Impl::finish(RequestId id, HttpResult result) {
    auto it = requests.find(id);
    if (it == requests.end()) return;
    std::unique_ptr<Request> req = std::move(it->second);
    requests.erase(it);
    if (req->easy) curl_multi_remove_handle(multi, req->easy);
    HttpCallback callback = std::move(req->callback);
    req.reset();
    if (!callback) return;
    // The loop boundary for every HTTP answer: users guard their own work (a session closes
    // itself), this is the last net under libcurl's and libevent's C frames.
    try {
        callback(std::move(result));
    } catch (const std::exception& e) {
        logger().error("internal error in an HTTP completion", {{"reason", e.what()}});
    } catch (...) {
        logger().error("internal error in an HTTP completion", {{"reason", "unknown exception"}});
    }
}

void HttpClient::Impl::fail_later(Request& req, std::string error) {
    if (req.easy) {
        curl_easy_cleanup(req.easy);
        req.easy = nullptr;
    }
    req.result = HttpResult{};
    req.result.error = std::move(error);
    failed.push_back(req.id);
    timeval now{0, 0};
    evtimer_add(deferred, &now);
}

HttpClient::HttpClient(event_base* base) : HttpClient(base, Options{}) {}

HttpClient::HttpClient(event_base* base, Options options)
    : impl_(std::make_unique<Impl>(base, std::move(options))) {
    global_init_once();
    impl_->multi = curl_multi_init();
    impl_->timer = evtimer_new(base, &Impl::on_timeout, impl_.get());
    impl_->deferred = evtimer_new(base, &Impl::on_deferred, impl_.get());
    curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
    curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETDATA, impl_.get());
    curl_multi_setopt(impl_->multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer_change);
    curl_multi_setopt(impl_->multi, CURLMOPT_TIMERDATA, impl_.get());
}

HttpClient::~HttpClient() {
    for (auto& [id, req] : impl_->requests) {
        if (req->easy) curl_multi_remove_handle(impl_->multi, req->easy);
    }
    impl_->requests.clear();
    curl_multi_cleanup(impl_->multi);
    // Sockets of cached connections that libcurl did not tell us to forget.
    for (SocketWatch* watch : impl_->watches) {
        event_free(watch->ev);
        delete watch;
    }
    event_free(impl_->timer);
    event_free(impl_->deferred);
}

HttpClient::RequestId HttpClient::post_json(const std::string& url, std::string body,
                                            const HttpHeaders& headers, long timeout_ms,
                                            HttpCallback callback) {
    auto req = std::make_unique<Request>();
    req->id = impl_->next_id++;
    req->body = std::move(body);
    req->max_body = impl_->options.max_body;
    req->callback = std::move(callback);
    Request& r = *req;
    impl_->requests.emplace(r.id, std::move(req));

    r.easy = curl_easy_init();
    if (!r.easy) {
        impl_->fail_later(r, "cannot create a libcurl handle");
        return r.id;
    }
    r.headers = curl_slist_append(r.headers, "Content-Type: application/json");
    r.headers = curl_slist_append(r.headers, "Expect:");  // no 100-continue round trip
    for (const auto& [name, value] : headers) {
        // A CR or LF would let a value smuggle in more headers.
        std::string line = without_crlf(name) + ": " + without_crlf(value);
        r.headers = curl_slist_append(r.headers, line.c_str());
    }
    CURL* e = r.easy;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r.headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, impl_->options.user_agent.c_str());
    if (timeout_ms > 0) curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r.errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE,
                     reinterpret_cast<char*>(static_cast<std::uintptr_t>(r.id)));
    CURLMcode mc = curl_multi_add_handle(impl_->multi, e);
    if (mc != CURLM_OK) impl_->fail_later(r, curl_multi_strerror(mc));
    return r.id;
}

bool HttpClient::cancel(RequestId id) {
    auto it = impl_->requests.find(id);
    if (it == impl_->requests.end()) return false;
    std::unique_ptr<Request> req = std::move(it->second);
    impl_->requests.erase(it);
    if (req->easy) curl_multi_remove_handle(impl_->multi, req->easy);
    return true;
}

std::size_t HttpClient::in_flight() const { return impl_->requests.size(); }

}  // namespace net
