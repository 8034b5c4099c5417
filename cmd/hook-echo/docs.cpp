// hook-echo's man page text: what it does, the output line, the signature, examples, exit codes.
#include "docs.h"

namespace hook_echo {

cli::DocInfo doc_info() {
    cli::DocInfo doc;
    doc.tool = "hook-echo";
    doc.summary = "a REST hook backend for testing rtmp-serve";
    doc.description = {
        "hook-echo is an HTTP server for the REST hooks of rtmp-serve (rest_hook_url). It "
        "accepts POST /apps/APP/METHOD, where METHOD is connect, publishStream, playStream, "
        "ConnectionStatusEvent, StreamStatusEvent, unPublishStream or stopStream, and by "
        "default answers 200 with the request body echoed, as the EchoApp of WCS does. "
        "Options script other answers from the shell.",
        "For each request it prints one JSON line on standard output and flushes it: time "
        "(UTC), method, app, status (what it answered), signature (the X-Rtmpkit-Signature "
        "header, when sent), body (the request's JSON, or null when it was not a JSON object) "
        "and reason (why it refused, when it did). Log lines go to standard error.",
        "Rules apply in this order: 405 for anything but POST, 404 for another path, 413 for a "
        "body over --max-body, 401 for a missing or wrong signature when --secret is given, "
        "400 for a body that is not a JSON object, 403 for --deny and --require, then --status, "
        "then the echo with --set applied. A refusal's body is one line of text saying why; "
        "rtmp-serve passes it on to the client. Bodies over four times --max-body (at least "
        "1 MiB) are refused with 413 by the HTTP layer without a line on either stream.",
        "Signature: with rest_hook_secret set, rtmp-serve sends X-Rtmpkit-Signature: "
        "sha256=HEX, HEX being the lower-case hex HMAC-SHA256 of the exact body bytes keyed by "
        "the secret. A shell backend can compute it with: printf '%s' \"$body\" | openssl dgst "
        "-sha256 -hmac \"$secret\".",
    };
    doc.examples = {
        {"hook-echo", "Allow everything and print each hook on 127.0.0.1:8081."},
        {"hook-echo --deny playStream --listen 127.0.0.1:9000",
         "Refuse every player, allow publishers."},
        {"hook-echo --require connect:custom.auth=secret",
         "Allow only connections whose URL carries ?auth=secret."},
        {"hook-echo --set publishStream:name=channel1",
         "Rename every published stream to channel1 (with rest_overwrite: name)."},
        {"hook-echo --delay 6s", "Answer too late for the default 5 s rest_request_timeout."},
        {"hook-echo --count 3 | jq -r .method", "List the first three hooks, then exit."},
    };
    doc.exit_status = {
        {"0", "--count requests answered, or SIGINT/SIGTERM received"},
        {"1", "cannot listen on the address, or cannot write to standard output"},
        {"2", "usage error"},
    };
    doc.see_also = {"rtmp-serve(1)", "curl(1)", "openssl-dgst(1)"};
    return doc;
}

}  // namespace hook_echo
