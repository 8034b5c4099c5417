// The load run of rtmp-probe. See load_run.h.
#include "probe/load_run.h"

#include <event2/event.h>

#include <csignal>
#include <memory>
#include <ostream>

#include "probe/connection.h"
#include "probe/load_stats.h"
#include "probe/report.h"

namespace probe {

namespace {

// One player that only counts. The first media message's arrival gives its latency.
class LoadClient : public SessionListener, public ConnectionHandler {
public:
    LoadClient(event_base* base, const ClientConfig& config, std::vector<std::uint8_t>& buffer)
        : session_(config, secure_random(), this), conn_(base, session_, *this, buffer) {}

    void open(const std::vector<SocketAddress>& addresses, std::uint64_t now,
              const std::optional<TlsClient>& tls) {
        opened_at_ = now;
        if (tls) conn_.use_tls(*tls);
        conn_.open(addresses);
    }
    void on_message(const rtmp::Message& m, std::uint64_t now) override {
        if (m.type != 8 && m.type != 9) return;
        (m.type == 9 ? video_frames : audio_frames)++;
        media_bytes += m.payload.size();
        if (first_frame_ms < 0) first_frame_ms = double(now - opened_at_);
    }
    void on_progress(Connection&, std::uint64_t) override {}
    void on_closed(Connection&, const ProbeError& why, std::uint64_t) override {
        if (!failure) failure = why;
    }
    void fail(ProbeError why) {
        if (!failure) failure = std::move(why);
        conn_.close();
    }
    void close() { conn_.close(); }

    ClientSession session_;
    Connection conn_;
    std::uint64_t opened_at_ = 0;
    std::uint64_t video_frames = 0, audio_frames = 0, media_bytes = 0;
    double first_frame_ms = -1;
    std::optional<ProbeError> failure;
};

class LoadRun {
public:
    LoadRun(const LoadRunOptions& o, std::ostream& out, std::ostream& err)
        : o_(o), out_(out), err_(err), base_(event_base_new()), buffer_(256 * 1024) {}
    ~LoadRun() {
        clients_.clear();
        for (event* e : {timeout_, end_, sigint_, sigterm_})
            if (e) event_free(e);
        event_base_free(base_);
    }

    int run() {
        auto addr = resolve(o_.host, o_.port);
        if (!addr) {
            err_ << "rtmp-probe: " << addr.error().message << "\n";
            return exit_code(addr.error().code);
        }
        start_ = monotonic_ms();
        for (unsigned i = 0; i < o_.clients; ++i) {
            clients_.push_back(std::make_unique<LoadClient>(base_, o_.config, buffer_));
            clients_.back()->open(*addr, start_, o_.tls);
        }
        timeout_ = evtimer_new(base_, &LoadRun::on_timeout, this);
        end_ = evtimer_new(base_, &LoadRun::on_end, this);
        sigint_ = evsignal_new(base_, SIGINT, &LoadRun::on_end, this);
        sigterm_ = evsignal_new(base_, SIGTERM, &LoadRun::on_end, this);
        add(timeout_, o_.timeout_s);
        add(end_, o_.duration_s);
        event_add(sigint_, nullptr);
        event_add(sigterm_, nullptr);
        event_base_dispatch(base_);
        return summarise();
    }

private:
    static void add(event* ev, double seconds) {
        timeval tv{time_t(seconds), suseconds_t((seconds - double(time_t(seconds))) * 1e6)};
        evtimer_add(ev, &tv);
    }
    static void on_timeout(evutil_socket_t, short, void* self) {
        auto* r = static_cast<LoadRun*>(self);
        for (auto& c : r->clients_)
            if (!c->session_.active())
                c->fail({ProbeErrc::TimedOut, "not playing after the timeout", true});
    }
    static void on_end(evutil_socket_t, short, void* self) {
        auto* r = static_cast<LoadRun*>(self);
        r->end_at_ = monotonic_ms();
        event_base_loopbreak(r->base_);
    }

    int summarise() {
        if (!end_at_) end_at_ = monotonic_ms();
        LoadSummary s;
        s.clients = clients_.size();
        s.duration_s = double(end_at_ - start_) / 1000.0;
        for (auto& c : clients_) {
            bool played = c->session_.times().active.has_value();
            if (played) ++s.connected;
            if (c->first_frame_ms >= 0) {
                ++s.receiving;
                s.first_frame_ms.push_back(c->first_frame_ms);
            }
            if (c->failure) ++s.failures[std::string(errc_name(c->failure->code))];
            else if (!played) ++s.failures[std::string(errc_name(ProbeErrc::TimedOut))];
            s.socket_bytes += c->conn_.socket_bytes_read();
            s.media_bytes += c->media_bytes;
            s.video_frames += c->video_frames;
            s.audio_frames += c->audio_frames;
            c->close();
        }
        nlohmann::ordered_json j;
        j["url"] = o_.url;
        j["mode"] = "load";
        auto summary = s.to_json();
        for (auto& [k, v] : summary.items()) j[k] = v;
        j["result"] = s.failed() == 0 ? "ok" : "failures";
        if (o_.json) out_ << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        else out_ << report_text(j);
        out_.flush();
        if (s.failed() == 0) return kExitOk;
        err_ << "rtmp-probe: " << s.failed() << " of " << s.clients << " sessions failed\n";
        return kExitLoadFailures;
    }

    const LoadRunOptions& o_;
    std::ostream& out_;
    std::ostream& err_;
    event_base* base_;
    std::vector<std::uint8_t> buffer_;
    std::vector<std::unique_ptr<LoadClient>> clients_;
    event* timeout_ = nullptr;
    event* end_ = nullptr;
    event* sigint_ = nullptr;
    event* sigterm_ = nullptr;
    std::uint64_t start_ = 0, end_at_ = 0;
};

}  // namespace

int run_load(const LoadRunOptions& options, std::ostream& out, std::ostream& err) {
    auto run = std::make_unique<LoadRun>(options, out, err);
    return run->run();
}

}  // namespace probe
