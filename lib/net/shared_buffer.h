// Reference-counted bytes handed to many libevent output buffers without copying: the fan-out
// unit. The event loop is single-threaded, so the count is a plain integer.
#pragma once

#include <event2/buffer.h>

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

    // Appends a reference to these bytes to `out`; released when libevent has sent them.
    bool append_to(evbuffer* out) {
        retain();
        if (evbuffer_add_reference(out, bytes_.data(), bytes_.size(), &cleanup, this) != 0) {
            release();
            return false;
        }
        return true;
    }
    // The same for the bytes from `offset` on (a player that needs its own first header).
    bool append_from(evbuffer* out, std::size_t offset) {
        if (offset >= bytes_.size()) return true;
        retain();
        if (evbuffer_add_reference(out, bytes_.data() + offset, bytes_.size() - offset, &cleanup,
                                   this) != 0) {
            release();
            return false;
        }
        return true;
    }

private:
    explicit SharedBytes(util::Bytes b) : bytes_(std::move(b)) { live_bytes_ += bytes_.size(); }
    ~SharedBytes() { live_bytes_ -= bytes_.size(); }
    SharedBytes(const SharedBytes&) = delete;
    SharedBytes& operator=(const SharedBytes&) = delete;
    static inline std::size_t live_bytes_ = 0;  // one event loop per process: a plain counter
    static void cleanup(const void*, size_t, void* self) { static_cast<SharedBytes*>(self)->release(); }
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
