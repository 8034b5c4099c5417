// REST hook client on net::HttpClient: decisions for connect/publish/play, retried status events.
#include "hook/hook_client.h"

#include <chrono>

#include <event2/event.h>

#include <algorithm>

#include "hook/signature.h"
#include "net/log.h"
#include "net/timeval.h"

namespace hook {

struct HookClient::Event {
    HookClient* owner = nullptr;
    std::string method;
    std::string body;
    int attempts = 0;  // sent so far
    Ticket in_flight = 0;
    event* timer = nullptr;
};

namespace {

constexpr std::size_t kReasonMax = 200;
constexpr const char* kBackendUnavailable = "authorization backend unavailable";

// One printable line of at most kReasonMax bytes: it ends up in a log line and in an RTMP
// error description that ffmpeg prints.
std::string one_line(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\r' || c == '\n') {
            if (!out.empty()) break;
            continue;
        }
        unsigned char u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7F) ? ' ' : c;
        if (out.size() >= kReasonMax) break;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

// A refusal's reason: a JSON body's "reason"/"message"/"error" string, else the body's first
// line, else the status line.
std::string refusal_reason(const net::HttpResult& r) {
    json body = json::parse(r.body, nullptr, false);
    if (!body.is_discarded() && body.is_object()) {
        for (const char* key : {"reason", "message", "error"}) {
            auto it = body.find(key);
            if (it != body.end() && it->is_string()) {
                std::string text = one_line(it->get<std::string>());
                if (!text.empty()) return text;
            }
        }
    }
    std::string text = one_line(r.body);
    if (!text.empty() && !(body.is_object() || body.is_array())) return text;
    std::string line = "HTTP " + std::to_string(r.status);
    if (!r.reason.empty()) line += " " + one_line(r.reason);
    return line;
}

bool retryable(const net::HttpResult& r) {
    return !r.error.empty() || r.status >= 500 || r.status == 429;
}

}  // namespace

Decision decide(const HookConfig& config, std::string_view method, const json& sent,
                const net::HttpResult& result) {
    Decision d;
    d.status = result.status;
    if (!result.error.empty()) {
        d.backend_error = true;
        d.allowed = config.on_error == OnError::Log;
        d.reason = "hook " + std::string(method) + ": " +
                   (result.timed_out
                        ? "no answer within " + std::to_string(config.timeout_ms) + " ms"
                        : one_line(result.error));
        d.client_reason = kBackendUnavailable;
        return d;
    }
    if (result.status >= 200 && result.status < 300) {
        d.allowed = true;
        d.reason = "HTTP " + std::to_string(result.status);
        Overwrite ow = apply_overwrite(sent, config.overwrite, result.body);
        d.overwritten_fields = std::move(ow.fields);
        d.wrong_type_fields = std::move(ow.wrong_type);
        return d;
    }
    d.allowed = false;
    d.reason = refusal_reason(result);
    // A 4xx is the backend's answer to this client; a 5xx is the backend failing (or a proxy
    // before it): its text may name internals.
    d.client_reason = result.status >= 400 && result.status < 500 ? d.reason : kBackendUnavailable;
    return d;
}

HookClient::HookClient(event_base* base, HookConfig config)
    : base_(base), config_(std::move(config)), http_(base) {
    while (!config_.base_url.empty() && config_.base_url.back() == '/') {
        config_.base_url.pop_back();
    }
}

HookClient::~HookClient() {
    for (auto& ev : events_) {
        if (ev->timer) event_free(ev->timer);
    }
    // http_ goes after this and drops what is in flight without calling back.
}

std::string HookClient::url_for(std::string_view method) const {
    return config_.base_url + "/" + std::string(method);
}

net::HttpHeaders HookClient::headers_for(const std::string& body) const {
    net::HttpHeaders headers;
    if (!config_.secret.empty()) {
        headers.emplace_back(kSignatureHeader, signature_value(config_.secret, body));
    }
    return headers;
}

void HookClient::observe(std::string_view method, std::string_view outcome, double seconds) const {
    if (config_.observe) config_.observe(method, outcome, seconds);
}

void HookClient::log(const std::string& line) const {
    if (config_.log) {
        config_.log(line);
    } else {
        net::logger().warn(line);
    }
}

HookClient::Ticket HookClient::authorize(std::string_view method, const json& payload,
                                         DecisionCallback callback) {
    std::string body = to_body(payload);
    std::string name(method);
    auto headers = headers_for(body);
    // The payload is kept for the overwrite rules; the callback owns its copy.
    const auto started = std::chrono::steady_clock::now();
    return http_.post_json(
        url_for(method), std::move(body), headers, config_.timeout_ms,
        [this, name, started, sent = payload, cb = std::move(callback)](net::HttpResult r) {
            Decision d = decide(config_, name, sent, r);
            observe(name, d.backend_error ? "error" : d.allowed ? "allowed" : "refused",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                        .count());
            if (d.backend_error && d.allowed) log(d.reason + " (allowed: rest_on_error is LOG)");
            if (cb) cb(std::move(d));
        });
}

bool HookClient::cancel(Ticket ticket) { return http_.cancel(ticket); }

void HookClient::notify(std::string_view method, const json& payload) {
    if (events_.size() >= config_.max_pending_events) {
        // Log the first drop and then every 100th, not every event.
        if (dropped_events_++ % 100 == 0)
            log("hook " + std::string(method) + ": " + std::to_string(events_.size()) +
                " events already pending, event dropped (" + std::to_string(dropped_events_) +
                " dropped so far)");
        return;
    }
    auto ev = std::make_unique<Event>();
    ev->owner = this;
    ev->method = std::string(method);
    ev->body = to_body(payload);
    Event* raw = ev.get();
    events_.push_back(std::move(ev));
    send_event(raw);
}

std::size_t HookClient::pending_events() const { return events_.size(); }

void HookClient::send_event(Event* ev) {
    ++ev->attempts;
    const auto started = std::chrono::steady_clock::now();
    ev->in_flight = http_.post_json(
        url_for(ev->method), ev->body, headers_for(ev->body), config_.timeout_ms,
        [this, ev, started](net::HttpResult r) {
            ev->in_flight = 0;
            const double took =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            if (r.error.empty() && r.status >= 200 && r.status < 300) {
                observe(ev->method, "delivered", took);
                return drop_event(ev);
            }
            observe(ev->method, retryable(r) ? "error" : "refused", took);
            std::string why = r.error.empty() ? refusal_reason(r) : one_line(r.error);
            if (!retryable(r)) {
                log("hook " + ev->method + ": refused (" + why + "), not retried");
                return drop_event(ev);
            }
            retry_later(ev, why);
        });
}

void HookClient::retry_later(Event* ev, const std::string& why) {
    if (ev->attempts > config_.event_retries) {
        log("hook " + ev->method + ": gave up after " + std::to_string(ev->attempts) +
            " attempts (" + why + ")");
        return drop_event(ev);
    }
    long delay = config_.retry_backoff_ms;
    for (int i = 1; i < ev->attempts && delay < 60000; ++i) delay *= 2;
    delay = std::min(delay, 60000L);
    if (!ev->timer) ev->timer = evtimer_new(base_, &HookClient::on_retry_timer, ev);
    timeval tv = net::to_timeval(delay);
    evtimer_add(ev->timer, &tv);
}

void HookClient::on_retry_timer(evutil_socket_t, short, void* arg) {
    auto* ev = static_cast<Event*>(arg);
    try {
        ev->owner->send_event(ev);
    } catch (const std::exception& e) {
        // The loop boundary: this event is given up, the server keeps serving.
        ev->owner->log("hook " + ev->method + ": internal error on retry (" + e.what() + ")");
        ev->owner->drop_event(ev);
    }
}

void HookClient::drop_event(Event* ev) {
    auto it = std::find_if(events_.begin(), events_.end(),
                           [ev](const std::unique_ptr<Event>& e) { return e.get() == ev; });
    if (it == events_.end()) return;
    if (ev->timer) event_free(ev->timer);
    if (ev->in_flight) http_.cancel(ev->in_flight);
    events_.erase(it);
}

}  // namespace hook
