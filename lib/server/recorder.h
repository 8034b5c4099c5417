// One recording of one publication: fed by its stream like a player (Stream::attach_recorder),
// it turns the stream's messages into FLV files (record::FlvSegmenter) and hands their bytes to
// the Recordings' writer thread. Nothing here touches a disk.
#pragma once

#include <cstdint>
#include <string>

#include "record/file_writer.h"
#include "record/flv_segmenter.h"
#include "server/stream.h"
#include "server/stream_key.h"

namespace server {

class Recordings;

// The publication a recording belongs to.
struct Publication {
    StreamKey stream;
    std::string media_session_id;  // its publisher's, as the hooks know it
};

struct RecorderSettings {
    std::string path_template;  // record_path
    record::SplitLimits limits;
};

// What the API shows of a recording in progress.
struct RecordingReport {
    StreamKey stream;
    std::string media_session_id;
    std::string path;               // the file being written (its final name); empty before one
    std::uint64_t bytes = 0;        // of that file, handed to the writer so far
    std::uint32_t duration_ms = 0;  // of that file so far
    long long since_ms = 0;         // when the recording started
    long long file_since_ms = 0;    // when that file started
    std::uint64_t files = 0;        // files begun: 1 + the splits (0 while waiting for a keyframe)
};

class Recorder : public Player {
public:
    Recorder(Recordings& owner, Publication publication, RecorderSettings settings, long long now_ms);

    // Player
    void send_media(const MediaPtr& message) override;
    // A new publisher while attached (the recording normally ends with its publication first):
    // the open file is finished; the next begins with the new publisher's headers and keyframe.
    void on_publish_start(Stream& stream, bool resumed) override;
    void on_publish_stop(Stream&) override {}

    // Ends the recording: the open file is finished (with `failure` when not empty, the reason
    // the recording stopped early); nothing more is written.
    void stop(const std::string& failure = {});
    bool stopped() const { return stopped_; }

    const Publication& publication() const { return publication_; }
    record::FileId current_file() const { return file_; }
    // The current file as far as the writer took it.
    const record::FileSummary& accepted() const { return accepted_; }
    // The writer's name for the current file (a numbered one when the first was taken).
    void file_named(record::FileId file, const std::string& path);
    RecordingReport report() const;

private:
    void take(record::FlvSegmenter::Output out);
    // Ends the open file, if any: its last bytes to the writer, then its finish.
    void end_file(const std::string& failure);
    void open_file();

    Recordings& owner_;
    Publication publication_;
    RecorderSettings settings_;
    record::FlvSegmenter segmenter_;
    long long since_ms_;
    long long file_since_ms_ = 0;
    record::FileId file_ = 0;  // 0: no file open
    std::string file_path_;
    // The open file as far as the writer took it: what its finish is patched with when the
    // recording stops on bytes the writer refused.
    record::FileSummary accepted_;
    std::uint64_t files_ = 0;
    bool stopped_ = false;
};

}  // namespace server
