#!/usr/bin/env python3
"""A stand-in for Telegraf, written for racker's example (Debian does not
package Telegraf). It reads the same telegraf.conf, samples host statistics
from /proc every [agent] interval, listens for StatsD on udp
[[inputs.statsd]] service_address, and writes InfluxDB line protocol over
HTTP to [[outputs.influxdb]] urls / database, as Telegraf does.

Implemented inputs: cpu, mem, swap, system, kernel, processes, disk, diskio,
net, statsd (counters, gauges, sets, timings with percentiles; influx-style
",tag=value" bucket tags). Other inputs in the config are logged and skipped.
"""
import argparse
import math
import os
import socket
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request

IMPLEMENTED = {"cpu", "mem", "swap", "system", "kernel", "processes", "disk", "diskio", "net", "statsd"}


def log(msg):
    print(f"collector: {msg}", flush=True)


def seconds(text, default):
    """Telegraf durations: "5s", "1m", "500ms"."""
    if not text:
        return default
    for suffix, scale in (("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * scale
    return float(text)


# --- line protocol -------------------------------------------------------

def escape_key(s):
    return s.replace("\\", "\\\\").replace(",", "\\,").replace(" ", "\\ ").replace("=", "\\=")


def field_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return f"{v}i"
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else None
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def line(measurement, tags, fields, ts):
    parts = [escape_key(measurement)] + [f"{escape_key(k)}={escape_key(str(v))}" for k, v in sorted(tags.items()) if v != ""]
    rendered = [(k, field_value(v)) for k, v in fields.items()]
    body = ",".join(f"{escape_key(k)}={v}" for k, v in rendered if v is not None)
    return f"{','.join(parts)} {body} {ts}" if body else None


# --- host inputs (from /proc, as Telegraf's gopsutil reads them) ----------

def read(path):
    with open(path) as f:
        return f.read()


class HostInputs:
    def __init__(self, enabled, disk_ignore):
        self.enabled = enabled
        self.disk_ignore = set(disk_ignore)
        self.last_cpu = {}

    def sample(self):
        out = []
        for name in ("cpu", "mem", "swap", "system", "kernel", "processes", "disk", "diskio", "net"):
            if name in self.enabled:
                try:
                    out.extend(getattr(self, name)())
                except OSError as e:
                    log(f"input {name}: {e}")
        return out

    def cpu(self):
        out = []
        names = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice")
        for row in read("/proc/stat").splitlines():
            if not row.startswith("cpu"):
                continue
            cols = row.split()
            cpu = "cpu-total" if cols[0] == "cpu" else cols[0]
            ticks = [int(x) for x in cols[1:11]]
            prev, self.last_cpu[cpu] = self.last_cpu.get(cpu), ticks
            if prev is None:
                continue
            delta = [a - b for a, b in zip(ticks, prev)]
            total = sum(delta[:8]) or 1
            out.append(("cpu", {"cpu": cpu}, {f"usage_{n}": 100.0 * d / total for n, d in zip(names, delta)}))
        return out

    def meminfo(self):
        info = {}
        for row in read("/proc/meminfo").splitlines():
            key, _, rest = row.partition(":")
            info[key] = int(rest.split()[0]) * 1024
        return info

    def mem(self):
        m = self.meminfo()
        total, avail = m["MemTotal"], m.get("MemAvailable", m["MemFree"])
        used = total - avail
        return [("mem", {}, {"total": total, "available": avail, "free": m["MemFree"], "used": used,
                             "cached": m.get("Cached", 0), "buffered": m.get("Buffers", 0),
                             "used_percent": 100.0 * used / total, "available_percent": 100.0 * avail / total})]

    def swap(self):
        m = self.meminfo()
        total, free = m.get("SwapTotal", 0), m.get("SwapFree", 0)
        return [("swap", {}, {"total": total, "free": free, "used": total - free,
                              "used_percent": 100.0 * (total - free) / total if total else 0.0})]

    def system(self):
        load = read("/proc/loadavg").split()
        uptime = float(read("/proc/uptime").split()[0])
        return [("system", {}, {"load1": float(load[0]), "load5": float(load[1]), "load15": float(load[2]),
                                "n_cpus": os.cpu_count() or 1, "uptime": int(uptime)})]

    def kernel(self):
        fields = {}
        for row in read("/proc/stat").splitlines():
            cols = row.split()
            if cols[0] == "ctxt":
                fields["context_switches"] = int(cols[1])
            elif cols[0] == "btime":
                fields["boot_time"] = int(cols[1])
            elif cols[0] == "processes":
                fields["processes_forked"] = int(cols[1])
            elif cols[0] == "intr":
                fields["interrupts"] = int(cols[1])
        return [("kernel", {}, fields)]

    def processes(self):
        states = {"R": "running", "S": "sleeping", "D": "blocked", "Z": "zombies", "T": "stopped", "I": "idle"}
        counts = {v: 0 for v in states.values()}
        total = 0
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                state = read(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            total += 1
            if state in states:
                counts[states[state]] += 1
        counts["total"] = total
        return [("processes", {}, counts)]

    def disk(self):
        out, seen = [], set()
        for row in read("/proc/self/mounts").splitlines():
            device, path, fstype = row.split()[:3]
            if fstype in self.disk_ignore or path in seen or fstype in ("proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue"):
                continue
            seen.add(path)
            try:
                st = os.statvfs(path)
            except OSError:
                continue
            total, free = st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize
            used = total - st.f_bfree * st.f_frsize
            if total == 0:
                continue
            out.append(("disk", {"path": path, "device": os.path.basename(device), "fstype": fstype},
                        {"total": total, "free": free, "used": used,
                         "used_percent": 100.0 * used / (used + free) if used + free else 0.0,
                         "inodes_total": st.f_files, "inodes_free": st.f_ffree}))
        return out

    def diskio(self):
        out = []
        for row in read("/proc/diskstats").splitlines():
            c = row.split()
            if len(c) < 14 or c[2].startswith(("loop", "ram")):
                continue
            out.append(("diskio", {"name": c[2]}, {"reads": int(c[3]), "read_bytes": int(c[5]) * 512,
                                                   "read_time": int(c[6]), "writes": int(c[7]),
                                                   "write_bytes": int(c[9]) * 512, "write_time": int(c[10]),
                                                   "io_time": int(c[12])}))
        return out

    def net(self):
        out = []
        for row in read("/proc/net/dev").splitlines()[2:]:
            name, _, rest = row.partition(":")
            c = [int(x) for x in rest.split()]
            out.append(("net", {"interface": name.strip()}, {"bytes_recv": c[0], "packets_recv": c[1], "err_in": c[2],
                                                             "drop_in": c[3], "bytes_sent": c[8], "packets_sent": c[9],
                                                             "err_out": c[10], "drop_out": c[11]}))
        return out


# --- statsd ----------------------------------------------------------------

class Statsd:
    """Aggregates StatsD packets between flushes, as inputs.statsd does."""

    def __init__(self, conf):
        self.separator = conf.get("metric_separator", "_")
        self.percentiles = [float(p) for p in conf.get("percentiles", [90])]
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.counters, self.gauges, self.sets, self.timings = {}, {}, {}, {}

    def parse(self, packet):
        for text in packet.decode("utf-8", "replace").splitlines():
            bucket, _, rest = text.strip().partition(":")
            if not rest:
                continue
            name, *tag_parts = bucket.split(",")
            tags = dict(p.split("=", 1) for p in tag_parts if "=" in p)
            measurement = name.replace(".", self.separator)
            for sample in rest.split(":"):
                parts = sample.split("|")
                if len(parts) < 2:
                    continue
                value, kind = parts[0], parts[1]
                rate = 1.0
                for extra in parts[2:]:
                    if extra.startswith("@"):
                        rate = float(extra[1:]) or 1.0
                self.add(measurement, tags, kind, value, rate)

    def add(self, measurement, tags, kind, value, rate):
        key = (measurement, tuple(sorted(tags.items())))
        with self.lock:
            try:
                if kind == "c":
                    self.counters[key] = self.counters.get(key, 0) + int(float(value) / rate)
                elif kind == "g":
                    v = float(value)
                    self.gauges[key] = self.gauges.get(key, 0.0) + v if value[0] in "+-" else v
                elif kind == "s":
                    self.sets.setdefault(key, set()).add(value)
                elif kind in ("ms", "h"):
                    self.timings.setdefault(key, []).extend([float(value)] * max(1, int(1 / rate)))
            except ValueError:
                log(f"statsd: bad value {value!r} for {measurement}")

    def flush(self):
        with self.lock:
            counters, gauges, sets, timings = self.counters, self.gauges, self.sets, self.timings
            self.reset()  # delete_counters/gauges/sets/timings = true
        out = []
        for (m, tags), v in counters.items():
            out.append((m, dict(tags, metric_type="counter"), {"value": v}))
        for (m, tags), v in gauges.items():
            out.append((m, dict(tags, metric_type="gauge"), {"value": v}))
        for (m, tags), v in sets.items():
            out.append((m, dict(tags, metric_type="set"), {"value": len(v)}))
        for (m, tags), values in timings.items():
            values.sort()
            n = len(values)
            mean = sum(values) / n
            fields = {"count": n, "lower": values[0], "upper": values[-1], "mean": mean, "sum": sum(values),
                      "stddev": math.sqrt(sum((x - mean) ** 2 for x in values) / n)}
            for p in self.percentiles:
                fields[f"{p:g}_percentile"] = values[min(n - 1, int(math.ceil(p / 100.0 * n)) - 1)]
            out.append((m, dict(tags, metric_type="timing"), fields))
        return out

    def serve(self, address):
        host, _, port = address.rpartition(":")
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((host or "0.0.0.0", int(port)))
        log(f"statsd listening on udp {host or '0.0.0.0'}:{port}")
        while True:
            packet, _ = sock.recvfrom(65535)
            self.parse(packet)


# --- output ----------------------------------------------------------------

class InfluxOutput:
    def __init__(self, conf, limit):
        self.urls = conf.get("urls", ["http://localhost:8086"])
        self.database = conf.get("database", "telegraf")
        self.precision = conf.get("precision", "s")
        self.timeout = seconds(conf.get("timeout"), 5)
        self.limit = limit
        self.buffer = []
        self.database_created = False

    def post(self, url, path, params, body):
        req = urllib.request.Request(f"{url}{path}?{urllib.parse.urlencode(params)}", data=body, method="POST")
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            return resp.status

    def write(self, lines):
        self.buffer.extend(lines)
        del self.buffer[: max(0, len(self.buffer) - self.limit)]
        if not self.buffer:
            return
        for url in self.urls:
            try:
                if not self.database_created:  # Telegraf creates its database, as here
                    self.post(url, "/query", {"q": f'CREATE DATABASE "{self.database}"'}, b"")
                    self.database_created = True
                    log(f"database {self.database!r} ready on {url}")
                self.post(url, "/write", {"db": self.database, "precision": self.precision},
                          "\n".join(self.buffer).encode())
                self.buffer.clear()
                return
            except (urllib.error.URLError, OSError) as e:
                log(f"write to {url} failed ({e}); {len(self.buffer)} points kept")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="/etc/telegraf/telegraf.conf")
    args = ap.parse_args()
    with open(args.config, "rb") as f:
        conf = tomllib.load(f)
    agent = conf.get("agent", {})
    interval = seconds(agent.get("interval"), 10)
    flush_interval = seconds(agent.get("flush_interval"), interval)
    hostname = agent.get("hostname") or socket.gethostname()
    inputs = conf.get("inputs", {})
    for name in sorted(set(inputs) - IMPLEMENTED):
        log(f"input {name} is not implemented by this stand-in; skipped")
    outputs = conf.get("outputs", {}).get("influxdb", [])
    if not outputs:
        sys.exit("collector: no [[outputs.influxdb]] in the config")
    output = InfluxOutput(outputs[0], int(agent.get("metric_buffer_limit", 10000)))
    disk_conf = (inputs.get("disk") or [{}])[0]
    host = HostInputs(set(inputs), disk_conf.get("ignore_fs", []))
    statsd = None
    if "statsd" in inputs:
        statsd = Statsd(inputs["statsd"][0])
        threading.Thread(target=statsd.serve, args=(inputs["statsd"][0].get("service_address", ":8125"),),
                         daemon=True).start()
    log(f"interval {interval:g}s, output {output.urls} database {output.database!r}")

    pending, next_sample, next_flush = [], time.time(), time.time()
    while True:
        now = time.time()
        if now >= next_sample:
            ts = int(now)
            samples = host.sample() + (statsd.flush() if statsd else [])
            pending += [l for m, tags, fields in samples if (l := line(m, dict(tags, host=hostname), fields, ts))]
            next_sample += interval
        if now >= next_flush:
            output.write(pending)
            pending = []
            next_flush += flush_interval
        time.sleep(max(0.05, min(next_sample, next_flush) - time.time()))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
