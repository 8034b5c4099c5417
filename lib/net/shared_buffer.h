// Reference-counted bytes handed to many output buffers without copying: the fan-out unit. The
// event loop is single-threaded, so the count is a plain integer. Appending a reference to a
// libevent buffer is the glue's (net/shared_evbuffer.h); nothing here knows the event loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "util/bytes.h"

namespace net {

class SharedBytes {
public:
    static SharedBytes* make(util::Bytes bytes) { return new SharedBytes(std::move(bytes)); }
    void retain() { ++refs_; }
    void release() {
        if (--refs_ == 0) delete this;
    }
    // Bytes of every SharedBytes alive, each counted once however many buffers reference it
    // (the shared part of the max_memory budget).
    static std::size_t live_bytes() { return live_bytes_; }
    const util::Bytes& bytes() const { return bytes_; }
    std::size_t size() const { return bytes_.size(); }

    // For a buffer that holds a reference: release() when it is done with the bytes.
    static void release_callback(const void*, std::size_t, void* self) {
        static_cast<SharedBytes*>(self)->release();
    }

private:
    explicit SharedBytes(util::Bytes b) : bytes_(std::move(b)) { live_bytes_ += bytes_.size(); }
    ~SharedBytes() { live_bytes_ -= bytes_.size(); }
    SharedBytes(const SharedBytes&) = delete;
    SharedBytes& operator=(const SharedBytes&) = delete;
    static inline std::size_t live_bytes_ = 0;  // one event loop per process: a plain counter
    util::Bytes bytes_;
    int refs_ = 1;  // the creator's reference
};

// Owning handle to a SharedBytes, for containers (GOP cache, stream state).
class SharedRef {
public:
    SharedRef() = default;
    explicit SharedRef(SharedBytes* adopt) : p_(adopt) {}
    SharedRef(const SharedRef& o) : p_(o.p_) {
        if (p_) p_->retain();
    }
    SharedRef(SharedRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    SharedRef& operator=(SharedRef o) {
        std::swap(p_, o.p_);
        return *this;
    }
    ~SharedRef() {
        if (p_) p_->release();
    }
    SharedBytes* get() const { return p_; }
    SharedBytes* operator->() const { return p_; }
    explicit operator bool() const { return p_ != nullptr; }

private:
    SharedBytes* p_ = nullptr;
};

}  // namespace net
