// Error codes shared by the media parsers (FLV, AVC/SPS, AAC, audio/video tag headers, silence).
#pragma once

#include <string>

#include "util/result.h"

namespace media {

enum class Code {
    truncated,    // the input ends before the structure does
    invalid,      // a field holds a value the format forbids
    too_large,    // a size exceeds the cap the caller configured
    unsupported,  // well-formed, but a variant this library does not handle
};

template <class T>
using Result = util::Result<T, Code>;
using Error = util::Error<Code>;

inline Error make_error(Code code, std::string message, bool fatal = true) {
    return Error{code, std::move(message), fatal};
}

const char* to_string(Code code);

}  // namespace media
