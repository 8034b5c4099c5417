// The publishing run of rtmp-probe. See publish_run.h.
#include "probe/publish_run.h"

#include <event2/event.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <memory>
#include <ostream>

#include "net/timeval.h"
#include "probe/connection.h"
#include "probe/flv_source.h"
#include "probe/report.h"
#include "util/text_escape.h"

namespace probe {

namespace {

// Bytes queued for the server beyond which pacing waits (a slow server must not make us
// buffer the whole file).
constexpr std::size_t kMaxQueued = 8 << 20;

class PublishRun : public ConnectionHandler {
public:
    PublishRun(const PublishRunOptions& o, std::ostream& out, std::ostream& err,
               std::vector<media::FlvTag> tags)
        : o_(o), out_(out), err_(err), base_(event_base_new()), buffer_(64 * 1024),
          session_(o.config, secure_random()), conn_(base_, session_, *this, buffer_),
          source_(std::move(tags), o.loop) {}
    ~PublishRun() {
        for (event* e : {timer_, sigint_, sigterm_})
            if (e) event_free(e);
        conn_.close();
        event_base_free(base_);
    }

    int run() {
        auto addr = resolve(o_.host, o_.port);
        if (!addr) {
            err_ << "rtmp-probe: " << addr.error().message << "\n";
            return exit_code(addr.error().code);
        }
        start_ = monotonic_ms();
        timer_ = evtimer_new(base_, &PublishRun::on_timer, this);
        sigint_ = evsignal_new(base_, SIGINT, &PublishRun::on_signal, this);
        sigterm_ = evsignal_new(base_, SIGTERM, &PublishRun::on_signal, this);
        event_add(sigint_, nullptr);
        event_add(sigterm_, nullptr);
        arm(std::uint64_t(o_.timeout_s * 1000));
        if (o_.tls) conn_.use_tls(*o_.tls);
        conn_.open(std::move(*addr));
        if (!done_) event_base_dispatch(base_);
        return report();
    }

    void on_progress(Connection&, std::uint64_t now) override {
        if (done_) return;
        if (session_.active() && !publishing_from_) {
            publishing_from_ = now;
            pump(now);
        }
    }

    void on_closed(Connection&, const ProbeError& why, std::uint64_t) override {
        if (finishing_) why_closed_ok();
        else stop(why);
    }

private:
    void why_closed_ok() { stop(std::nullopt); }

    static void on_timer(evutil_socket_t, short, void* self) {
        auto* r = static_cast<PublishRun*>(self);
        std::uint64_t now = monotonic_ms();
        if (r->finishing_) {
            r->linger(now);
        } else if (!r->publishing_from_) {
            r->stop(ProbeError{ProbeErrc::TimedOut,
                               "timed out after " + std::to_string(now - r->start_) +
                                   " ms waiting for NetStream.Publish.Start (" +
                                   state_name(r->session_.state()) + ")",
                               true});
        } else {
            r->pump(now);
        }
    }
    static void on_signal(evutil_socket_t, short, void* self) {
        static_cast<PublishRun*>(self)->begin_finish(monotonic_ms());
    }

    void arm(std::uint64_t delay_ms) {
        timeval tv = net::to_timeval(delay_ms);
        evtimer_add(timer_, &tv);
    }

    void pump(std::uint64_t now) {
        std::uint64_t elapsed = now - *publishing_from_;
        if (o_.duration_s && elapsed >= std::uint64_t(*o_.duration_s * 1000)) {
            begin_finish(now);
            return;
        }
        if (conn_.pending_output() < kMaxQueued) {
            out_bytes_.clear();
            source_.emit_due(elapsed, [&](std::uint8_t type, std::uint32_t ts, util::ByteView p) {
                session_.send_media(type, ts, p, out_bytes_);
            });
            conn_.send(out_bytes_);
            if (done_) return;
        }
        if (source_.finished()) {
            begin_finish(now);
            return;
        }
        std::uint64_t next = source_.next_due_ms();
        std::uint64_t wait = next > elapsed ? next - elapsed : 1;
        if (conn_.pending_output() >= kMaxQueued) wait = 10;
        arm(std::min<std::uint64_t>(wait, 100));
    }

    // Say goodbye (FCUnpublish, deleteStream) and give the bytes a moment to leave.
    void begin_finish(std::uint64_t now) {
        if (finishing_ || done_) return;
        finishing_ = true;
        finish_at_ = now;
        out_bytes_.clear();
        session_.finish(out_bytes_);
        conn_.send(out_bytes_);
        if (!done_) arm(20);
    }
    void linger(std::uint64_t now) {
        if (conn_.pending_output() == 0 && now - finish_at_ >= 200) stop(std::nullopt);
        else if (now - finish_at_ > std::uint64_t(o_.timeout_s * 1000)) stop(std::nullopt);
        else arm(20);
    }

    void stop(std::optional<ProbeError> error) {
        if (done_) return;
        done_ = true;
        end_ = monotonic_ms();
        error_ = std::move(error);
        event_base_loopbreak(base_);
    }

    int report() {
        ReportContext c;
        c.url = o_.url;
        c.now_ms = end_;
        c.error = error_;
        c.tls = conn_.tls_info();
        StreamAnalyzer none;
        auto j = report_json(session_, none, c);
        j["file"] = o_.file;
        j["published"] = {{"tags", source_.tags_sent()},
                          {"bytes", source_.bytes_sent()},
                          {"loops", source_.loops()},
                          {"last_timestamp", source_.last_timestamp()},
                          {"duration_s", publishing_from_ ? double(end_ - *publishing_from_) / 1000.0 : 0.0}};
        if (o_.json) out_ << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        else out_ << report_text(j);
        out_.flush();
        if (!error_) return kExitOk;
        err_ << "rtmp-probe: " << util::escape_text(error_->message, 1024) << "\n";  // may quote the server
        return exit_code(error_->code);
    }

    const PublishRunOptions& o_;
    std::ostream& out_;
    std::ostream& err_;
    event_base* base_;
    std::vector<std::uint8_t> buffer_;
    ClientSession session_;
    Connection conn_;
    PacedSource source_;
    event* timer_ = nullptr;
    event* sigint_ = nullptr;
    event* sigterm_ = nullptr;
    util::Bytes out_bytes_;
    std::uint64_t start_ = 0, end_ = 0, finish_at_ = 0;
    std::optional<std::uint64_t> publishing_from_;
    std::optional<ProbeError> error_;
    bool finishing_ = false, done_ = false;
};

}  // namespace

int run_publish(const PublishRunOptions& options, std::ostream& out, std::ostream& err) {
    std::ifstream in(options.file, std::ios::binary);
    if (!in) {
        err << "rtmp-probe: cannot read " << options.file << "\n";
        return exit_code(ProbeErrc::Io);
    }
    util::Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto tags = parse_flv_file(bytes);
    if (!tags) {
        err << "rtmp-probe: " << options.file << ": " << tags.error().message << "\n";
        return exit_code(tags.error().code);
    }
    auto run = std::make_unique<PublishRun>(options, out, err, std::move(*tags));
    return run->run();
}

}  // namespace probe
