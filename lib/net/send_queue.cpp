// A player's output ring (see send_queue.h).
#include "net/send_queue.h"

#include <algorithm>
#include <stdexcept>

namespace net {

void SendQueue::push(const Segment& s) {
    if (count_ == ring_.size()) {
        // Grow: the segments are laid out again from index 0, oldest first.
        std::vector<Segment> bigger(ring_.empty() ? 8 : ring_.size() * 2);
        for (std::size_t i = 0; i < count_; ++i) bigger[i] = at(i);
        ring_.swap(bigger);
        head_ = 0;
    }
    at(count_) = s;
    ++count_;
    bytes_ += s.end - s.begin;
}

void SendQueue::append_shared(SharedBytes& bytes, std::size_t offset) {
    if (offset >= bytes.size()) return;
    if (bytes.size() > UINT32_MAX) throw std::length_error("shared segment too large");
    bytes.retain();
    push(Segment{&bytes, nullptr, std::uint32_t(offset), std::uint32_t(bytes.size())});
}

void SendQueue::append_copy(util::ByteView bytes) {
    if (bytes.empty()) return;
    if (count_ > 0) {
        Segment& tail = at(count_ - 1);
        // Only a segment nothing of which was sent yet may grow: its bytes may move.
        if (tail.owned && tail.begin == 0 && tail.owned->size() + bytes.size() <= kCopyMerge) {
            tail.owned->insert(tail.owned->end(), bytes.begin(), bytes.end());
            tail.end = std::uint32_t(tail.owned->size());
            bytes_ += bytes.size();
            return;
        }
    }
    if (bytes.size() > UINT32_MAX) throw std::length_error("copied segment too large");
    auto* owned = new util::Bytes(bytes.begin(), bytes.end());
    try {
        push(Segment{nullptr, owned, 0, std::uint32_t(owned->size())});
    } catch (...) {
        delete owned;
        throw;
    }
}

int SendQueue::gather(iovec* out, int max) const {
    const std::size_t n = std::min(count_, std::size_t(max > 0 ? max : 0));
    for (std::size_t i = 0; i < n; ++i) {
        const Segment& s = at(i);
        const std::uint8_t* data = s.shared ? s.shared->bytes().data() : s.owned->data();
        out[i].iov_base = const_cast<std::uint8_t*>(data + s.begin);
        out[i].iov_len = s.end - s.begin;
    }
    return int(n);
}

void SendQueue::consume(std::size_t n) {
    n = std::min(n, bytes_);
    bytes_ -= n;
    while (n > 0) {
        Segment& s = at(0);
        const std::size_t left = s.end - s.begin;
        if (n < left) {
            s.begin += std::uint32_t(n);
            return;
        }
        n -= left;
        release(s);
        head_ = (head_ + 1) & (ring_.size() - 1);
        --count_;
    }
}

void SendQueue::clear() {
    for (std::size_t i = 0; i < count_; ++i) release(at(i));
    head_ = count_ = bytes_ = 0;
}

void SendQueue::release(Segment& s) {
    if (s.shared) s.shared->release();
    delete s.owned;
    s = Segment{nullptr, nullptr, 0, 0};
}

}  // namespace net
