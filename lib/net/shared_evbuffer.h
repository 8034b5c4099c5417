// Glue: a reference to shared bytes appended to a libevent output buffer, released when libevent
// has sent them (no copy per player).
#pragma once

#include <event2/buffer.h>

#include "net/shared_buffer.h"

namespace net {

// Appends `bytes` from `offset` on to `out` by reference; false when libevent refused.
inline bool append_shared(evbuffer* out, SharedBytes& bytes, std::size_t offset = 0) {
    if (offset >= bytes.size()) return true;
    bytes.retain();
    if (evbuffer_add_reference(out, bytes.bytes().data() + offset, bytes.size() - offset,
                               &SharedBytes::release_callback, &bytes) != 0) {
        bytes.release();
        return false;
    }
    return true;
}

}  // namespace net
