// Unsent control bytes of a session's output (see control_output.h).
#include "server/control_output.h"

#include <algorithm>

namespace server {

void ControlOutput::appended(std::size_t bytes, bool control) {
    const std::uint64_t begin = total_;
    total_ += bytes;
    if (!control || bytes == 0) return;
    control_bytes_ += bytes;
    if (!ranges_.empty() && ranges_.back().end == begin) {
        ranges_.back().end = total_;
    } else {
        ranges_.push_back(Range{begin, total_});
    }
}

std::size_t ControlOutput::unsent_control(std::size_t unsent) {
    const std::uint64_t sent = total_ - std::min<std::uint64_t>(unsent, total_);
    while (!ranges_.empty() && ranges_.front().end <= sent) {
        control_bytes_ -= ranges_.front().end - ranges_.front().begin;
        ranges_.pop_front();
    }
    if (ranges_.empty()) return 0;
    const std::uint64_t partly = sent > ranges_.front().begin ? sent - ranges_.front().begin : 0;
    return std::size_t(control_bytes_ - partly);
}

}  // namespace server
