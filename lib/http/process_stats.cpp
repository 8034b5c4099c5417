#include "http/process_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace http {

namespace {

double boot_time_seconds() {
    std::ifstream in("/proc/stat");
    std::string key;
    while (in >> key) {
        if (key == "btime") {
            double t = 0;
            in >> t;
            return t;
        }
        in.ignore(1 << 20, '\n');
    }
    return 0;
}

std::uint64_t count_fds() {
    DIR* d = opendir("/proc/self/fd");
    if (!d) return 0;
    std::uint64_t n = 0;
    while (dirent* e = readdir(d))
        if (e->d_name[0] != '.') ++n;
    closedir(d);
    return n > 0 ? n - 1 : 0;  // opendir's own descriptor
}

}  // namespace

ProcessStats read_process_stats() {
    ProcessStats p;
    std::ifstream in("/proc/self/stat");
    std::string line;
    if (!std::getline(in, line)) return p;
    // The command name (field 2) is in parentheses and may hold spaces: fields count after it.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return p;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    std::uint64_t utime = 0, stime = 0, start = 0, vsize = 0, rss = 0;
    for (int i = 3; rest >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        else if (i == 15) stime = std::stoull(field);
        else if (i == 22) start = std::stoull(field);
        else if (i == 23) vsize = std::stoull(field);
        else if (i == 24) { rss = std::stoull(field); break; }
    }
    const double ticks = double(sysconf(_SC_CLK_TCK));
    p.cpu_seconds = double(utime + stime) / ticks;
    p.virtual_bytes = vsize;
    p.resident_bytes = rss * std::uint64_t(sysconf(_SC_PAGESIZE));
    p.start_time_seconds = boot_time_seconds() + double(start) / ticks;
    p.open_fds = count_fds();
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) p.max_fds = rl.rlim_cur;
    p.valid = true;
    return p;
}

}  // namespace http
