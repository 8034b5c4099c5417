#!/usr/bin/env python3
"""Records what real RTMP clients send (ffmpeg, rtmpdump, GStreamer) through a relay to a running
rtmp-serve and writes it as seeds of server_session_fuzz: the bytes after the handshake (the
fuzz harness does its own), cut into feed operations for session 0 with the peer taking its
output between them. Usage: record_session_seeds.py SERVER_PORT OUT_DIR (rtmp-serve and a
publisher of live/seed must already run; see the bottom for the clients)."""
import os, socket, subprocess, sys, threading, time

HANDSHAKE = 1 + 1536 + 1536  # C0 C1 C2
MAX_SEED = 60000


def relay(listen_port, server_port, record):
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", listen_port))
    lsock.listen(1)
    client, _ = lsock.accept()
    server = socket.create_connection(("127.0.0.1", server_port))

    def pipe(src, dst, keep):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if keep:
                    record.extend(data)
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    a = threading.Thread(target=pipe, args=(client, server, True))
    b = threading.Thread(target=pipe, args=(server, client, False))
    a.start(); b.start(); a.join(); b.join()
    lsock.close()


def seed(stream, flags):
    """flags byte, then (feed op, length, bytes, take op) for each piece."""
    out = bytearray([flags])
    data = stream[HANDSHAKE:][:MAX_SEED]
    i = 0
    while i < len(data):
        n = min(len(data) - i, 255 * 8 + 1)
        length_byte = (n - 1) // 8
        n = length_byte * 8 + 1
        n = min(n, len(data) - i)
        out += bytes([0x00, length_byte]) + data[i:i + n]
        out += bytes([0x05])  # the peer takes the replies
        i += n
    return bytes(out)


def record(name, port, client_cmd, out_dir, flags):
    listen = port + 100
    data = bytearray()
    t = threading.Thread(target=relay, args=(listen, port, data))
    t.start()
    time.sleep(0.2)
    cmd = [c.replace("RELAY", str(listen)) for c in client_cmd]
    try:
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=8)
    except subprocess.TimeoutExpired:
        pass
    t.join(timeout=5)
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(seed(bytes(data), flags))
    print(f"{name}: {len(data)} bytes recorded")


if __name__ == "__main__":
    port, out_dir = int(sys.argv[1]), sys.argv[2]
    fixture = os.path.join(os.path.dirname(__file__), "..", "fixtures", "h264_aac.flv")
    clients = {
        "ffmpeg_publish": ["ffmpeg", "-nostdin", "-re", "-i", fixture, "-t", "2", "-c", "copy", "-f", "flv",
                           "rtmp://127.0.0.1:RELAY/live/fuzzpub?k=v"],
        "ffmpeg_play": ["ffmpeg", "-nostdin", "-i", "rtmp://127.0.0.1:RELAY/live/seed", "-t", "2",
                        "-f", "null", "-"],
        "rtmpdump_play": ["rtmpdump", "-q", "-r", "rtmp://127.0.0.1:RELAY/live?x=1/seed", "-B", "2",
                          "-o", "/dev/null"],
        "gstreamer_play": ["gst-launch-1.0", "-q", "rtmp2src", "location=rtmp://127.0.0.1:RELAY/live/seed",
                           "!", "fakesink", "num-buffers=100"],
        "gstreamer_publish": ["gst-launch-1.0", "-q", "-e", "filesrc", f"location={fixture}", "!", "flvdemux",
                              "name=d", "d.video", "!", "queue", "!", "h264parse", "!", "m.", "d.audio", "!",
                              "queue", "!", "aacparse", "!", "m.", "flvmux", "name=m", "streamable=true", "!",
                              "rtmp2sink", "location=rtmp://127.0.0.1:RELAY/live/gstpub"],
    }
    for i, (name, cmd) in enumerate(clients.items()):
        record(name, port, cmd, out_dir, flags=(i * 37) & 0xBF)  # varied settings, hooks off
