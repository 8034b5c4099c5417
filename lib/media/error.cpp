// Names of media error codes, for log lines and test messages.
#include "media/error.h"

namespace media {

const char* to_string(Code code) {
    switch (code) {
        case Code::truncated: return "truncated";
        case Code::invalid: return "invalid";
        case Code::too_large: return "too_large";
        case Code::unsupported: return "unsupported";
    }
    return "unknown";
}

}  // namespace media
