// rtmp-serve's options (from the settings table) and the prose of its man page.
#include "serve.h"

namespace serve {

void build_app(CLI::App& app, server::Config& config, CommandLine& line) {
    app.add_option("-c,--config", line.config_path,
                   "YAML file of settings; flags given on the command line override it")
        ->type_name("FILE");
    app.add_flag("--print-config", line.print_config,
                 "print the effective configuration as commented YAML and exit");
    server::add_flags(app, config);
    cli::add_doc_options(app, doc_info());
}

cli::DocInfo doc_info() {
    cli::DocInfo doc;
    doc.tool = "rtmp-serve";
    doc.summary = "RTMP server: publish and play live streams";
    doc.synopsis = {"[OPTIONS]", "--config FILE [OPTIONS]"};
    doc.description = {
        "rtmp-serve accepts RTMP publishers (ffmpeg, OBS, GStreamer) and players (VLC, "
        "ffplay/ffmpeg, rtmpdump, GStreamer) on one event loop. Any app name, many streams per "
        "app, many players per stream. H.264 with AAC, G.711 A-law and mu-law, Speex and MP3 are "
        "understood; anything else (enhanced-RTMP HEVC, AV1, VP9 included) is passed through "
        "untouched.",
        "Every setting is a YAML key of the --config file and a flag: key_name is --key-name. "
        "Without --config the embedded defaults apply, so rtmp-serve alone listens on "
        "0.0.0.0:1935. Where Flashphoner WCS has a name for a setting, the key has that name.",
        "A play that arrives before its publisher waits for it (play_wait_timeout). A new "
        "player gets metadata, sequence headers and the current GOP from its keyframe at once "
        "(gop_cache). A published message is chunked once and shared by reference among all "
        "players; each player's queue is bounded by player_queue_max_bytes and "
        "player_queue_max_time, past which whole messages are dropped by priority (disposable "
        "and inter frames first, then audio and keyframes, headers never) and video resumes at "
        "the next keyframe. A message is never cut or split on the wire. A player whose socket "
        "takes nothing for write_timeout is closed.",
        "Timestamps sent to players are monotonic. Each stream unwraps its publisher's "
        "timestamps modulo 2^32 and adds one offset; the offset changes only at a "
        "discontinuity (a new publisher, a step back of more than 1 s, a step forward of more "
        "than 60 s), where the next message is placed 1 ms after the latest timestamp sent. "
        "Within a track (audio, video, data) a timestamp never decreases: a smaller one is "
        "raised to the track's last.",
        "When a publisher goes away its players stay connected. If a publisher of the stream "
        "comes back within unpublish_notify_delay (default 5 s: an OBS auto-reconnect, a "
        "restarted encoder), players just continue with its sequence headers from its first "
        "keyframe, timestamps continuing. Otherwise they then get StreamEOF and "
        "NetStream.Play.UnpublishNotify (ffmpeg and VLC end playback there; rtmpdump, GStreamer "
        "and Flash-style players keep waiting) and, when a publisher returns, StreamBegin, "
        "NetStream.Play.PublishNotify and the new sequence headers.",
        "Playback controls (the Flashphoner WCS names): rtmp_send_video_first makes the first "
        "media of each player video (sequence header, then a keyframe), holding audio back; a "
        "stream without video then sends that player no audio, and the log says so once. The "
        "URL parameter suppress_sound=true, as a connection parameter "
        "(rtmp://host/live?suppress_sound=true/name) or a stream parameter, replaces that "
        "player's audio with silence of the same codec and timing (AAC, G.711 A-law and mu-law, "
        "Speex; A-law's quietest code decodes to +8 of 32768, about -72 dBFS); other players "
        "still hear the sound. rtmp_server_enabled: false refuses every play with "
        "NetStream.Play.Failed while publishing still works. rtmp.server_buffer_enabled "
        "(default true) keeps big per-player buffers so that FullHD, 2K and 4K keyframes are not "
        "dropped when a player falls briefly behind; false divides player_queue_max_bytes and "
        "player_queue_max_time by four, for low latency. rtmp_use_stream_params_as_connection "
        "reads rtmp://host/live/name?k=v as rtmp://host/live?k=v/name.",
        "REST hooks: with rest_hook_url set, rtmp-serve POSTs a JSON body to <url>/connect, "
        "<url>/publishStream and <url>/playStream and waits for the answer before it accepts "
        "(2xx allows; anything else refuses: connect gets _error NetConnection.Connect.Rejected "
        "with the backend's reason, publish NetStream.Publish.Denied, play "
        "NetStream.Play.Failed, then the connection closes). A timeout (rest_request_timeout) or "
        "an unreachable backend follows rest_on_error. After the fact it POSTs "
        "ConnectionStatusEvent (ESTABLISHED, FAILED, DISCONNECTED), StreamStatusEvent "
        "(PUBLISHING once the codecs and size are known, PLAYING, UNPUBLISHED, STOPPED), "
        "unPublishStream and stopStream, retried rest_event_retries times. Payloads carry the "
        "WCS fields (nodeId, appKey, sessionId \"/remote:port/local:port\", mediaSessionId, "
        "name, published, hasVideo, hasAudio, status, record, width, height, bitrate, "
        "minBitrate, maxBitrate, quality, mediaProvider, custom, login); custom holds the "
        "connection parameters for connect and the stream parameters for publish and play. "
        "With rtmp_use_stream_params_as_connection the connect hook is sent when the stream "
        "name arrives and carries its parameters. A backend may change the fields listed in "
        "rest_overwrite by returning them in its answer; name maps a stream key to another "
        "stream name. With rest_hook_secret each request carries X-Rtmpkit-Signature: "
        "sha256=<hex HMAC-SHA256 of the body>. A slow backend delays only the session waiting "
        "on it.",
        "HTTP (http_listen, default 127.0.0.1:8935; an empty value turns it off): GET /healthz "
        "(200 while serving), a live status page at /, GET /metrics (Prometheus text format, "
        "names prefixed rtmpkit_; per-stream series for at most metrics_max_streams streams) and "
        "a JSON API under /api/v1/: server (version, uptime, listeners, connections by role, "
        "memory, bounds), streams and streams/APP/NAME (publisher, codecs, bitrate over 10 s, "
        "bytes, players, GOP cache, a bitrate history), sessions (paged: page, items_per_page) "
        "and sessions/ID (the session= numbers of the log). DELETE sessions/ID closes a session "
        "as its client understands (a player gets StreamEOF and NetStream.Play.Stop, a publisher "
        "NetStream.Unpublish.Success); DELETE streams/APP/NAME ends a publication and tells its "
        "players at once. APP and NAME are one percent-encoded path segment each (an app a/b is "
        "a%2Fb). With api_token set, /api/ and /metrics need Authorization: Bearer TOKEN (401 "
        "and a log line otherwise); without it, only loopback peers whose Host header names a "
        "loopback address are served. A foreign Origin is refused (403): there is no CORS. "
        "Errors are JSON {\"error\": {\"status\", \"reason\"}}. See docs/http-api.md.",
        "WebRTC (WHIP, RFC 9725) ingest: a browser, OBS or GStreamer's whip-client publishes "
        "with POST /whip/APP/NAME?PARAMS (Content-Type application/sdp) on the HTTP and HTTPS "
        "listeners and gets 201 Created, a Location /whip/APP/NAME/ID and the SDP answer; "
        "DELETE on the Location ends the publication; PATCH with trickled candidates is "
        "answered 204 and ignored (an ICE-lite server needs none; an ICE restart is 405). The "
        "page /publish does it from a browser: camera preview, stream name, Publish and Stop, "
        "and the rtmp:// URL to play. /whip/ answers CORS for pages of any origin; neither it "
        "nor /publish needs api_token. A Bearer token reaches the hooks as the connection "
        "parameter token, the query as stream parameters, with mediaProvider WebRTC; the hooks "
        "allow or deny as for RTMP (403, or 409 for a busy name). Media comes to one UDP port "
        "(webrtc_udp_listen, ICE-lite with the webrtc_candidates host candidates, DTLS-SRTP); "
        "H.264 passes through untouched (an offer without H.264 gets 406), Opus becomes AAC "
        "(webrtc_audio: aac) or G.711 passes through (pcma, pcmu). Lost packets are NACKed "
        "(RTX when negotiated), a keyframe is asked for (RTCP PLI) every "
        "webrtc_keyframe_interval and when a player joins a stream without one; REMB allows "
        "webrtc_max_bitrate. A publisher silent for webrtc_timeout, or an answered session that "
        "never connects, is unpublished. The result is an ordinary stream: GOP cache, players, "
        "hooks, API (its session is a publisher with flashVer \"WebRTC/WHIP rtmpkit\"), "
        "recording; it counts against max_connections and the per-IP bounds.",
        "Recording (record: none, all or param): a recorded publication is written to FLV "
        "files named by record_path, whose {app}, {streamName} and {mediaSessionId} are made "
        "safe (no '/', no leading '.', no control bytes, at most 64 bytes each: no name leaves "
        "the template's directory) and whose {startTime} is the file's UTC start "
        "(YYYYMMDD-HHMMSS); directories are created. With record: param the stream parameter "
        "record=true asks for it; a hook backend may answer record true or false when "
        "rest_overwrite lists record, and publishStream's record field says what the server "
        "would do. POST and DELETE /api/v1/streams/APP/NAME/record start and stop a recording. "
        "Each file is written as NAME.part and renamed to NAME when finished, never over an "
        "existing file (NAME-1.flv and so on instead); it starts with onMetaData (duration and "
        "filesize patched in at the end), the sequence headers and a keyframe, its timestamps "
        "from 0, so each file plays on its own. record_max_duration and record_max_size start "
        "a new file at the first keyframe (audio-only: audio frame) past them. A recording ends "
        "with its publication (a publisher that reconnects within unpublish_notify_delay gets a "
        "new file), on DELETE, and on SIGINT/SIGTERM, where the server waits (within its grace "
        "period) for the files to be on disk and the hook events sent. Files are written by a "
        "thread of their own: at most record_queue_max_bytes of a recording wait for the disk; "
        "past that, or on a write error (a full disk), the recording stops with a log line, the "
        "live stream and its players go on. Every finished or failed file is POSTed to "
        "<url>/RecordingStatusEvent (nodeId, name, mediaSessionId, path, size, duration in ms, "
        "firstTimestamp, lastTimestamp, status FINISHED or FAILED, reason).",
        "Logs go to standard error, one line per event, human-readable or JSON "
        "(--log-format json); a session's last line, \"session closed\", says why it ended and "
        "what it moved (bytes_in, bytes_out, dropped_messages for a player that fell behind). "
        "SIGINT and SIGTERM stop gracefully: no new connections, each "
        "session gets its end status, exit 0. SIGHUP reloads the configuration file for new "
        "sessions.",
    };
    doc.examples = {
        {"rtmp-serve", "serve on 0.0.0.0:1935 with the embedded defaults"},
        {"rtmp-serve --listen 127.0.0.1:1935 --listen [::1]:1935 --log-format json",
         "listen on IPv4 and IPv6 loopback, log JSON lines"},
        {"rtmp-serve --config /etc/rtmpkit/rtmp-serve.yaml", "use a configuration file"},
        {"rtmp-serve --print-config > rtmp-serve.yaml", "write every key with its default"},
        {"ffmpeg -re -i in.flv -c copy -f flv rtmp://localhost/live/cam1", "publish a file"},
        {"ffplay rtmp://localhost/live/cam1", "play it"},
        {"curl -s localhost:8935/api/v1/streams | jq", "what is live, who plays it"},
        {"curl -s -X DELETE localhost:8935/api/v1/sessions/42", "close session 42"},
        {"rtmp-serve --record param --record-max-duration 10m",
         "record streams published as rtmp://host/live/name?record=true, 10-minute files"},
    };
    doc.exit_status = {
        {"0", "stopped by SIGINT or SIGTERM, or --help / --print-config"},
        {"1", "cannot listen on an address (RTMP, or an HTTP address given) or start the event loop"},
        {"2", "usage or configuration error"},
    };
    doc.see_also = {"rtmp-probe(1)", "rtmp-urlparse(1)", "hook-echo(1)", "ffmpeg(1)"};
    return doc;
}

}  // namespace serve
