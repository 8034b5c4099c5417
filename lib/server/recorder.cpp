// A publication's recording: stream messages → FLV files → the writer (see recorder.h).
#include "server/recorder.h"

#include "record/record_name.h"
#include "server/recordings.h"

namespace server {

namespace {

record::TagKind tag_kind(MediaKind kind) {
    switch (kind) {
        case MediaKind::Metadata: return record::TagKind::Metadata;
        case MediaKind::AudioHeader: return record::TagKind::AudioHeader;
        case MediaKind::VideoHeader: return record::TagKind::VideoHeader;
        case MediaKind::Audio: return record::TagKind::Audio;
        case MediaKind::Video: break;
    }
    return record::TagKind::Video;
}

}  // namespace

Recorder::Recorder(Recordings& owner, Publication publication, RecorderSettings settings,
                   long long now_ms)
    : owner_(owner),
      publication_(std::move(publication)),
      settings_(std::move(settings)),
      segmenter_(settings_.limits),
      since_ms_(now_ms) {}

void Recorder::send_media(const MediaPtr& message) {
    if (stopped_) return;
    const MediaMessage& m = *message;
    record::Frame frame;
    frame.kind = tag_kind(m.kind);
    frame.type = m.type;
    frame.timestamp = m.timestamp;
    frame.keyframe = m.keyframe;
    frame.payload = m.payload;
    // Called from the publisher's fan-out: a failure here ends this recording, never the
    // publication (as a failing player ends only itself).
    try {
        take(segmenter_.push(frame));
    } catch (const std::exception& e) {
        const std::string why = std::string("recording error: ") + e.what();
        stop(why);
        owner_.retire(*this, why);
    }
}

void Recorder::on_publish_start(Stream&, bool) {
    if (stopped_) return;
    end_file({});
    file_ = 0;
    file_path_.clear();
    segmenter_ = record::FlvSegmenter(settings_.limits);
}

void Recorder::take(record::FlvSegmenter::Output out) {
    if (out.finished && file_) owner_.finish_file(file_, *out.finished, {});
    if (out.started) open_file();
    if (out.bytes.empty()) return;
    switch (owner_.append(file_, std::move(out.bytes))) {
        case record::Queued::Yes:
            accepted_ = segmenter_.current();
            return;
        case record::Queued::Full: {
            const std::string why = "the disk does not keep up: " +
                                    std::to_string(owner_.queued_bytes(file_)) +
                                    " bytes wait to be written (record_queue_max_bytes)";
            stop(why);
            owner_.retire(*this, why);
            return;
        }
        case record::Queued::Failed:
            // The writer failed this file; its Failed event (on its way) reports it and ends the
            // recording. Until then nothing more is made.
            stopped_ = true;
            return;
    }
}

void Recorder::open_file() {
    const long long now = owner_.now_ms();
    record::NameFields fields;
    fields.app = publication_.stream.app;
    fields.stream_name = publication_.stream.name;
    fields.media_session_id = publication_.media_session_id;
    fields.start_ms = now;
    file_path_ = record::expand_template(settings_.path_template, fields);
    file_ = owner_.open_file(publication_, file_path_);
    file_since_ms_ = now;
    accepted_ = record::FileSummary{};
    ++files_;
}

void Recorder::stop(const std::string& failure) {
    if (stopped_) return;
    stopped_ = true;
    end_file(failure);
}

void Recorder::end_file(const std::string& failure) {
    util::Bytes tail;
    const auto done = segmenter_.finish(tail);
    if (!done || !file_) return;
    // After a refusal (the write queue full) this is refused too: the file ends where it was.
    if (!tail.empty() && owner_.append(file_, std::move(tail)) == record::Queued::Yes)
        accepted_ = segmenter_.current();
    owner_.finish_file(file_, accepted_, failure);
}

void Recorder::file_named(record::FileId file, const std::string& path) {
    if (file == file_) file_path_ = path;
}

RecordingReport Recorder::report() const {
    RecordingReport r;
    r.stream = publication_.stream;
    r.media_session_id = publication_.media_session_id;
    r.since_ms = since_ms_;
    r.files = files_;
    if (file_ && !stopped_) {
        r.path = file_path_;
        r.bytes = accepted_.size;
        r.duration_ms = accepted_.duration_ms();
        r.file_since_ms = file_since_ms_;
    }
    return r;
}

}  // namespace server
