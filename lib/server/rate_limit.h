// A token bucket: `rate` events per second on average, at most `burst` at once. Sans-IO: the
// caller passes the time. Used for per-IP connection rates and per-session command and control
// message rates.
#pragma once

#include <algorithm>

namespace server {

class TokenBucket {
public:
    TokenBucket() = default;
    // rate <= 0: no limit. burst < 1 is taken as 1.
    TokenBucket(double rate, double burst) : rate_(rate), burst_(std::max(burst, 1.0)), tokens_(burst_) {}

    // Takes one token at `now_ms`; false when none is left (the event is over the rate).
    bool take(long long now_ms) {
        if (rate_ <= 0) return true;
        refill(now_ms);
        if (tokens_ < 1) return false;
        tokens_ -= 1;
        return true;
    }
    // True when the bucket is back to its burst at `now_ms`: remembering it changes nothing.
    bool full(long long now_ms) {
        if (rate_ <= 0) return true;
        refill(now_ms);
        return tokens_ >= burst_;
    }
    bool limited() const { return rate_ > 0; }

private:
    void refill(long long now_ms) {
        if (!started_) {
            started_ = true;
            last_ms_ = now_ms;
        }
        if (now_ms > last_ms_) {
            tokens_ = std::min(burst_, tokens_ + double(now_ms - last_ms_) * rate_ / 1000.0);
            last_ms_ = now_ms;
        }
    }
    double rate_ = 0;
    double burst_ = 1;
    double tokens_ = 1;
    long long last_ms_ = 0;
    bool started_ = false;
};

}  // namespace server
