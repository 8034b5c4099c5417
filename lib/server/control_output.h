// How many bytes of a session's non-media output (command replies, statuses, user control and
// protocol control messages) are still unsent. Media is bounded by the player queue; these
// replies are bounded here, because a peer that sends requests (pings, seeks, pause) and never
// reads the answers would otherwise grow its output without limit. Sans-IO: the caller reports
// every append to the output and how many bytes are still unsent.
#pragma once

#include <cstdint>
#include <deque>

namespace server {

class ControlOutput {
public:
    // `bytes` were appended to the output; `control`: they are not media.
    void appended(std::size_t bytes, bool control);
    // Control bytes among the `unsent` last bytes of the output.
    std::size_t unsent_control(std::size_t unsent);

private:
    struct Range {
        std::uint64_t begin, end;  // positions in the stream of all bytes ever appended
    };
    std::uint64_t total_ = 0;
    std::uint64_t control_bytes_ = 0;  // sum of ranges_
    std::deque<Range> ranges_;         // adjacent control appends are merged into one range
};

}  // namespace server
