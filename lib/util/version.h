// The version every tool and the HTTP API report.
#pragma once

namespace util {
inline constexpr const char* kVersion = "0.2.0";
}
