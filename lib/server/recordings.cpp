// Recordings on the event loop: recorders, the writer thread's results, logs and hook events
// (see recordings.h).
#include "server/recordings.h"

#include <limits>

#include "hook/payload.h"
#include "net/log.h"
#include "server/server.h"

namespace server {

Recordings::Recordings(Server& server) : server_(server) {
    reap_ = event_new(server_.base(), -1, 0, &Recordings::on_reap, this);
}

Recordings::~Recordings() {
    for (auto& [key, recorder] : active_) {
        recorder->stop();
        if (Stream* s = server_.find_stream(key)) s->detach_recorder();
    }
    active_.clear();
    retired_.clear();
    // The loop no longer runs: its watch goes first, then the writer finishes what is queued.
    if (writer_event_) event_free(writer_event_);
    writer_.reset();
    if (reap_) event_free(reap_);
}

long long Recordings::now_ms() const { return server_.now_ms(); }

void Recordings::publication_started(Stream& stream, const std::string& media_session_id,
                                     bool record) {
    publications_[stream.id()] = Publication{stream.id(), media_session_id};
    if (record) start(stream.id(), "published");
}

void Recordings::publication_ended(Stream& stream) {
    // A publisher that comes back within unpublish_notify_delay is seamless for players, but it
    // gets a recording (a file) of its own: a file holds one publisher's headers and timestamps
    // and belongs to one mediaSessionId, so each file plays on its own and each
    // RecordingStatusEvent names the publication it recorded.
    stop(stream.id(), "unpublished");
    publications_.erase(stream.id());
}

bool Recordings::ensure_writer() {
    if (writer_) return true;
    try {
        writer_ = std::make_unique<record::FileWriter>();
    } catch (const std::exception& e) {
        net::logger().error("recording: cannot start the writer thread", {{"error", e.what()}});
        return false;
    }
    writer_event_ = event_new(server_.base(), writer_->event_fd(), EV_READ | EV_PERSIST,
                              &Recordings::on_writer_events, this);
    event_add(writer_event_, nullptr);
    return true;
}

Recordings::Start Recordings::start(const StreamKey& key, const std::string& why) {
    if (active_.count(key)) return Start::AlreadyRecording;
    auto pub = publications_.find(key);
    Stream* stream = server_.find_stream(key);
    if (pub == publications_.end() || !stream || !stream->has_publisher()) return Start::NoPublisher;
    if (!ensure_writer()) return Start::Failed;
    const auto config = server_.config();
    RecorderSettings settings;
    settings.path_template = config->record_path;
    settings.limits.max_duration_ms = std::uint32_t(std::min<long long>(
        config->record_max_duration.count(), std::numeric_limits<std::uint32_t>::max()));
    settings.limits.max_bytes = std::uint64_t(config->record_max_size);
    auto owned = std::make_unique<Recorder>(*this, pub->second, settings, now_ms());
    Recorder& recorder = *owned;
    active_.emplace(key, std::move(owned));
    stream->attach_recorder(&recorder);
    net::logger().info("recording started", {{"stream", key.text()},
                                             {"reason", why},
                                             {"record_path", settings.path_template}});
    // Started mid-publication: from the GOP cache's keyframe, with the current headers.
    stream->replay_to(recorder);
    return Start::Started;
}

bool Recordings::stop(const StreamKey& key, const std::string& why) {
    auto it = active_.find(key);
    if (it == active_.end()) return false;
    Recorder& recorder = *it->second;
    recorder.stop();
    net::logger().info("recording stopped", {{"stream", key.text()}, {"reason", why}});
    detach(recorder);
    return true;
}

void Recordings::stop_all(const std::string& why) {
    std::vector<StreamKey> keys;
    for (const auto& [key, recorder] : active_) keys.push_back(key);
    for (const auto& key : keys) stop(key, why);
}

void Recordings::retire(Recorder& recorder, const std::string& why) {
    net::logger().warn("recording stopped", {{"stream", recorder.publication().stream.text()},
                                             {"reason", why}});
    detach(recorder);
}

void Recordings::detach(Recorder& recorder) {
    const StreamKey key = recorder.publication().stream;
    if (Stream* s = server_.find_stream(key)) s->detach_recorder();
    auto it = active_.find(key);
    if (it == active_.end() || it->second.get() != &recorder) return;
    retired_.push_back(std::move(it->second));
    active_.erase(it);
    event_active(reap_, 0, 0);
}

void Recordings::on_reap(evutil_socket_t, short, void* self) {
    static_cast<Recordings*>(self)->retired_.clear();
}

bool Recordings::idle() const {
    return active_.empty() && files_.empty() && (!writer_ || writer_->idle());
}

bool Recordings::recording(const StreamKey& key) const {
    auto it = active_.find(key);
    return it != active_.end() && !it->second->stopped();
}

std::optional<RecordingReport> Recordings::report(const StreamKey& key) const {
    if (!recording(key)) return std::nullopt;
    return active_.at(key)->report();
}

std::vector<RecordingReport> Recordings::reports() const {
    std::vector<RecordingReport> out;
    for (const auto& [key, recorder] : active_)
        if (!recorder->stopped()) out.push_back(recorder->report());
    return out;
}

record::FileId Recordings::open_file(const Publication& publication, const std::string& path) {
    const auto max = std::size_t(server_.config()->record_queue_max_bytes);
    const record::FileId id = writer_->open(path, max);
    files_[id] = FileContext{publication, path, {}, {}};
    return id;
}

record::Queued Recordings::append(record::FileId file, util::Bytes bytes) {
    return writer_->append(file, std::move(bytes));
}

std::size_t Recordings::queued_bytes(record::FileId file) const { return writer_->queued_bytes(file); }

void Recordings::finish_file(record::FileId file, const record::FileSummary& summary,
                             std::string failure) {
    auto it = files_.find(file);
    if (it == files_.end()) return;  // it failed: there is nothing to finish
    it->second.summary = summary;
    it->second.failure = std::move(failure);
    writer_->finish(file, record::metadata_patches(summary));
}

void Recordings::on_writer_events(evutil_socket_t, short, void* self) {
    auto* r = static_cast<Recordings*>(self);
    try {
        r->writer_events();
    } catch (const std::exception& e) {
        net::logger().error("recording: error while handling the writer's results",
                            {{"error", e.what()}});
    }
}

void Recordings::writer_events() {
    for (const record::WriterEvent& e : writer_->take_events()) {
        auto it = files_.find(e.file);
        if (it == files_.end()) continue;
        const StreamKey key = it->second.publication.stream;
        auto active = active_.find(key);
        Recorder* current =
            active != active_.end() && active->second->current_file() == e.file ? active->second.get()
                                                                                : nullptr;
        if (e.kind == record::WriterEvent::Kind::Opened) {
            it->second.path = e.path;
            if (current) current->file_named(e.file, e.path);
            net::logger().info("recording file opened", {{"stream", key.text()},
                                                         {"path", e.path + ".part"}});
            continue;
        }
        FileContext context = std::move(it->second);
        files_.erase(it);
        if (e.kind == record::WriterEvent::Kind::Failed && current) {
            // Failed while being written: what the writer took, as far as it is known here.
            context.summary = current->accepted();
        }
        file_done(e, context);
        if (e.kind == record::WriterEvent::Kind::Failed && current) {
            // A write error (a full disk, a directory that cannot be written) ends the
            // recording; the live stream and its players go on.
            current->stop();
            net::logger().warn("recording stopped", {{"stream", key.text()},
                                                     {"reason", "write failed: " + e.error}});
            detach(*current);
        }
    }
}

void Recordings::file_done(const record::WriterEvent& e, FileContext& context) {
    const bool write_failed = e.kind == record::WriterEvent::Kind::Failed;
    const bool failed = write_failed || !context.failure.empty();
    hook::RecordingStatus status;
    status.node_id = server_.node_id();
    status.name = context.publication.stream.name;
    status.media_session_id = context.publication.media_session_id;
    status.path = e.path;
    status.size = e.size;
    status.duration_ms = context.summary.duration_ms();
    status.first_timestamp = context.summary.first_timestamp;
    status.last_timestamp = context.summary.last_timestamp;
    status.status = failed ? "FAILED" : "FINISHED";
    status.reason = write_failed ? e.error : context.failure;
    net::LogFields fields = {{"stream", context.publication.stream.text()},
                             {"path", e.path},
                             {"bytes", std::to_string(e.size)},
                             {"duration_ms", std::to_string(status.duration_ms)}};
    ++(failed ? totals_.files_failed : totals_.files_finished);
    totals_.bytes_written += e.size;
    if (failed) {
        fields.emplace_back("reason", status.reason);
        net::logger().warn("recording file failed", fields);
    } else {
        net::logger().info("recording file finished", fields);
    }
    if (hook::HookClient* hooks = server_.hook_client())
        hooks->notify(hook::method::kRecordingStatusEvent, hook::recording_status_payload(status));
}

}  // namespace server
