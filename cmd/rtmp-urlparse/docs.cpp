// The prose of rtmp-urlparse's man page; the options part comes from the CLI11 definitions.
#include "urlparse.h"

namespace urlparse {

cli::DocInfo doc_info() {
    cli::DocInfo doc;
    doc.tool = "rtmp-urlparse";
    doc.summary = "split RTMP URLs as an RTMP server sees them";
    doc.synopsis = {"[OPTIONS] [URL...]", "[OPTIONS] --tcurl URL [--app APP] [--stream NAME]"};
    doc.description = {
        "rtmp-urlparse splits RTMP URLs the way an RTMP server receives them from ffmpeg, VLC "
        "and OBS: the application and its connection parameters (sent with connect), the stream "
        "name and its stream parameters (sent with publish or play). It prints one JSON object "
        "per URL (JSON lines), key=value lines, or one field for shell scripts. rtmp-serve uses "
        "the same code, so what this tool prints is what the server and its hooks see.",
        "URLs come from the arguments, or one per line from standard input when there are none "
        "(blank lines are skipped). A URL that does not parse is reported on standard error as "
        "\"rtmp-urlparse: URL: reason\", and the others are still processed.",
        "  scheme://host[:port]/app[?connection-query]/stream[?stream-query]",
        "The path is split as ffmpeg splits it. One segment is the app alone; two are the app "
        "and the stream; with three or more, the first two are the app (rtmp://h/a/b/c is app "
        "a/b, stream c) unless a ':' comes before the third '/' (rtmp://h/vod/mp4:dir/f is app "
        "vod, stream mp4:dir/f). A '?' does not end a segment: a connection query sits between "
        "the app and the next '/', as in rtmp://host/live?c1=v1&c2=v2/name?s1=v1&s2=v2. As "
        "ffmpeg does, a name ending in .flv loses the extension and one ending in .mp4 or .f4v "
        "gets an mp4: prefix.",
        "Default ports: 1935 for rtmp and rtmpe, 443 for rtmps and rtmpts, 80 for rtmpt and "
        "rtmpte. An IPv6 host is written in brackets ([::1]) and printed without them. tcUrl is "
        "what a client sends with connect: scheme://host[:port]/app with the connection query; "
        "the port appears only when the URL names one.",
        "Query parameters are percent-decoded; '+' stays '+'. A key without '=' has an empty "
        "value. A repeated key is kept in the text format; in JSON and --field its last value "
        "wins. App and stream names are not percent-decoded: servers route on them as sent.",
        "With --tcurl the split form a server receives is read instead: the tcUrl (and the app, "
        "when it differs) of connect and the name of publish or play, which may carry the "
        "stream query. The connection query is taken from the app, or else from the tcUrl.",
    };
    doc.examples = {
        {"rtmp-urlparse 'rtmp://host:1935/live?c1=v1&c2=v2/streamName?s1=v1&s2=v2'",
         "Split a URL with connection and stream parameters:"},
        {"key=$(rtmp-urlparse --field stream_params.key 'rtmp://host/live/cam1?key=secret')",
         "Take one stream parameter in a shell script:"},
        {"rtmp-urlparse --format text < urls.txt", "Split a list of URLs, one per line:"},
        {"rtmp-urlparse --tcurl 'rtmp://host/live?auth=k' --stream 'cam1?token=t'",
         "Read what a server received with connect and publish:"},
        {"rtmp-urlparse --stream-params-as-connection 'rtmp://host/live/test?auth=key'",
         "Read the URL as a server with rtmp_use_stream_params_as_connection does:"},
    };
    doc.exit_status = {
        {"0", "Every URL was split."},
        {"1", "At least one URL could not be split (each is reported on standard error)."},
        {"2", "Usage error: unknown option, bad option value or conflicting options."},
    };
    doc.see_also = {"rtmp-serve(1)", "rtmp-probe(1)", "ffmpeg-protocols(1)"};
    return doc;
}

}  // namespace urlparse
