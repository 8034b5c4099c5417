// The server's recordings: which publications are recorded, their recorders, the writer thread
// they share, and what comes back from it (log lines, RecordingStatusEvent hooks). Runs on the
// event loop; the writer's results arrive through its eventfd, watched by the loop.
#pragma once

#include <event2/event.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "record/file_writer.h"
#include "server/recorder.h"
#include "server/stream.h"
#include "server/stream_key.h"

namespace server {

class Server;

// Counters that never go back, for /metrics.
struct RecordingTotals {
    std::uint64_t files_finished = 0;
    std::uint64_t files_failed = 0;  // a write error, or the recording stopped early
    std::uint64_t bytes_written = 0; // of every file that ended
};

class Recordings {
public:
    explicit Recordings(Server& server);
    // Recordings still open are finished, and the writer writes all that is queued (this may
    // wait on the disk: it runs after the event loop has stopped).
    ~Recordings();
    Recordings(const Recordings&) = delete;
    Recordings& operator=(const Recordings&) = delete;

    // The publishing session: its publication began (recorded if `record`) or ended (its
    // recording, if any, is finished: a publisher that reconnects gets a new recording).
    void publication_started(Stream& stream, const std::string& media_session_id, bool record);
    void publication_ended(Stream& stream);

    enum class Start { Started, AlreadyRecording, NoPublisher, Failed };
    // Starts recording a publication now (from the GOP cache's keyframe when it has one).
    Start start(const StreamKey& key, const std::string& why);
    // Ends a recording; false when the stream is not being recorded.
    bool stop(const StreamKey& key, const std::string& why);
    // Graceful stop: every recording is finished.
    void stop_all(const std::string& why);
    // Nothing is recorded, queued or waiting to be reported: the server may exit.
    bool idle() const;

    bool recording(const StreamKey& key) const;
    std::optional<RecordingReport> report(const StreamKey& key) const;
    std::vector<RecordingReport> reports() const;
    std::size_t active() const { return active_.size(); }
    const RecordingTotals& totals() const { return totals_; }

    // For recorders.
    long long now_ms() const;
    record::FileId open_file(const Publication& publication, const std::string& path);
    record::Queued append(record::FileId file, util::Bytes bytes);
    std::size_t queued_bytes(record::FileId file) const;
    // `failure` not empty: the recording stopped early, the file's event says FAILED and why.
    void finish_file(record::FileId file, const record::FileSummary& summary, std::string failure);
    // A recorder that stopped itself: detached now, freed on the next loop turn (it may be in
    // the middle of a stream's fan-out).
    void retire(Recorder& recorder, const std::string& why);

private:
    // What the loop knows of a file until its writer's Finished or Failed event.
    struct FileContext {
        Publication publication;
        std::string path;
        record::FileSummary summary;  // at finish
        std::string failure;
    };

    bool ensure_writer();
    static void on_writer_events(evutil_socket_t, short, void* self);
    void writer_events();
    void file_done(const record::WriterEvent& e, FileContext& context);
    void detach(Recorder& recorder);
    static void on_reap(evutil_socket_t, short, void* self);

    Server& server_;
    std::map<StreamKey, Publication> publications_;
    std::map<StreamKey, std::unique_ptr<Recorder>> active_;
    std::vector<std::unique_ptr<Recorder>> retired_;
    std::map<record::FileId, FileContext> files_;
    std::unique_ptr<record::FileWriter> writer_;  // started with the first recording
    event* writer_event_ = nullptr;
    event* reap_ = nullptr;
    RecordingTotals totals_;
};

}  // namespace server
