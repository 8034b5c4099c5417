// A server session without sockets, for the unit tests and the whole-session fuzz target: a
// transport in memory, a host with a fake clock and one registry, a hook backend that answers
// when told.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/session.h"

namespace server_harness {

using server::Session;

// A hook backend that answers when the test says so.
struct ScriptedHooks : hook::Hooks {
    struct Request {
        std::string method;
        hook::json payload;
        DecisionCallback callback;
        Ticket ticket;
    };
    std::vector<Request> waiting;
    std::vector<std::pair<std::string, hook::json>> events;
    Ticket next = 1;
    Ticket authorize(std::string_view method, const hook::json& payload, DecisionCallback cb) override {
        waiting.push_back({std::string(method), payload, std::move(cb), next});
        return next++;
    }
    bool cancel(Ticket t) override {
        return std::erase_if(waiting, [t](const Request& r) { return r.ticket == t; }) > 0;
    }
    void notify(std::string_view method, const hook::json& payload) override {
        events.emplace_back(std::string(method), payload);
    }
    // Answers the oldest request.
    bool decide(bool allowed, hook::json overwritten = hook::json::object()) {
        if (waiting.empty()) return false;
        Request r = std::move(waiting.front());
        waiting.erase(waiting.begin());
        hook::Decision d;
        d.allowed = allowed;
        d.status = allowed ? 200 : 403;
        d.reason = allowed ? "" : "HTTP 403 Forbidden";
        d.client_reason = allowed ? "" : "not you";
        d.overwritten_fields = std::move(overwritten);
        r.callback(d);
        return true;
    }
    bool has_event(std::string_view method, std::string_view status = "") const {
        for (const auto& [m, p] : events)
            if (m == method && (status.empty() || p.value("status", "") == status)) return true;
        return false;
    }
};

struct TestHost : server::SessionHost {
    long long now = 1'000'000;
    server::Registry reg{server::StreamSettings{}};
    ScriptedHooks* scripted = nullptr;
    std::string node = "test-node";
    server::ServerStats counters;
    std::vector<std::string> started, ended;
    server::SessionTotals all_ended;
    long long now_ms() const override { return now; }
    server::Registry& registry() override { return reg; }
    hook::Hooks* hooks() override { return scripted; }
    const std::string& node_id() const override { return node; }
    server::ServerStats& stats() override { return counters; }
    void publication_started(server::Stream& s, const std::string&, bool) override {
        started.push_back(s.key());
    }
    void publication_ended(server::Stream& s) override { ended.push_back(s.key()); }
    bool recording(const server::StreamKey&) const override { return false; }
    void session_ended(const server::SessionTotals& t) override { all_ended += t; }
};

// The transport in memory: what the session wrote is the wire; the peer takes it when the test
// pumps (or never, for a stalled peer).
struct MemoryIo : server::SessionIo {
    util::Bytes wire;
    std::size_t taken = 0;
    std::size_t shared_appends = 0;
    bool reading = true;
    bool player = false;
    bool done = false;
    int flushes_now = 0;
    std::optional<long long> deadline;
    Session* session = nullptr;

    void write(util::ByteView b) override { wire.insert(wire.end(), b.begin(), b.end()); }
    void write_shared(net::SharedBytes& c, std::size_t offset) override {
        ++shared_appends;
        wire.insert(wire.end(), c.bytes().begin() + std::ptrdiff_t(offset), c.bytes().end());
    }
    std::size_t unsent() const override { return wire.size() - taken; }
    bool all_sent() const override { return unsent() == 0; }
    std::size_t unread() const override { return 0; }
    void enter_player_output() override { player = true; }
    void flush(bool now) override { flushes_now += now; }
    void set_reading(bool on) override { reading = on; }
    void set_deadline(std::optional<long long> at) override { deadline = at; }
    void finished() override { done = true; }
    std::optional<net::TlsSessionInfo> tls_info() const override { return std::nullopt; }

    // The bytes the peer has not taken yet; they count as sent.
    util::Bytes take_all() {
        util::Bytes out(wire.begin() + std::ptrdiff_t(taken), wire.end());
        taken = wire.size();
        if (session && !out.empty()) session->on_sent(out.size());
        return out;
    }
};

}  // namespace server_harness
