// The prose of rtmp-probe's man page; the options part comes from the CLI11 definitions.
#include "probe_cli.h"

namespace probe_cli {

cli::DocInfo doc_info() {
    cli::DocInfo doc;
    doc.tool = "rtmp-probe";
    doc.summary = "probe, play, publish and load-test RTMP streams";
    doc.synopsis = {"[OPTIONS] URL", "--duration SECONDS [OPTIONS] URL",
                    "--publish FILE.flv [--loop] [--duration SECONDS] URL",
                    "--clients N --duration SECONDS URL"};
    doc.description = {
        "rtmp-probe is an RTMP client that shows what a live stream holds and why a session "
        "fails, for people and for scripts (as ffprobe does for files). It works with any RTMP "
        "server: it speaks as ffmpeg does (digest handshake, connect, createStream, play) and "
        "matches every reply by its transaction id.",
        "By default it plays the URL and, once the metadata, the sequence headers and the first "
        "keyframe have arrived, prints a report and exits 0: the server's answer to connect "
        "(fmsVer, capabilities, status code), every status received (NetStream.Play.Start...), "
        "the metadata, the video (codec, profile, level, width and height, frame rate from the "
        "SPS) and the audio (codec, AAC object type, sample rate, channels), the time to "
        "connect, to the first media message and to the first keyframe, and first_media: the "
        "kinds of the first media messages in the order they came (video-header, video-key, "
        "video-inter, audio-header, audio), which shows whether a server sends video first.",
        "With --duration it goes on playing for that many seconds after play started and adds "
        "a measurement: per track the frames, bytes, bitrate and frame rate over the media "
        "time received, timestamp gaps (a delta of at least 100 ms and three times the usual "
        "one), jumps (more than 5 s forward or back) and reorderings (a smaller step back); for "
        "video the keyframe interval in milliseconds and frames; the audio/video offset (audio "
        "timestamp minus video timestamp) at the start and end and its drift.",
        "The report is JSON (one object on one line) or aligned \"key: value\" text. The "
        "default is text when standard output is a terminal and JSON when it is a pipe or a "
        "file, so scripts get JSON without asking; --format chooses either. The report is "
        "printed on failures too, with result set to the reason (see EXIT STATUS) and error to "
        "the message, which is also written to standard error as \"rtmp-probe: message\".",
        "--show-messages prints a JSON line per message received before the report, the RTMP "
        "twin of ffprobe -show_packets. --trace writes the handshake and every chunk header to "
        "standard error, for debugging a server. --output saves the received audio, video and "
        "metadata as an FLV file (as rtmpdump -o does).",
        "--publish FILE.flv publishes a file instead, paced by its timestamps (as ffmpeg -re "
        "does), with its metadata as @setDataFrame, and ends with FCUnpublish and deleteStream; "
        "--loop starts it again at its end with timestamps that keep increasing. The report "
        "then says what was sent.",
        "--clients N runs N players on one event loop for --duration seconds, counting bytes "
        "and frames only, and prints a summary: sessions connected (NetStream.Play.Start "
        "received), receiving, failed by reason, bytes and frames received, throughput, and "
        "the first-frame latency (from the connection attempt to the first media message) at "
        "the 50th, 90th and 99th percentiles and its maximum.",
        "URL parameters are sent as ffmpeg sends them: the query after the app is part of the "
        "app and the tcUrl of connect (rtmp://host/live?token=t/cam), the query after the "
        "stream name is part of the name given to play or publish (rtmp://host/live/cam?k=v). "
        "A name ending in .flv loses the extension. Only rtmp:// is supported.",
    };
    doc.examples = {
        {"rtmp-probe rtmp://localhost/live/cam1", "Show what a live stream holds:"},
        {"rtmp-probe --format json rtmp://localhost/live/cam1 | jq .video",
         "Take the video description in a script:"},
        {"rtmp-probe --duration 30 --format text rtmp://localhost/live/cam1",
         "Measure bitrates, frame rate, keyframe interval and timestamp problems for 30 s:"},
        {"rtmp-probe --show-messages --duration 5 rtmp://localhost/live/cam1",
         "List every message received for 5 s as JSON lines:"},
        {"rtmp-probe --duration 60 --output cam1.flv rtmp://localhost/live/cam1",
         "Save a minute of the stream:"},
        {"rtmp-probe --publish clip.flv --loop rtmp://localhost/live/test",
         "Feed a stream from a file, forever:"},
        {"rtmp-probe --clients 200 --duration 30 rtmp://localhost/live/test",
         "200 concurrent players for 30 s, with a summary:"},
        {"rtmp-probe --trace rtmp://server/app/stream 2>trace.log",
         "Debug a server that misbehaves:"},
    };
    doc.exit_status = {
        {"0", "Success: the report was ready (and the measurement done), the file was "
              "published, or every --clients session connected without failing."},
        {"1", "A local file could not be read or written (--publish, --output), or the file "
              "is not a usable FLV file."},
        {"2", "Usage error: unknown option, bad option value, conflicting options, or a URL "
              "that does not parse or names no stream."},
        {"3", "refused: the TCP connection could not be made (refused, unreachable, host "
              "unknown)."},
        {"4", "handshake_failed: the server's handshake was wrong or it closed during it."},
        {"5", "connect_rejected: the server answered connect with _error "
              "(NetConnection.Connect.Rejected) or closed the connection instead of answering."},
        {"6", "stream_not_found: NetStream.Play.StreamNotFound or NetStream.Play.Failed."},
        {"7", "publish_rejected: NetStream.Publish.BadName, NetStream.Publish.Denied or another "
              "error status to publish."},
        {"8", "timed_out: --timeout passed before the report was ready (or before publishing "
              "started), or nothing arrived for that long while measuring."},
        {"9", "protocol_error: undecodable chunks or commands, an error status, the connection "
              "closed unexpectedly, or the stream ended before the report was ready."},
        {"10", "With --clients: at least one session failed or was not playing in time (the "
               "summary counts them by reason)."},
        {"11", "tls_failed: rtmps:// only: the TLS handshake failed (the certificate is not "
               "trusted, has expired or names another host; the server does not speak TLS)."},
    };
    doc.see_also = {"rtmp-serve(1)", "rtmp-urlparse(1)", "ffprobe(1)", "rtmpdump(1)"};
    return doc;
}

}  // namespace probe_cli
