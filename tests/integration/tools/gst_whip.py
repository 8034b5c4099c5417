#!/usr/bin/python3
"""A WHIP publisher (RFC 9725) on GStreamer's webrtcbin, for tests/integration/webrtc_test.sh.

    gst_whip.py --url URL [--token TOKEN] [--seconds N] [--no-delete] [--sdp-log FILE]

Publishes a live test pattern (H.264 constrained baseline, 640x360, 30 fps) and a 440 Hz sine
(Opus) to URL: POSTs the offer, sets the 201 answer, stays connected N seconds (default 10), then
DELETEs the resource (unless --no-delete). SIGINT / SIGTERM end the publication early, the same
way. Prints one JSON line on stdout ({"status", "location", "state", ...}); exits 0 when the
publication was answered 201, connected and (unless --no-delete) was deleted with a 2xx, and
non-zero with the reason on stderr otherwise.

This is the engine simple-whip-client wraps (which Debian 12 cannot run: it links libsoup-2.4
while libnice's gupnp-igd links libsoup-3.0). Run it with /usr/bin/python3: it needs the
system's gi (python3-gi, python3-gst-1.0, gir1.2-gst-plugins-bad-1.0, gir1.2-nice-0.1).
Only the standard library and gi are used.
"""

import argparse
import json
import os
import signal
import sys
import urllib.error
import urllib.parse
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

try:  # Only for restricting candidates to loopback; without it libnice uses every interface.
    gi.require_version("Nice", "0.1")
    from gi.repository import Nice  # noqa: E402
except (ValueError, ImportError):
    Nice = None

CONNECT_TIMEOUT_S = 10  # from the POST's answer to "connected"
GATHER_TIMEOUT_S = 3  # the server is ICE-lite: client candidates are a courtesy
HTTP_TIMEOUT_S = 10

PIPELINE = (
    "webrtcbin name=w bundle-policy=max-bundle "
    "videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=30/1 "
    "! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=800 key-int-max=30 "
    "! video/x-h264,profile=constrained-baseline ! rtph264pay config-interval=-1 pt=102 "
    "! application/x-rtp,media=video,encoding-name=H264,payload=102 ! w. "
    "audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! opusenc "
    "! rtpopuspay pt=111 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! w.")


def enum_nick(value):
    """'connected' for GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED and the like."""
    nick = getattr(value, "value_nick", None)
    return nick if nick else str(value)


class Publisher:
    def __init__(self, args):
        self.args = args
        self.loop = GLib.MainLoop()
        self.result = {"status": None, "location": None, "state": "new"}
        self.error = None
        self.location = None  # absolute URL of the WHIP resource
        self.sent = False
        self.finishing = False
        self.connect_timer = None
        self.pipe = Gst.parse_launch(PIPELINE)
        self.webrtc = self.pipe.get_by_name("w")
        self.restrict_to_loopback()
        # Send only (a WHIP publisher receives nothing but RTCP).
        # (get-transceivers' GArray is opaque to PyGObject: by index, until there is none.)
        i = 0
        while (t := self.webrtc.emit("get-transceiver", i)) is not None:
            t.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
            i += 1
        if i != 2:
            raise RuntimeError("expected 2 transceivers (video, audio), webrtcbin has %d" % i)
        self.webrtc.connect("on-negotiation-needed", self.on_negotiation_needed)
        self.webrtc.connect("notify::ice-gathering-state", self.on_gathering)
        self.webrtc.connect("notify::connection-state", self.on_state)
        self.webrtc.connect("notify::ice-connection-state", self.on_state)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", self.on_bus_error)

    def restrict_to_loopback(self):
        agent_wrapper = self.webrtc.get_property("ice-agent")
        # webrtcbin keeps its ICE object's floating reference: PyGObject sinks that one and drops
        # it with the wrapper, freeing the object under webrtcbin (a crash at the offer). So the
        # wrapper lives as long as the process, which ends by os._exit (no teardown that would
        # unref it twice).
        self.ice_keepalive = agent_wrapper
        for prop, value in (("ice-tcp", False), ("ice-udp", True)):
            if agent_wrapper.find_property(prop):
                agent_wrapper.set_property(prop, value)
        if Nice is None or not agent_wrapper.find_property("agent"):
            return
        agent = agent_wrapper.get_property("agent")
        addr = Nice.Address()
        # With a local address added, libnice gathers on it alone (no interface enumeration).
        if addr.set_from_string("127.0.0.1"):
            agent.add_local_address(addr)

    # ---- Ending ----
    def fail(self, message):
        if self.error is None:
            self.error = message
        self.finish()

    def finish(self):
        """DELETE the resource (while media still flows: the server logs DELETE as the reason),
        then stop the pipeline and the loop. Runs once."""
        if self.finishing:
            return False
        self.finishing = True
        self.result["state"] = enum_nick(self.webrtc.get_property("connection-state"))
        self.result["ice_state"] = enum_nick(self.webrtc.get_property("ice-connection-state"))
        if self.location and not self.args.no_delete:
            status, _, _ = self.http("DELETE", self.location)
            self.result["delete_status"] = status
            if not 200 <= status < 300 and self.error is None:
                self.error = "DELETE %s answered %s" % (self.location, status)
        self.pipe.set_state(Gst.State.NULL)
        self.loop.quit()
        return False

    def on_bus_error(self, _bus, message):
        err, debug = message.parse_error()
        GLib.idle_add(self.fail, "GStreamer error from %s: %s (%s)" %
                      (message.src.get_name(), err.message, debug))

    # ---- Offer ----
    def on_negotiation_needed(self, _element):
        promise = Gst.Promise.new_with_change_func(self.on_offer_created, None)
        self.webrtc.emit("create-offer", None, promise)

    def on_offer_created(self, promise, _data):  # a webrtcbin thread
        promise.wait()
        reply = promise.get_reply()
        offer = reply.get_value("offer") if reply and reply.has_field("offer") else None
        if offer is None:
            GLib.idle_add(self.fail, "webrtcbin made no offer (%s)" %
                          (reply.to_string() if reply else "no reply"))
            return
        self.webrtc.emit("set-local-description", offer, Gst.Promise.new())
        # Gathering is quick on loopback; send when it completes or after GATHER_TIMEOUT_S.
        GLib.idle_add(self.arm_gather_timeout)

    def arm_gather_timeout(self):
        GLib.timeout_add_seconds(GATHER_TIMEOUT_S, self.send_offer)
        self.on_gathering(self.webrtc, None)
        return False

    def on_gathering(self, element, _pspec):
        state = element.get_property("ice-gathering-state")
        if state == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            GLib.idle_add(self.send_offer)

    def send_offer(self):
        if self.sent or self.finishing:
            return False
        desc = self.webrtc.get_property("local-description")
        if desc is None:
            return False  # not set yet: the gathering notification or the timeout sends it
        self.sent = True
        sdp = desc.sdp.as_text()
        cands = [l[len("a=candidate:"):] for l in sdp.splitlines() if l.startswith("a=candidate:")]
        print("gst_whip: offer with %d candidate(s): %s" % (len(cands), "; ".join(cands)),
              file=sys.stderr)
        self.save_sdp("offer", sdp)
        status, headers, body = self.http("POST", self.args.url, sdp.encode(), "application/sdp")
        self.result["status"] = status
        if status != 201:
            answered = "answered %s" % status if status else "got no HTTP answer"
            self.fail("POST %s %s: %s" % (self.args.url, answered,
                                          body[:300].decode("utf-8", "replace").strip()))
            return False
        self.save_sdp("answer", body.decode("utf-8", "replace"))
        loc = headers.get("Location")
        if loc:
            self.location = urllib.parse.urljoin(self.args.url, loc)
            self.result["location"] = loc
        else:
            self.fail("the 201 answer has no Location header")
            return False
        ok, msg = GstSdp.SDPMessage.new_from_text(body.decode("utf-8", "replace"))
        if ok != GstSdp.SDPResult.OK or msg.medias_len() == 0:
            self.fail("the 201 body is no SDP answer with media: %r" % body[:200])
            return False
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, msg)
        promise = Gst.Promise.new_with_change_func(self.on_remote_set, None)
        self.webrtc.emit("set-remote-description", answer, promise)
        self.connect_timer = GLib.timeout_add_seconds(CONNECT_TIMEOUT_S, self.connect_timeout)
        return False

    def on_remote_set(self, promise, _data):  # a webrtcbin thread
        promise.wait()
        reply = promise.get_reply()
        if reply is not None and reply.has_field("error"):
            err = reply.get_value("error")
            GLib.idle_add(self.fail, "webrtcbin refused the answer: %s" %
                          getattr(err, "message", err))

    # ---- Connection ----
    def on_state(self, element, _pspec):
        conn = element.get_property("connection-state")
        GLib.idle_add(self.state_changed, conn)

    def state_changed(self, conn):
        if self.finishing:
            return False
        self.result["state"] = enum_nick(conn)
        S = GstWebRTC.WebRTCPeerConnectionState
        if conn == S.CONNECTED and self.connect_timer is not None:
            GLib.source_remove(self.connect_timer)
            self.connect_timer = None
            print("gst_whip: connected, publishing %d s" % self.args.seconds, file=sys.stderr)
            GLib.timeout_add_seconds(max(self.args.seconds, 0), self.finish)
        elif conn == S.FAILED:
            self.fail("the connection failed (ICE %s)" %
                      enum_nick(self.webrtc.get_property("ice-connection-state")))
        return False

    def connect_timeout(self):
        self.connect_timer = None
        self.fail("not connected within %d s of the answer (connection %s, ICE %s)" % (
            CONNECT_TIMEOUT_S, enum_nick(self.webrtc.get_property("connection-state")),
            enum_nick(self.webrtc.get_property("ice-connection-state"))))
        return False

    def save_sdp(self, what, text):
        if self.args.sdp_log:
            with open(self.args.sdp_log, "a") as f:
                f.write("---- %s\n%s\n" % (what, text.replace("\r\n", "\n").strip()))

    # ---- HTTP ----
    def http(self, method, url, data=None, content_type=None):
        """(status, headers, body); status 0 when there was no HTTP answer."""
        req = urllib.request.Request(url, data=data, method=method)
        if content_type:
            req.add_header("Content-Type", content_type)
        if self.args.token:
            req.add_header("Authorization", "Bearer " + self.args.token)
        try:
            with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_S) as r:
                return r.status, r.headers, r.read(1 << 20)
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read(1 << 20)
        except (urllib.error.URLError, OSError) as e:
            print("gst_whip: %s %s: %s" % (method, url, e), file=sys.stderr)
            return 0, {}, str(e).encode()

    def run(self):
        # Everything has its own timeout; this one only guards against a hang among them.
        overall = GATHER_TIMEOUT_S + 2 * HTTP_TIMEOUT_S + CONNECT_TIMEOUT_S + self.args.seconds + 10
        GLib.timeout_add_seconds(overall, lambda: self.fail("gave up after %d s" % overall))
        for sig in (signal.SIGINT, signal.SIGTERM):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, self.on_signal)
        if self.pipe.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            self.error = "the pipeline does not start"
            return self.report()
        self.loop.run()
        return self.report()

    def on_signal(self):
        print("gst_whip: signal, ending", file=sys.stderr)
        if self.result["state"] != "connected" and self.error is None:
            self.error = "interrupted before connecting"
        self.finish()
        return False

    def report(self):
        if self.error is None and self.result["status"] != 201:
            self.error = "no offer was sent"
        if self.error:
            self.result["error"] = self.error
        print(json.dumps(self.result), flush=True)
        if self.error:
            print("gst_whip: error: " + self.error, file=sys.stderr)
            return 1
        return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True, help="the WHIP endpoint, http://HOST:PORT/whip/APP/NAME")
    p.add_argument("--token", help="sent as Authorization: Bearer TOKEN")
    p.add_argument("--seconds", type=int, default=10, help="how long to publish once connected")
    p.add_argument("--no-delete", action="store_true", help="end without DELETE of the resource")
    p.add_argument("--sdp-log", metavar="FILE", help="append the offer and the answer to FILE")
    args = p.parse_args()
    Gst.init(None)
    return Publisher(args).run()


if __name__ == "__main__":
    rc = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)  # see restrict_to_loopback
