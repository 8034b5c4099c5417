#!/usr/bin/env python3
"""Helpers of tests/integration/webrtc_test.sh (Python 3 standard library only).

    browser [--log FILE]       cdp.py's line protocol (see cdp.py) with a headless Chromium that
                               publishes over WebRTC: fake camera and microphone, no permission
                               prompt, loopback ICE candidates allowed
    vp8-only                   an SDP offer on stdin, on stdout with its video offering VP8 only
                               (the H.264 payload types and their rtx/fmtp lines removed)
    storm URL OFFER N [TOKEN]  N WHIP POSTs of the offer file at once (threads, one connection
                               each, to URL-1 .. URL-N): prints "STATUS COUNT" lines, then
                               "answered N"; status 0 counts requests that got no HTTP answer
    udp-garbage HOST PORT [UFRAG]
                               sends hostile datagrams to the WebRTC port: random bytes, STUN
                               with bad lengths and attributes, a Binding request for the session
                               UFRAG (the server's) with a wrong MESSAGE-INTEGRITY, DTLS and RTP
                               lookalikes; prints how many were sent and what came back
"""

import os
import random
import socket
import struct
import sys
import threading
import urllib.error
import urllib.request
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

WEBRTC_ARGS = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
               "--allow-loopback-in-peer-connection",
               # Headless tabs keep encoding at full rate (no background throttling).
               "--disable-background-timer-throttling", "--disable-renderer-backgrounding")


def browser(argv):
    import cdp  # tools/cdp.py, the same DevTools client http_page_test.sh uses
    log = None
    if len(argv) >= 2 and argv[0] == "--log":
        log = argv[1]
    try:
        b = cdp.Browser(log_path=log, extra_args=WEBRTC_ARGS)
    except (cdp.CDPError, OSError) as e:
        print("error " + " ".join(str(e).split()), flush=True)
        return 1
    try:
        print("ready " + b.version, flush=True)
        cdp.serve(b, sys.stdin, sys.stdout)
    finally:
        b.close()
    return 0


def vp8_only(_argv):
    sdp = sys.stdin.read()
    lines = sdp.replace("\r\n", "\n").split("\n")
    # The payload types of VP8 in the video section, and every other one to drop.
    out, section, keep, drop = [], None, set(), set()
    video = []
    for line in lines:
        if line.startswith("m="):
            section = line.split()[0][2:]
        if section == "video":
            video.append(line)
    for line in video:
        if line.startswith("a=rtpmap:"):
            pt, codec = line[len("a=rtpmap:"):].split(" ", 1)
            (keep if codec.upper().startswith("VP8/") else drop).add(pt)
    # rtx of VP8 (apt=<vp8 pt>) stays too: the offer stays a plausible browser one.
    for line in video:
        if line.startswith("a=fmtp:"):
            pt, params = line[len("a=fmtp:"):].split(" ", 1)
            apt = [p.split("=")[1] for p in params.split(";") if p.strip().startswith("apt=")]
            if apt and apt[0] in keep:
                keep.add(pt)
                drop.discard(pt)
    if not keep:
        sys.stderr.write("the offer's video has no VP8\n")
        return 1
    section = None
    for line in lines:
        if line.startswith("m="):
            section = line.split()[0][2:]
            if section == "video":
                f = line.split()
                line = " ".join(f[:3] + [pt for pt in f[3:] if pt in keep])
        elif section == "video":
            for prefix in ("a=rtpmap:", "a=fmtp:", "a=rtcp-fb:"):
                if line.startswith(prefix) and line[len(prefix):].split(" ", 1)[0] in drop:
                    line = None
                    break
        if line is not None:
            out.append(line)
    sys.stdout.write("\r\n".join(out))
    return 0


def storm(argv):
    url, offer_path, n = argv[0], argv[1], int(argv[2])
    token = argv[3] if len(argv) > 3 else ""
    with open(offer_path, "rb") as f:
        offer = f.read()
    statuses = [None] * n
    start = threading.Barrier(n)

    def post(i):
        req = urllib.request.Request("%s-%d" % (url, i), data=offer, method="POST")
        req.add_header("Content-Type", "application/sdp")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            start.wait(30)
        except threading.BrokenBarrierError:
            pass
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                body = r.read()
                statuses[i] = r.status if body.startswith(b"v=0") else -r.status
        except urllib.error.HTTPError as e:
            statuses[i] = e.code
        except Exception as e:  # no HTTP answer at all
            sys.stderr.write("POST %d: %s\n" % (i, e))
            statuses[i] = 0

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    counts = {}
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    for s in sorted(counts, key=lambda s: (s is None, s or 0)):
        print("%s %d" % (s, counts[s]))
    print("answered %d" % sum(1 for s in statuses if s))
    return 0


def stun(msg_type, attrs, length_fix=None, magic=0x2112A442):
    body = b""
    for t, v in attrs:
        body += struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4)
    length = len(body) if length_fix is None else length_fix
    return struct.pack("!HHI", msg_type, length, magic) + os.urandom(12) + body


def udp_garbage(argv):
    host, port = argv[0], int(argv[1])
    ufrag = argv[2] if len(argv) > 2 else "nosuchufrag"
    rnd = random.Random(1234)
    dgrams = []
    for _ in range(300):  # random bytes of random sizes, every first-byte class
        dgrams.append(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 1400))))
    dgrams += [b"\0", b"\x00\x01", b"\x00\x01\x00\x00", b"\x16", b"\x80", b"\xff" * 3000]
    user = (ufrag + ":remote").encode()
    dgrams += [
        stun(0x0001, []),                                  # Binding request without USERNAME
        stun(0x0001, [(0x0006, user)]),                    # USERNAME, no MESSAGE-INTEGRITY
        stun(0x0001, [(0x0006, user), (0x0008, os.urandom(20))]),  # wrong integrity
        stun(0x0001, [(0x0006, user), (0x0008, os.urandom(20))], length_fix=4000),
        stun(0x0001, [(0x0006, user), (0x0008, b"short")]),
        stun(0x0001, [(0x0006, b"x" * 600)]),              # an overlong USERNAME
        stun(0x0001, [(0x0006, user)], length_fix=3),      # length not a multiple of 4
        stun(0x0001, [(0x0006, user)], magic=0),           # RFC 3489 (no magic cookie)
        stun(0x0101, [(0x0020, os.urandom(8))]),           # an unsolicited success response
        stun(0x0001, [(0xFFFF, b"")] * 200),               # many empty attributes
    ]
    bad_fp = stun(0x0001, [(0x0006, user), (0x8028, struct.pack("!I", 0))])
    dgrams.append(bad_fp)
    crc = zlib.crc32(bad_fp[:-8]) ^ 0x5354554E
    dgrams.append(bad_fp[:-4] + struct.pack("!I", crc))    # right-looking FINGERPRINT only
    dgrams += [bytes([0x16, 0xFE, 0xFD]) + os.urandom(rnd.randrange(10, 600)) for _ in range(50)]
    dgrams += [bytes([0x80, 0x66]) + os.urandom(rnd.randrange(10, 1200)) for _ in range(100)]
    dgrams += [bytes([0x80, 0xC8]) + os.urandom(rnd.randrange(4, 200)) for _ in range(50)]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.5)
    sent = 0
    for d in dgrams:
        try:
            sock.sendto(d, (host, port))
            sent += 1
        except OSError as e:
            sys.stderr.write("sendto: %s\n" % e)
    replies = []
    try:
        while True:
            data, _ = sock.recvfrom(4096)
            replies.append(data)
    except socket.timeout:
        pass
    # A STUN success (0x0101) to a request that had no valid integrity would be a defect.
    ok_replies = sum(1 for r in replies if len(r) >= 2 and r[:2] == b"\x01\x01")
    print("sent %d replies %d stun_success %d" % (sent, len(replies), ok_replies))
    return 0


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    cmd, argv = sys.argv[1], sys.argv[2:]
    fns = {"browser": browser, "vp8-only": vp8_only, "storm": storm, "udp-garbage": udp_garbage}
    if cmd not in fns:
        sys.stderr.write(__doc__)
        return 2
    return fns[cmd](argv)


if __name__ == "__main__":
    sys.exit(main())
