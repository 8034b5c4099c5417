// The REST hook client: POSTs hook payloads to `<base_url>/<method>` on the event loop, turns the
// answers into allow/refuse decisions, and delivers status events with bounded retries.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <event2/util.h>

#include "hook/decision.h"
#include "hook/payload.h"
#include "net/curl_multi.h"

struct event_base;

namespace hook {

struct HookConfig {
    std::string base_url;         // rest_hook_url; "<base_url>/<method>" is posted to
    long timeout_ms = 5000;       // rest_request_timeout
    OnError on_error = OnError::Fail;
    std::string secret;           // rest_hook_secret; empty: requests are not signed
    std::vector<std::string> overwrite;  // rest_overwrite: fields a backend may change
    int event_retries = 3;        // extra attempts of a status event after the first one
    long retry_backoff_ms = 500;  // wait before the first retry, doubled for each next one
    std::size_t max_pending_events = 1000;  // rest_event_queue_max: more events are dropped
    // Where notify() reports events it gave up on, and Log-mode errors are reported.
    // Empty: net::logger().warn(...).
    std::function<void(const std::string&)> log;
    // Called when a request ends (not when cancelled): its method, its outcome ("allowed",
    // "refused", "error" for decisions; "delivered", "refused", "error" for each attempt of an
    // event) and how long it took. For metrics; may be empty.
    std::function<void(std::string_view method, std::string_view outcome, double seconds)> observe;
};

class HookClient : public Hooks {
public:

    HookClient(event_base* base, HookConfig config);
    // Pending decisions are dropped (their callbacks are not called); pending events too.
    ~HookClient();
    HookClient(const HookClient&) = delete;
    HookClient& operator=(const HookClient&) = delete;

    // Asks the backend whether `method` (connect, publishStream, playStream) may go on.
    // `callback` is called once, later, from the event loop, unless cancel(ticket) is called
    // first. A 2xx answer allows; any other status refuses; a timeout or transport error follows
    // config.on_error.
    Ticket authorize(std::string_view method, const json& payload,
                     DecisionCallback callback) override;

    // Forgets a pending decision (its session is gone). False when unknown or already decided.
    bool cancel(Ticket ticket) override;

    // Fire and forget (ConnectionStatusEvent, StreamStatusEvent, unPublishStream, stopStream):
    // retried after a timeout, transport error, 5xx or 429, at most config.event_retries times,
    // with exponential backoff; a 4xx is final. Giving up is logged.
    void notify(std::string_view method, const json& payload) override;

    // Events not yet delivered (sent or waiting for a retry).
    std::size_t pending_events() const;
    // Events dropped because max_pending_events were pending (a backend that is down or slow
    // must not make the server grow).
    std::uint64_t dropped_events() const { return dropped_events_; }

    const HookConfig& config() const { return config_; }

private:
    struct Event;
    std::string url_for(std::string_view method) const;
    net::HttpHeaders headers_for(const std::string& body) const;
    void send_event(Event* ev);
    void retry_later(Event* ev, const std::string& why);
    void drop_event(Event* ev);
    static void on_retry_timer(evutil_socket_t fd, short what, void* arg);
    void log(const std::string& line) const;
    void observe(std::string_view method, std::string_view outcome, double seconds) const;

    event_base* base_;
    HookConfig config_;
    net::HttpClient http_;
    std::vector<std::unique_ptr<Event>> events_;
    std::uint64_t dropped_events_ = 0;
};

// Turns an HTTP result into a decision per `config` (exposed for tests). `sent` is the request
// payload, for the overwrite rules.
Decision decide(const HookConfig& config, std::string_view method, const json& sent,
                const net::HttpResult& result);

}  // namespace hook
