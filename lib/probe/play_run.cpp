// The single-player run of rtmp-probe: connect, play, analyse, report. See play_run.h.
#include "probe/play_run.h"

#include <event2/event.h>

#include <cstdio>
#include <csignal>
#include <memory>
#include <ostream>

#include "probe/chunk_trace.h"
#include "probe/connection.h"
#include "probe/flv_record.h"
#include "probe/message_json.h"
#include "probe/report.h"
#include "probe/stream_analyzer.h"
#include "util/text_escape.h"

namespace probe {

namespace {

constexpr std::size_t kHandshakeBytes = 1 + 1536 + 1536;  // S0 S1 S2
constexpr int kTickMs = 20;

class PlayRun : public ConnectionHandler, public SessionListener {
public:
    PlayRun(const PlayRunOptions& o, std::ostream& out, std::ostream& err)
        : o_(o), out_(out), err_(err), base_(event_base_new()), buffer_(256 * 1024),
          session_(o.config, secure_random(), this),
          conn_(base_, session_, *this, buffer_) {}
    ~PlayRun() {
        if (tick_) event_free(tick_);
        if (sigint_) event_free(sigint_);
        if (sigterm_) event_free(sigterm_);
        conn_.close();
        if (file_) std::fclose(file_);
        event_base_free(base_);
    }

    int run() {
        if (!o_.output_path.empty()) {
            file_ = std::fopen(o_.output_path.c_str(), "wb");
            if (!file_) return finish_now(ProbeError{ProbeErrc::Io, "cannot write " + o_.output_path});
            util::Bytes header;
            append_flv_header(header);
            std::fwrite(header.data(), 1, header.size(), file_);
        }
        auto addr = resolve(o_.host, o_.port);
        if (!addr) return finish_now(addr.error());
        start_ = monotonic_ms();
        last_read_ = start_;
        tick_ = event_new(base_, -1, EV_PERSIST, &PlayRun::on_tick, this);
        timeval tv{0, kTickMs * 1000};
        event_add(tick_, &tv);
        sigint_ = evsignal_new(base_, SIGINT, &PlayRun::on_signal, this);
        sigterm_ = evsignal_new(base_, SIGTERM, &PlayRun::on_signal, this);
        event_add(sigint_, nullptr);
        event_add(sigterm_, nullptr);
        if (o_.trace) {
            err_ << "trace: connecting to " << o_.host << ":" << o_.port << ", C0+C1 ("
                 << (o_.config.digest_handshake ? "digest" : "simple") << " scheme)\n";
            conn_.on_read_bytes = [this](util::ByteView data) { trace_bytes(data); };
        }
        if (o_.tls) conn_.use_tls(*o_.tls);
        conn_.open(std::move(*addr));
        if (!done_) event_base_dispatch(base_);
        return report();
    }

    void on_message(const rtmp::Message& m, std::uint64_t now_ms) override {
        analyzer_.on_message(m, now_ms);
        if (o_.show_messages) out_ << message_json(m, now_ms - start_).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        if (file_) {
            record_.clear();
            if (append_flv_tag(m, record_)) std::fwrite(record_.data(), 1, record_.size(), file_);
        }
    }

    void on_state(SessionState state, std::uint64_t now_ms) override {
        if (!o_.trace) return;
        err_ << "trace: +" << now_ms - start_ << "ms state " << state_name(state) << "\n";
        if (state == SessionState::Connecting) {
            const auto& h = session_.handshake();
            std::uint32_t v = h.server_version();
            err_ << "trace: S0S1S2 received: server version " << (v >> 24) << "."
                 << ((v >> 16) & 255) << "." << ((v >> 8) & 255) << "." << (v & 255)
                 << ", S1 digest " << (h.s1_digest_valid() ? "valid" : "absent/invalid")
                 << ", S2 signature " << (h.s2_signature_valid() ? "valid" : "not checked/invalid")
                 << "; C2 sent; connect sent (app '" << o_.config.app << "', tcUrl '"
                 << o_.config.tc_url << "')\n";
        }
    }

    void on_progress(Connection&, std::uint64_t now_ms) override {
        last_read_ = now_ms;
        check(now_ms);
    }

    void on_closed(Connection&, const ProbeError& why, std::uint64_t now_ms) override {
        if (done_) return;
        // A server that ends the stream and closes after the report was ready is no failure.
        if (ready_at_ && why.code == ProbeErrc::Protocol && !session_.failure()) {
            stop(now_ms, std::nullopt);
            return;
        }
        stop(now_ms, why);
    }

private:
    static void on_tick(evutil_socket_t, short, void* self) {
        auto* r = static_cast<PlayRun*>(self);
        r->check(monotonic_ms());
    }
    static void on_signal(evutil_socket_t, short, void* self) {
        auto* r = static_cast<PlayRun*>(self);
        std::uint64_t now = monotonic_ms();
        r->stop(now, r->ready_at_ ? std::nullopt
                                  : std::optional<ProbeError>(ProbeError{
                                        ProbeErrc::TimedOut, "interrupted before the report was ready", true}));
    }

    void check(std::uint64_t now) {
        if (done_) return;
        std::uint64_t timeout_ms = std::uint64_t(o_.timeout_s * 1000);
        if (!ready_at_ && session_.active() && analyzer_.ready()) ready_at_ = now;
        if (!ready_at_) {
            if (session_.active() && session_.stream_ended()) {
                stop(now, ProbeError{ProbeErrc::Protocol,
                                     "the stream ended before " + analyzer_.waiting_for() +
                                         " arrived", true});
            } else if (now - start_ >= timeout_ms) {
                std::string what = !session_.active() ? std::string(state_name(session_.state()))
                                                      : analyzer_.waiting_for();
                stop(now, ProbeError{ProbeErrc::TimedOut,
                                     "timed out after " + std::to_string(now - start_) +
                                         " ms waiting for " + what, true});
            }
            return;
        }
        if (!o_.duration_s) {
            stop(now, std::nullopt);
            return;
        }
        std::uint64_t end = *session_.times().active + std::uint64_t(*o_.duration_s * 1000);
        if (now >= end || session_.stream_ended()) {
            stop(now, std::nullopt);
        } else if (now - last_read_ >= timeout_ms) {
            stop(now, ProbeError{ProbeErrc::TimedOut,
                                 "nothing received for " + std::to_string(now - last_read_) + " ms",
                                 true});
        }
    }

    void stop(std::uint64_t now, std::optional<ProbeError> error) {
        if (done_) return;
        done_ = true;
        end_ = now;
        error_ = std::move(error);
        if (conn_.is_open()) {
            util::Bytes bye;
            session_.finish(bye);
            conn_.send(bye);
        }
        event_base_loopbreak(base_);
    }

    int finish_now(const ProbeError& e) {
        err_ << "rtmp-probe: " << util::escape_text(e.message, 1024) << "\n";
        return exit_code(e.code);
    }

    int report() {
        ReportContext c;
        c.url = o_.url;
        c.now_ms = end_;
        if (o_.duration_s && session_.times().active) c.measure_from_ms = *session_.times().active;
        c.error = error_;
        c.tls = conn_.tls_info();
        auto j = report_json(session_, analyzer_, c);
        if (o_.json) out_ << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        else out_ << report_text(j);
        out_.flush();
        if (file_) std::fflush(file_);
        if (!error_) return kExitOk;
        err_ << "rtmp-probe: " << util::escape_text(error_->message, 1024) << "\n";  // may quote the server
        return exit_code(error_->code);
    }

    void trace_bytes(util::ByteView data) {
        if (handshake_seen_ < kHandshakeBytes) {
            std::size_t n = std::min(kHandshakeBytes - handshake_seen_, data.size());
            handshake_seen_ += n;
            data = data.subspan(n);
        }
        if (data.empty()) return;
        tracer_.feed(data, [this](const ChunkTrace& t) {
            err_ << "trace: +" << monotonic_ms() - start_ << "ms " << describe(t) << "\n";
        });
    }

    const PlayRunOptions& o_;
    std::ostream& out_;
    std::ostream& err_;
    event_base* base_;
    std::vector<std::uint8_t> buffer_;
    ClientSession session_;
    Connection conn_;
    StreamAnalyzer analyzer_;
    ChunkTracer tracer_;
    std::size_t handshake_seen_ = 0;
    event* tick_ = nullptr;
    event* sigint_ = nullptr;
    event* sigterm_ = nullptr;
    std::FILE* file_ = nullptr;
    util::Bytes record_;
    std::uint64_t start_ = 0, end_ = 0, last_read_ = 0;
    std::optional<std::uint64_t> ready_at_;
    std::optional<ProbeError> error_;
    bool done_ = false;
};

}  // namespace

int run_play(const PlayRunOptions& options, std::ostream& out, std::ostream& err) {
    auto run = std::make_unique<PlayRun>(options, out, err);
    return run->run();
}

}  // namespace probe
