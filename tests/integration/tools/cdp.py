#!/usr/bin/env python3
"""A minimal Chrome DevTools Protocol client: headless Chromium over --remote-debugging-pipe.

Python 3 standard library only. Chromium reads CDP messages (JSON, each ended by a NUL byte) on
its fd 3 and writes its answers and events on fd 4. One page target is attached (flat session
mode); every page command goes to it.

As a module:
    with Browser(log_path="chromium.log") as b:
        b.navigate("http://127.0.0.1:8935/")
        b.wait_for("document.body.dataset.updated > 0", timeout=10)
        b.evaluate("document.title")
        b.screenshot("page.png")

As a command (what tests/integration/http_page_test.sh drives, as a coprocess): one command a
line on stdin, one answer a line on stdout, "ok JSON" or "error TEXT". It prints "ready VERSION"
once the page is attached.
    navigate URL              loads URL and waits for the load event
    eval EXPR                 the value of the JavaScript expression (promises awaited)
    wait SECONDS EXPR         polls EXPR every 0.1 s until it is truthy; its value (an
                              element's value is {}: JSON has no elements)
    screenshot PATH           writes a PNG of the whole page
    dialogs                   the alert/confirm/prompt messages the page opened (each dismissed)
    errors                    the uncaught exceptions and console errors of the page
    quit                      closes the browser (end of input does too)
"""

import argparse
import base64
import fcntl
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


class CDPError(Exception):
    """A CDP command failed, the browser went away, or a JavaScript expression threw."""


class BrowserGone(CDPError):
    """The browser exited or closed the DevTools pipe."""


class Browser:
    def __init__(self, binary=None, log_path=None, width=1280, height=900, extra_args=()):
        self.binary = binary or shutil.which("chromium") or shutil.which("chromium-browser")
        if not self.binary:
            raise CDPError("chromium is not installed (no chromium or chromium-browser in PATH)")
        self.dialogs = []  # messages of the dialogs the page opened (each dismissed at once)
        self.errors = []  # uncaught exceptions and console.error lines of the page
        self._next_id = 0
        self._answers = {}  # id -> message, answers read while waiting for another one
        self._inbox = queue.Queue()
        self._session = None
        self._loads = 0  # Page.loadEventFired events seen
        self._profile = tempfile.mkdtemp(prefix="rtmpkit-chromium.")
        self._log = open(log_path or os.devnull, "ab")
        # Our ends and Chromium's: it reads commands on fd 3 and writes messages on fd 4. Its ends
        # are first copied to fd >= 10 so that moving them to 3 and 4 in the child clobbers neither.
        cmd_r, self._cmd_w = os.pipe()
        self._msg_r, msg_w = os.pipe()
        child_in = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(msg_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(cmd_r)
        os.close(msg_w)

        def to_3_and_4():
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        args = [self.binary, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", "--user-data-dir=" + self._profile,
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--mute-audio",
                "--hide-scrollbars", "--window-size=%d,%d" % (width, height), *extra_args,
                "about:blank"]
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log,
                                         stderr=self._log, pass_fds=(3, 4),
                                         preexec_fn=to_3_and_4, start_new_session=True)
        finally:
            os.close(child_in)
            os.close(child_out)
        threading.Thread(target=self._reader, daemon=True).start()
        try:
            self.version = self.send("Browser.getVersion", timeout=30).get("product", "?")
            self._attach()
        except Exception:
            self.close()
            raise

    # ---- Transport ----
    def _reader(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._msg_r, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self._inbox.put(None)  # the browser closed its end
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                try:
                    self._inbox.put(json.loads(raw))
                except ValueError:
                    pass

    def _write(self, method, params, session):
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        try:
            os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        except OSError as e:
            raise BrowserGone("the browser is gone (%s)" % e)
        return self._next_id

    def _event(self, msg):
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Page.loadEventFired":
            self._loads += 1
        elif method == "Page.javascriptDialogOpening":
            self.dialogs.append(params.get("message", ""))
            self._write("Page.handleJavaScriptDialog", {"accept": False}, msg.get("sessionId"))
        elif method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            self.errors.append(d.get("exception", {}).get("description") or d.get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                        for a in params.get("args", [])))

    def _pump(self, timeout):
        """Handles one message (an answer is kept, an event acted on); False on timeout."""
        try:
            msg = self._inbox.get(timeout=timeout)
        except queue.Empty:
            return False
        if msg is None:
            self._inbox.put(None)
            raise BrowserGone("the browser closed the DevTools pipe")
        if "id" in msg:
            self._answers[msg["id"]] = msg
        else:
            self._event(msg)
        return True

    def send(self, method, params=None, session=None, timeout=30):
        """Sends one command (to the browser, or to a session) and returns its result."""
        mid = self._write(method, params, session)
        deadline = time.monotonic() + timeout
        while mid not in self._answers:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("%s: no answer in %g s" % (method, timeout))
            self._pump(left)
        msg = self._answers.pop(mid)
        if "error" in msg:
            raise CDPError("%s: %s" % (method, msg["error"].get("message", msg["error"])))
        return msg.get("result", {})

    def page(self, method, params=None, timeout=30):
        return self.send(method, params, self._session, timeout)

    def _attach(self):
        deadline = time.monotonic() + 20
        while True:
            targets = self.send("Target.getTargets")["targetInfos"]
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                break
            if time.monotonic() > deadline:
                raise CDPError("no page target")
            time.sleep(0.1)
        self._session = self.send("Target.attachToTarget",
                                  {"targetId": pages[0]["targetId"], "flatten": True})["sessionId"]
        self.page("Page.enable")
        self.page("Runtime.enable")

    # ---- Page ----
    def navigate(self, url, timeout=30):
        """Loads url; returns once the page fired its load event."""
        loads = self._loads
        res = self.page("Page.navigate", {"url": url}, timeout)
        if res.get("errorText"):
            raise CDPError("navigate %s: %s" % (url, res["errorText"]))
        deadline = time.monotonic() + timeout
        while self._loads == loads:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("navigate %s: no load event in %g s" % (url, timeout))
            self._pump(left)
        return self.evaluate("location.href")

    def evaluate(self, expr, timeout=30):
        """The value of a JavaScript expression in the page (a promise is awaited)."""
        res = self.page("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                             "awaitPromise": True, "userGesture": True}, timeout)
        if "exceptionDetails" in res:
            d = res["exceptionDetails"]
            raise CDPError("JavaScript: " + (d.get("exception", {}).get("description")
                                             or d.get("text", "exception")))
        return res.get("result", {}).get("value")

    def wait_for(self, expr, timeout=10, interval=0.1):
        """Polls expr until it is truthy and returns its value; CDPError after timeout seconds.
        An exception in expr (or a page that is being replaced) counts as not yet."""
        deadline = time.monotonic() + timeout
        last = None
        # Truthy as JavaScript sees it: an element is truthy, though by value it is {}.
        probe = "Promise.resolve((%s)).then(v => [!!v, v])" % expr
        while True:
            try:
                truthy, value = self.evaluate(probe, timeout=max(1, deadline - time.monotonic()))
                if truthy:
                    return value
                last = "value %s" % json.dumps(value)
            except BrowserGone:
                raise
            except CDPError as e:
                last = str(e)
            if time.monotonic() >= deadline:
                raise CDPError("timeout after %g s waiting for %s (last: %s)" % (timeout, expr, last))
            # Keep handling events (dialogs) while waiting.
            pause_end = time.monotonic() + interval
            while time.monotonic() < pause_end:
                self._pump(pause_end - time.monotonic())

    def screenshot(self, path):
        """Writes a PNG of the whole page (beyond the window's height) to path."""
        res = self.page("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(res["data"]))
        return path

    # ---- End ----
    def close(self):
        """Browser.close, then waits for the process (killed after 10 s); removes the profile."""
        if getattr(self, "proc", None) and self.proc.poll() is None:
            try:
                self._write("Browser.close", {}, None)
            except CDPError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                self.proc.wait()
        for fd in (self._cmd_w, self._msg_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._cmd_w = self._msg_r = -1
        shutil.rmtree(self._profile, ignore_errors=True)
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def serve(browser, lines, out):
    """The line protocol of the command form (see the module's documentation)."""
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        cmd, _, arg = line.partition(" ")
        try:
            if cmd == "navigate":
                value = browser.navigate(arg)
            elif cmd == "eval":
                value = browser.evaluate(arg)
            elif cmd == "wait":
                secs, _, expr = arg.partition(" ")
                value = browser.wait_for(expr, timeout=float(secs))
            elif cmd == "screenshot":
                value = browser.screenshot(arg)
            elif cmd == "dialogs":
                value = browser.dialogs
            elif cmd == "errors":
                value = browser.errors
            elif cmd == "quit":
                out.write("ok null\n")
                out.flush()
                return
            else:
                raise CDPError("unknown command %r" % cmd)
            out.write("ok " + json.dumps(value) + "\n")
        except (CDPError, ValueError, OSError) as e:
            out.write("error " + " ".join(str(e).split()) + "\n")
        out.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chromium", help="the browser binary (default: chromium from PATH)")
    ap.add_argument("--log", help="file for the browser's own output")
    args = ap.parse_args()

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        browser = Browser(binary=args.chromium, log_path=args.log)
    except (CDPError, OSError) as e:
        print("error " + " ".join(str(e).split()), flush=True)
        return 1
    try:
        print("ready " + browser.version, flush=True)
        serve(browser, sys.stdin, sys.stdout)
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
