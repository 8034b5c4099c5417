// Signing of REST hook requests, so that a backend can refuse calls that did not come from us.
//
// With `rest_hook_secret` set, every hook request carries the header
//
//     X-Rtmpkit-Signature: sha256=<hex>
//
// where <hex> is the lower-case hexadecimal HMAC-SHA256 of the exact request body bytes, keyed by
// the secret's bytes (as GitHub's X-Hub-Signature-256). A backend recomputes it, e.g.
//     printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret"
// and compares in constant time. Note the signature covers the body only: a backend that cares
// about replays should also check the payload's sessionId/mediaSessionId against its own state.
#pragma once

#include <string>
#include <string_view>

namespace hook {

inline constexpr const char* kSignatureHeader = "X-Rtmpkit-Signature";
inline constexpr std::string_view kSignaturePrefix = "sha256=";

// Lower-case hex HMAC-SHA256 of `body` keyed by `secret` (64 characters).
std::string hmac_sha256_hex(std::string_view secret, std::string_view body);

// The header value: "sha256=" + hmac_sha256_hex(secret, body).
std::string signature_value(std::string_view secret, std::string_view body);

// True when `header_value` is exactly signature_value(secret, body); the hex digits may be upper
// or lower case. The comparison takes the same time wherever the first difference is.
bool verify_signature(std::string_view secret, std::string_view body,
                      std::string_view header_value);

}  // namespace hook
