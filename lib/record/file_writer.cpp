// The recording writer thread: files, .part names, patches, renames (see file_writer.h).
#include "record/file_writer.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include "record/record_name.h"

namespace record {

namespace {

// A name is given at most this many numbered alternatives before the file fails.
constexpr unsigned kMaxAlternatives = 1000;

std::string describe(const char* call, const std::string& path, int err) {
    return std::string(call) + " " + path + ": " + std::generic_category().message(err);
}

bool exists(const std::string& path) {
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
}

// mkdir -p. Errors other than "exists" are left to the open that follows, which names them.
void make_directories(const std::string& dir) {
    if (dir.empty()) return;
    for (std::size_t i = 1; i <= dir.size(); ++i) {
        if (i != dir.size() && dir[i] != '/') continue;
        const std::string prefix = dir.substr(0, i);
        if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return;
    }
}

// Writes all of [data, data + size) at the current offset; 0 or an errno.
int write_all(int fd, const std::uint8_t* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        data += n;
        size -= std::size_t(n);
    }
    return 0;
}

int pwrite_all(int fd, const std::uint8_t* data, std::size_t size, off_t offset) {
    while (size > 0) {
        const ssize_t n = ::pwrite(fd, data, size, offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        data += n;
        size -= std::size_t(n);
        offset += n;
    }
    return 0;
}

// Renames `from` to `to` only if `to` does not exist; 0 or an errno (EEXIST when taken).
int rename_no_replace(const std::string& from, const std::string& to) {
    if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return errno;
    // A file system without RENAME_NOREPLACE: link() never replaces either.
    if (link(from.c_str(), to.c_str()) != 0) return errno;
    unlink(from.c_str());
    return 0;
}

}  // namespace

FileWriter::FileWriter(bool held) : held_(held) {
    event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (event_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    thread_ = std::thread([this] { run(); });
}

FileWriter::~FileWriter() {
    release();
    push(Job{});  // Stop, after everything queued before it
    thread_.join();
    for (auto& [id, f] : files_) ::close(f.fd);  // never finished: left as NAME.part
    ::close(event_fd_);
}

FileId FileWriter::open(std::string path, std::size_t max_queued_bytes) {
    Job job;
    job.kind = Job::Kind::Open;
    job.path = std::move(path);
    {
        std::lock_guard lock(mutex_);
        job.file = next_id_++;
        accounting_[job.file] = Accounting{0, max_queued_bytes};
    }
    const FileId id = job.file;
    push(std::move(job));
    return id;
}

Queued FileWriter::append(FileId file, util::Bytes bytes) {
    if (bytes.empty()) return Queued::Yes;
    {
        std::lock_guard lock(mutex_);
        auto it = accounting_.find(file);
        if (it == accounting_.end()) return Queued::Failed;
        if (it->second.queued > 0 && it->second.queued + bytes.size() > it->second.max_queued) return Queued::Full;
        it->second.queued += bytes.size();
    }
    Job job;
    job.kind = Job::Kind::Append;
    job.file = file;
    job.bytes = std::move(bytes);
    push(std::move(job));
    return Queued::Yes;
}

void FileWriter::finish(FileId file, std::vector<Patch> patches) {
    Job job;
    job.kind = Job::Kind::Finish;
    job.file = file;
    job.patches = std::move(patches);
    push(std::move(job));
}

std::vector<WriterEvent> FileWriter::take_events() {
    std::uint64_t count;
    while (::read(event_fd_, &count, sizeof count) > 0) {
    }
    std::lock_guard lock(mutex_);
    std::vector<WriterEvent> out;
    out.swap(events_);
    return out;
}

std::size_t FileWriter::queued_bytes(FileId file) const {
    std::lock_guard lock(mutex_);
    auto it = accounting_.find(file);
    return it == accounting_.end() ? 0 : it->second.queued;
}

bool FileWriter::idle() const {
    std::lock_guard lock(mutex_);
    return jobs_.empty() && accounting_.empty() && events_.empty();
}

void FileWriter::release() {
    {
        std::lock_guard lock(mutex_);
        held_ = false;
    }
    wake_.notify_one();
}

void FileWriter::push(Job job) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void FileWriter::post(WriterEvent event) {
    {
        std::lock_guard lock(mutex_);
        if (event.kind != WriterEvent::Kind::Opened) accounting_.erase(event.file);
        events_.push_back(std::move(event));
    }
    const std::uint64_t one = 1;
    // Only EAGAIN can fail here (the counter at its maximum): the loop is woken already.
    [[maybe_unused]] ssize_t n = ::write(event_fd_, &one, sizeof one);
}

void FileWriter::run() {
    while (true) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return !held_ && !jobs_.empty(); });
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        switch (job.kind) {
            case Job::Kind::Open: do_open(job); break;
            case Job::Kind::Append: do_append(job); break;
            case Job::Kind::Finish: do_finish(job); break;
            case Job::Kind::Stop: return;
        }
    }
}

void FileWriter::fail(FileId id, OpenFile* file, std::string path, std::string error) {
    WriterEvent e;
    e.kind = WriterEvent::Kind::Failed;
    e.file = id;
    e.path = std::move(path);
    e.error = std::move(error);
    if (file) {
        e.size = file->written;
        ::close(file->fd);
        files_.erase(id);
    }
    post(std::move(e));
}

void FileWriter::do_open(const Job& job) {
    make_directories(directory_of(job.path));
    for (unsigned n = 0; n < kMaxAlternatives; ++n) {
        const std::string name = numbered_name(job.path, n);
        const std::string part = name + ".part";
        if (exists(name) || exists(part)) continue;
        const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            if (errno == EEXIST) continue;  // taken between the check and the open
            return fail(job.file, nullptr, job.path, describe("open", part, errno));
        }
        files_[job.file] = OpenFile{fd, part, name, 0};
        WriterEvent e;
        e.kind = WriterEvent::Kind::Opened;
        e.file = job.file;
        e.path = name;
        post(std::move(e));
        return;
    }
    fail(job.file, nullptr, job.path,
         "no free name: " + job.path + " and " + std::to_string(kMaxAlternatives - 1) +
             " numbered names are taken");
}

void FileWriter::do_append(const Job& job) {
    {
        std::lock_guard lock(mutex_);
        auto it = accounting_.find(job.file);
        if (it != accounting_.end()) it->second.queued -= job.bytes.size();
    }
    auto it = files_.find(job.file);
    if (it == files_.end()) return;  // failed earlier: its event is out
    OpenFile& f = it->second;
    if (const int err = write_all(f.fd, job.bytes.data(), job.bytes.size()))
        return fail(job.file, &f, f.part_path, describe("write", f.part_path, err));
    f.written += job.bytes.size();
}

void FileWriter::do_finish(const Job& job) {
    auto it = files_.find(job.file);
    if (it == files_.end()) return;
    OpenFile& f = it->second;
    for (const Patch& p : job.patches) {
        if (p.offset + p.bytes.size() > f.written) continue;  // not in the file (cut short)
        if (const int err = pwrite_all(f.fd, p.bytes.data(), p.bytes.size(), off_t(p.offset)))
            return fail(job.file, &f, f.part_path, describe("pwrite", f.part_path, err));
    }
    // A full disk may show only here (delayed allocation): a file is FINISHED once it is on disk.
    if (fdatasync(f.fd) != 0) return fail(job.file, &f, f.part_path, describe("fdatasync", f.part_path, errno));
    const int fd = f.fd;
    f.fd = -1;
    if (::close(fd) != 0) {
        const int err = errno;
        OpenFile left = f;
        files_.erase(it);
        return fail(job.file, nullptr, left.part_path, describe("close", left.part_path, err));
    }
    OpenFile done = f;
    files_.erase(it);
    // The name was free at open; should it have been taken since, the next free one is used.
    const std::string base = done.path;
    for (unsigned n = 0; n < kMaxAlternatives; ++n) {
        const std::string name = n == 0 ? base : numbered_name(base, n);
        const int err = rename_no_replace(done.part_path, name);
        if (err == EEXIST) continue;
        if (err) return fail(job.file, nullptr, done.part_path, describe("rename", done.part_path, err));
        WriterEvent e;
        e.kind = WriterEvent::Kind::Finished;
        e.file = job.file;
        e.path = name;
        e.size = done.written;
        post(std::move(e));
        return;
    }
    fail(job.file, nullptr, done.part_path, "rename: every name for " + base + " is taken");
}

}  // namespace record
