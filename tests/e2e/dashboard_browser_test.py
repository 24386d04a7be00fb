#!/usr/bin/env python3
"""`racker compose dashboard` in a real browser (root only): a three-service
stack on real nspawn containers, the dashboard on a free loopback port, and
Debian's Chromium, headless, driven by chromedriver through Selenium. The page
must list every service, show a log line that a service prints after the page
has loaded (it arrives over server-sent events), and render the dependency
graph; a screenshot is saved and checked. The HTTP side is checked too: the
JSON route, 405 for anything but GET/HEAD, 404. Everything is removed
afterwards: the stack, the dashboard, the browser and its profile."""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request

PROJECT = "dashe2e"
COMPOSE = """services:
  web:
    image: rk-dash-busybox
    command: ["httpd", "-f", "-p", "8080", "-h", "/srv"]
    ports: ["127.0.0.1::8080"]
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/"]
      interval: 200ms
  worker:
    image: rk-dash-busybox
    command: ["sh", "-c", "echo worker ready; exec sleep 1000"]
    depends_on:
      web: {condition: service_healthy}
  cache:
    image: rk-dash-busybox
    command: ["sh", "-c", "echo cache ready; exec sleep 1000"]
"""


def busybox_rootfs_tar(path):
    """A busybox userland: /bin/busybox, its applets as links, /srv/index.html."""
    applets = subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True, check=True).stdout.split()
    with tarfile.open(path, "w") as tar:
        def add_dir(name):
            info = tarfile.TarInfo(name)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)

        def add_file(name, data, mode=0o644):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            import io
            tar.addfile(info, io.BytesIO(data))

        for d in ("bin", "etc", "srv", "tmp", "proc", "sys", "dev", "run"):
            add_dir(d)
        with open("/bin/busybox", "rb") as f:
            add_file("bin/busybox", f.read(), 0o755)
        for applet in applets:
            if applet == "busybox":
                continue
            info = tarfile.TarInfo("bin/" + applet)
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(info)
        add_file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
        add_file("etc/group", b"root:x:0:\nnogroup:x:65534:\n")
        add_file("srv/index.html", b"hello from web\n")


def http(method, url):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def browse(url, services, trigger, screenshot, profile):
    """Opens the page in headless Chromium; returns what it saw."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--user-data-dir=" + profile, "--no-first-run"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    seen = {"services": [], "token": False, "graph": False}
    try:
        driver.get(url)

        def within(seconds, done):
            deadline = time.time() + seconds
            while time.time() < deadline:
                if done():
                    return True
                time.sleep(0.2)
            return done()

        # Read in one script call: the table is re-rendered whenever the rows
        # change, so element handles can go stale between two calls.
        def rows():
            return driver.execute_script(
                "return [...document.querySelectorAll('#services tbody td.service')].map(e => e.textContent);")

        def log_text():
            return driver.execute_script("return document.getElementById('logs').textContent;")

        within(60, lambda: set(services) <= set(rows()))
        seen["services"] = rows()
        # The line is printed only now, after the page has loaded and rendered.
        subprocess.run(trigger["argv"], env=trigger["env"], capture_output=True, timeout=60)
        seen["token"] = within(30, lambda: trigger["token"] in log_text())
        seen["graph"] = within(10, lambda: driver.execute_script(
            "const i = document.getElementById('graph-img'); return !!i && i.complete && i.naturalWidth > 0;"))
        driver.save_screenshot(screenshot)
    finally:
        driver.quit()
    return seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--racker", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--corpus")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("skipping: the dashboard browser test needs root (real containers)")
        return 0
    failures = []

    def expect(cond, what):
        if not cond:
            failures.append(what)

    for tool in ("/usr/bin/chromium", "/usr/bin/chromedriver", "/bin/busybox"):
        if not os.access(tool, os.X_OK):
            print(f"FAIL: {tool} is missing (scripts/setup installs chromium, chromium-driver, busybox-static)")
            return 1
    try:
        import selenium  # noqa: F401
    except ImportError:
        print("FAIL: python3-selenium is missing (scripts/setup installs it)")
        return 1

    racker = os.path.abspath(args.racker)
    tmp = tempfile.mkdtemp(prefix="racker-dashboard-", dir="/var/tmp")
    env = dict(os.environ, RACKER_ROOT=os.path.join(tmp, "root"), RACKER_RUN=os.path.join(tmp, "run"))
    project_dir = os.path.join(tmp, "project")
    profile = os.path.join(tmp, "chromium-profile")
    os.makedirs(project_dir)
    with open(os.path.join(project_dir, "compose.yaml"), "w") as f:
        f.write(COMPOSE)
    compose = [racker, "compose", "-p", PROJECT, "-f", os.path.join(project_dir, "compose.yaml")]
    dashboard = None
    screenshot = os.path.join(os.getcwd(), "dashboard-screenshot.png")
    try:
        busybox_rootfs_tar(os.path.join(tmp, "rootfs.tar"))
        r = subprocess.run([racker, "image", "import", os.path.join(tmp, "rootfs.tar"), "rk-dash-busybox:latest"],
                           env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("image import failed: " + r.stderr)
        r = subprocess.run(compose + ["up", "-d", "--wait"], env=env, capture_output=True, text=True, timeout=180)
        if r.returncode != 0:
            raise RuntimeError("up failed: " + r.stderr)

        dashboard = subprocess.Popen(compose + ["dashboard", "--listen", "127.0.0.1:0"], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = dashboard.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        if not m:
            raise RuntimeError(f"dashboard did not start: {first!r} {dashboard.stderr.read() if dashboard.poll() is not None else ''}")
        url = f"http://127.0.0.1:{m.group(1)}/"

        status, ctype, body = http("GET", url + "api/services")
        rows = json.loads(body) if status == 200 else []
        expect(status == 200 and ctype.startswith("application/json"), f"/api/services: {status} {ctype}")
        expect(sorted(r["Service"] for r in rows) == ["cache", "web", "worker"], f"/api/services rows: {rows}")
        expect(all(r["State"] == "running" for r in rows), "every service runs")
        web = [r for r in rows if r["Service"] == "web"]
        expect(web and web[0]["Health"] == "healthy" and web[0]["Publishers"][0]["TargetPort"] == 8080,
               f"web's health and port: {web}")
        status, ctype, body = http("GET", url + "api/graph.svg")
        expect(status == 200 and ctype.startswith("image/svg+xml") and b"<svg" in body, f"graph.svg: {status} {ctype}")
        expect(b">worker<" in body and b">web<" in body, "the graph names the services")
        expect(http("POST", url)[0] == 405, "POST is refused (read-only)")
        expect(http("DELETE", url + "api/services")[0] == 405, "DELETE is refused (read-only)")
        expect(http("GET", url + "nope")[0] == 404, "unknown paths are 404")
        status, ctype, body = http("GET", url)
        expect(status == 200 and b"racker compose dashboard" in body and b"http://" not in body.replace(b"http://www.w3.org", b""),
               "the page is served and loads nothing from outside")

        token = f"dashboard-live-{os.getpid()}"
        trigger = {"argv": compose + ["exec", "-T", "worker", "sh", "-c", f"echo {token} > /proc/1/fd/1"],
                   "env": env, "token": token}
        seen = browse(url, ["web", "worker", "cache"], trigger, screenshot, profile)
        expect(sorted(seen["services"]) == ["cache", "web", "worker"], f"the browser lists every service: {seen['services']}")
        expect(seen["token"], "a log line printed after the page loaded appears live")
        expect(seen["graph"], "the dependency graph image is rendered")
        with open(screenshot, "rb") as f:
            png = f.read()
        expect(png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10000, f"the screenshot is a non-empty PNG ({len(png)} bytes)")
        print(f"screenshot: {screenshot} ({len(png)} bytes)")

        dashboard.send_signal(signal.SIGTERM)
        expect(dashboard.wait(timeout=10) == 0, "the dashboard exits 0 on SIGTERM")
    except Exception as e:  # the cleanup below runs whatever happened
        failures.append(f"{type(e).__name__}: {e}")
    finally:
        if dashboard and dashboard.poll() is None:
            dashboard.kill()
            dashboard.wait()
        subprocess.run(compose + ["down", "-v", "-t", "1"], env=env, capture_output=True, timeout=120)
        left = subprocess.run(["pgrep", "-f", profile], capture_output=True, text=True).stdout.split()
        for pid in left:
            os.kill(int(pid), signal.SIGKILL)
        expect(not left, f"no browser process is left ({left})")
        mounts = [l for l in open("/proc/self/mounts").read().splitlines() if tmp in l]
        expect(not mounts, f"no mounts are left: {mounts}")
        shutil.rmtree(tmp, ignore_errors=True)

    for f in failures:
        print("FAIL:", f)
    print(f"{'FAILED' if failures else 'ok'}: dashboard in headless Chromium")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
