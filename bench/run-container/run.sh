#!/usr/bin/env bash
# racker run --rm IMG true  vs  podman run --rm IMG true  vs  bare systemd-nspawn,
# on the same busybox rootfs, in the same run. Needs root, podman, runc,
# systemd-container, busybox-static and a built racker.
#   bench/run-container/run.sh [RACKER_BINARY] [ITERATIONS]
set -euo pipefail
racker=$(readlink -f "${1:-$(dirname "$0")/../../build/racker}")
n=${2:-20}
[ "$(id -u)" -eq 0 ] || { echo "run-container bench: needs root" >&2; exit 1; }
[ -x "$racker" ] || { echo "run-container bench: no racker binary at $racker" >&2; exit 1; }

work=$(mktemp -d /var/tmp/racker-bench-XXXXXX)
cleanup() {
  umount "$work/merged" 2>/dev/null || true
  RACKER_ROOT="$work/root" "$racker" rm -f $(RACKER_ROOT="$work/root" "$racker" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
  podman rmi -f localhost/racker-bench:latest >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$(dirname "$0")/../podman-setup"  # runc, cgroupfs: PID 1 is not systemd here

# One busybox rootfs tarball, imported into both stores.
mkdir -p "$work/rootfs/bin" "$work/rootfs/usr"
cp /bin/busybox "$work/rootfs/bin/"
for a in $("$work/rootfs/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$work/rootfs/bin/$a"; done
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
export RACKER_ROOT="$work/root"
"$racker" image import "$work/rootfs.tar" racker-bench:latest >/dev/null
podman import -q "$work/rootfs.tar" localhost/racker-bench:latest >/dev/null

# Bare nspawn, the floor: the same tree on an overlay, as racker mounts it.
mkdir -p "$work/upper" "$work/work" "$work/merged"
mount -t overlay overlay -o "lowerdir=$work/rootfs,upperdir=$work/upper,workdir=$work/work" "$work/merged"

python3 - "$n" "$racker" "$work" <<'PY'
import statistics, subprocess, sys, time
n, racker, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
cases = {
  "systemd-nspawn (floor)": ["systemd-nspawn", "-q", "-D", work + "/merged", "--register=no", "--keep-unit",
                             "--console=pipe", "--link-journal=no", "--timezone=off", "--resolv-conf=off", "/bin/true"],
  "racker run --rm": [racker, "run", "--rm", "racker-bench", "true"],
  "podman run --rm": ["podman", "run", "--rm", "localhost/racker-bench", "true"],
}
results = {}
for name, cmd in cases.items():
  subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm-up
for i in range(n):  # interleaved, so load changes hit every case alike
  for name, cmd in cases.items():
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results.setdefault(name, []).append((time.perf_counter() - t) * 1000)
print(f"{'case':26} {'median ms':>10} {'min ms':>8} {'p90 ms':>8}")
for name, times in results.items():
  times.sort()
  print(f"{name:26} {statistics.median(times):10.1f} {times[0]:8.1f} {times[int(len(times) * 0.9) - 1]:8.1f}")
floor = statistics.median(results["systemd-nspawn (floor)"])
rk = statistics.median(results["racker run --rm"])
pm = statistics.median(results["podman run --rm"])
print(f"racker overhead over bare nspawn: {rk - floor:.1f} ms; podman/racker: {pm / rk:.1f}x")
PY
