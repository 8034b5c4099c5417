// The disk side of recording: one thread that writes recording files, so that the event loop
// never waits on a disk. The loop queues work (open, bytes, finish) and is told what happened
// through events it takes when event_fd() is readable.
//
// A file is written as NAME.part and renamed to NAME when finished, never over an existing file:
// NAME is the first of path, path-1, path-2... (record::numbered_name) for which neither NAME nor
// NAME.part exists, and the rename does not replace (renameat2 RENAME_NOREPLACE, or link and
// unlink where the file system lacks it), moving on to the next free name if one appeared.
// Each file's queue is bounded in bytes; past the bound, bytes are refused, not buffered.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "record/flv_segmenter.h"
#include "util/bytes.h"

namespace record {

using FileId = std::uint64_t;

struct WriterEvent {
    enum class Kind { Opened, Finished, Failed };
    Kind kind = Kind::Opened;
    FileId file = 0;
    // Opened, Finished: the file's name (without .part). Failed: what is left on disk (the .part
    // file, kept: it holds what was written) or, when nothing could be created, the name wanted.
    std::string path;
    std::uint64_t size = 0;  // bytes written
    std::string error;       // Failed: the call and the system's message
};

enum class Queued {
    Yes,
    Full,    // the file's queue holds max_queued_bytes already: the disk does not keep up
    Failed,  // the file failed (its Failed event is on its way); nothing more is written to it
};

class FileWriter {
public:
    // `held`: jobs wait until release() (how a test stands for a disk that does not keep up).
    explicit FileWriter(bool held = false);
    // Writes everything queued (finishing the files whose finish was queued; a file that was
    // not finished stays NAME.part), then stops the thread.
    ~FileWriter();
    FileWriter(const FileWriter&) = delete;
    FileWriter& operator=(const FileWriter&) = delete;

    // A new file to be named `path` (directories are created); its Opened or Failed event follows.
    // At most `max_queued_bytes` of it wait for the disk; one append larger than that is taken
    // when its queue is empty (a big keyframe on a healthy disk must not stop a recording).
    FileId open(std::string path, std::size_t max_queued_bytes);
    Queued append(FileId file, util::Bytes bytes);
    // Writes the patches, syncs, closes and renames; a Finished or Failed event follows.
    void finish(FileId file, std::vector<Patch> patches);

    // An eventfd, readable while events wait; take_events() empties both.
    int event_fd() const { return event_fd_; }
    std::vector<WriterEvent> take_events();

    void release();

    // Bytes queued for `file` and not yet written.
    std::size_t queued_bytes(FileId file) const;
    // Nothing queued, no file open and no event waiting.
    bool idle() const;

private:
    struct Job {
        enum class Kind { Open, Append, Finish, Stop } kind = Kind::Stop;
        FileId file = 0;
        std::string path;
        util::Bytes bytes;
        std::vector<Patch> patches;
    };
    struct Accounting {  // a live file, under mutex_: erased when it is finished or failed
        std::size_t queued = 0;
        std::size_t max_queued = 0;
    };
    struct OpenFile {  // the thread's own
        int fd = -1;
        std::string part_path, path;
        std::uint64_t written = 0;
    };

    void run();
    void push(Job job);
    void post(WriterEvent event);
    void do_open(const Job& job);
    void do_append(const Job& job);
    void do_finish(const Job& job);
    void fail(FileId id, OpenFile* file, std::string path, std::string error);

    int event_fd_ = -1;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    bool held_ = false;
    std::map<FileId, Accounting> accounting_;
    std::vector<WriterEvent> events_;
    FileId next_id_ = 1;
    std::map<FileId, OpenFile> files_;  // thread only
    std::thread thread_;
};

}  // namespace record
