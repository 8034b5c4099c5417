#include "server/merge_delay.h"

#include <algorithm>

namespace server {

long long MergeDelay::next_ms() const {
    const double share = std::min(1.0, batch_ / kPlayersForFullMerge);
    const long long ms = static_cast<long long>(double(limit_ms_) * share);  // floor: 1 player, none
    return ms < 1 ? 0 : ms;
}

void MergeDelay::batch_done(std::size_t players) {
    // Smoothed over about five periods: one quiet period does not undo the merging of a load.
    constexpr double kWeight = 0.2;
    batch_ += kWeight * (double(players) - batch_);
    effective_ms_ += kWeight * (double(next_ms()) - effective_ms_);
}

}  // namespace server
