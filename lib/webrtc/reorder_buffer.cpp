// Jitter buffer: packets keyed by extended (64-bit) sequence numbers, so wrap-around is handled
// once, in extend(); holes are tracked explicitly for the wait-then-skip and NACK decisions.
#include "webrtc/reorder_buffer.h"

#include <algorithm>
#include <cstdlib>

namespace webrtc {

ReorderBuffer::ReorderBuffer(ReorderOptions options) : options_(options) {
    if (options_.capacity == 0) options_.capacity = 1;
}

std::int64_t ReorderBuffer::extend(std::uint16_t seq) const {
    return next_ + std::int16_t(std::uint16_t(seq - std::uint16_t(next_)));
}

void ReorderBuffer::start(std::uint16_t seq) {
    started_ = true;
    next_ = end_ = seq;
}

void ReorderBuffer::queue_flushed(ReorderedPacket p) {
    flushed_.push_back(std::move(p));
    // A consumer that never pops must not make this grow without bound.
    while (flushed_.size() > options_.capacity) {
        held_bytes_ -= flushed_.front().packet.size();
        flushed_.pop_front();
        flushed_.front().after_loss = true;
        ++skipped_;
    }
}

void ReorderBuffer::advance_to(std::int64_t target) {
    std::int64_t e = next_;
    for (auto it = held_.begin(); it != held_.end() && it->first < target;) {
        if (it->first > e) {
            loss_pending_ = true;
            skipped_ += std::uint64_t(it->first - e);
        }
        queue_flushed({std::uint16_t(it->first), std::move(it->second), loss_pending_});
        loss_pending_ = false;
        e = it->first + 1;
        it = held_.erase(it);
    }
    if (target > e) {
        loss_pending_ = true;
        skipped_ += std::uint64_t(target - e);
    }
    holes_.erase(holes_.begin(), holes_.lower_bound(target));
    next_ = std::max(next_, target);
    end_ = std::max(end_, next_);
}

void ReorderBuffer::shed() {
    while (held_bytes_ > options_.max_bytes && (!flushed_.empty() || !held_.empty())) {
        if (flushed_.empty()) advance_to(held_.begin()->first + 1);
        held_bytes_ -= flushed_.front().packet.size();
        flushed_.pop_front();
        ++skipped_;
        if (!flushed_.empty())
            flushed_.front().after_loss = true;
        else
            loss_pending_ = true;
    }
}

ReorderBuffer::Push ReorderBuffer::insert(std::int64_t ext, util::Bytes packet, long long now_ms) {
    if (ext < next_) return Push::too_old;  // released or given up already
    if (held_.count(ext)) return Push::duplicate;
    const auto capacity = std::int64_t(options_.capacity);
    if (ext >= next_ + capacity) advance_to(ext - capacity + 1);  // skip ahead, keep the newest
    if (ext >= end_) {
        for (std::int64_t e = end_; e < ext; ++e) holes_[e] = Hole{now_ms, 0, 0};
        end_ = ext + 1;
    } else {
        holes_.erase(ext);
    }
    held_bytes_ += packet.size();
    held_.emplace(ext, std::move(packet));
    shed();
    return Push::accepted;
}

ReorderBuffer::Push ReorderBuffer::push(std::uint16_t seq, util::Bytes packet, long long now_ms) {
    if (!started_) start(seq);
    // Distance from the newest packet: a jump far either way is a restart only when the
    // packet after it follows on (RFC 3550 §A.1), so one stray packet cannot reset us.
    const int jump = std::int16_t(std::uint16_t(seq - std::uint16_t(end_ - 1)));
    if (std::abs(jump) > int(options_.reset_jump)) {
        if (!restart_seq_ || *restart_seq_ != seq || !restart_packet_) {
            restart_seq_ = std::uint16_t(seq + 1);
            restart_packet_ = ReorderedPacket{seq, std::move(packet), true};
            return Push::held_for_restart;
        }
        advance_to(end_);  // the old stream's packets go out first
        ReorderedPacket first = std::move(*restart_packet_);
        restart_packet_.reset();
        restart_seq_.reset();
        start(first.sequence);
        loss_pending_ = true;
        insert(extend(first.sequence), std::move(first.packet), now_ms);
        insert(extend(seq), std::move(packet), now_ms);
        return Push::restarted;
    }
    restart_seq_.reset();
    restart_packet_.reset();
    return insert(extend(seq), std::move(packet), now_ms);
}

void ReorderBuffer::pop_ready(long long now_ms, std::vector<ReorderedPacket>& out) {
    for (auto& p : flushed_) {
        held_bytes_ -= p.packet.size();
        out.push_back(std::move(p));
    }
    flushed_.clear();
    while (!held_.empty()) {
        auto first = held_.begin();
        if (first->first == next_) {
            held_bytes_ -= first->second.size();
            out.push_back({std::uint16_t(next_), std::move(first->second), loss_pending_});
            loss_pending_ = false;
            held_.erase(first);
            ++next_;
            continue;
        }
        // A hole at next_ holds back the packets behind it until it has waited long enough.
        auto hole = holes_.find(next_);
        if (hole != holes_.end() && now_ms - hole->second.since_ms < options_.max_wait_ms) break;
        if (hole != holes_.end()) holes_.erase(hole);
        ++next_;
        ++skipped_;
        loss_pending_ = true;
    }
}

std::vector<std::uint16_t> ReorderBuffer::missing(long long now_ms) {
    std::vector<std::uint16_t> seqs;
    for (auto& [ext, hole] : holes_) {
        if (seqs.size() >= options_.max_nacks_per_call) break;
        if (hole.nacks >= options_.max_nacks_per_seq) continue;
        if (hole.nacks > 0 && now_ms - hole.last_nack_ms < options_.nack_interval_ms + rtt_ms_)
            continue;
        ++hole.nacks;
        hole.last_nack_ms = now_ms;
        seqs.push_back(std::uint16_t(ext));
    }
    return seqs;
}

std::optional<long long> ReorderBuffer::next_skip_ms() const {
    if (held_.empty()) return std::nullopt;
    auto hole = holes_.find(next_);
    if (hole == holes_.end()) return std::nullopt;
    return hole->second.since_ms + options_.max_wait_ms;
}

}  // namespace webrtc
