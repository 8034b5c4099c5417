// What a hook backend decides, and the interface a session asks it through: the REST client
// (hook_client.h) in the server, a scripted backend in tests. No event loop here.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "hook/payload.h"

namespace hook {

enum class OnError {
    Fail,  // a timeout or unreachable backend refuses (rest_on_error: FAIL, the default)
    Log,   // ... allows, and the decision says why (rest_on_error: LOG)
};

struct Decision {
    bool allowed = false;
    int status = 0;      // the backend's HTTP status; 0 when none came
    std::string reason;  // why, for logs and for the client's error description: the backend's
                         // body text (one line, at most 200 bytes) or "HTTP 403 Forbidden", or
                         // the transport error ("hook connect timed out after 5000 ms")
    // What the RTMP client is told: the backend's own refusal text for a 4xx, else a fixed
    // phrase that names no address, port or library error (the detail is in `reason`, for logs).
    std::string client_reason;
    bool backend_error = false;  // timeout or unreachable (then rest_on_error decided)
    json overwritten_fields = json::object();  // allowed fields the backend changed (2xx only)
    std::vector<std::string> wrong_type_fields;  // allowed fields it changed to another JSON type
};

// A hook backend as a session sees it. Decisions come later, through the callback, unless the
// ticket is cancelled first; events are fire and forget.
class Hooks {
public:
    using Ticket = std::uint64_t;  // 0 is never a valid ticket
    using DecisionCallback = std::function<void(Decision)>;
    virtual ~Hooks() = default;
    virtual Ticket authorize(std::string_view method, const json& payload,
                             DecisionCallback callback) = 0;
    virtual bool cancel(Ticket ticket) = 0;
    virtual void notify(std::string_view method, const json& payload) = 0;
};

}  // namespace hook
