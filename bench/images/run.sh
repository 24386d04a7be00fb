#!/usr/bin/env bash
# Pull + unpack benchmark: racker vs the old racker pipeline (skopeo copy +
# umoci unpack), same image, same local registry, same run.
#
# Builds a ~100 MB, 4-layer image from host files (real, compressible
# content), pushes it to a docker-registry on 127.0.0.1, then times N cold
# pulls with each tool (fresh store/destination every time; the page cache is
# warm for both). Needs root, docker-registry, skopeo, umoci.
#
# usage: bench/images/run.sh [RACKER_BINARY] [RUNS]
# RACKER_BASELINE=/path/to/older/racker also times that binary in the same
# run (before/after figures for a change to the pull path).
set -euo pipefail
racker=${1:-$(dirname "$0")/../../build/racker}
runs=${2:-3}
racker=$(readlink -f "$racker")
work=$(mktemp -d /tmp/racker-bench-images-XXXXXX)
registry_pid=""
cleanup() {
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/registry.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

echo "== building the image (4 layers from host files)"
umoci init --layout "$work/src" >/dev/null
umoci new --image "$work/src:bench" >/dev/null
for dir in /usr/lib/python3 /usr/share/perl /usr/share/i18n /usr/share/zoneinfo; do
  umoci insert --image "$work/src:bench" "$dir" "$dir" >/dev/null
done
umoci config --image "$work/src:bench" --config.cmd /bin/sh >/dev/null
skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$work/src:bench" "docker://127.0.0.1:$port/bench/big:1"
blobs=$(du -sb "$work/src/blobs" | cut -f1)
echo "compressed blobs: $((blobs / 1000000)) MB"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# time_racker BINARY TIMES_FILE: cold pulls into a fresh state root.
time_racker() {
  : > "$2"
  for i in $(seq "$runs"); do
    rm -rf "$work/racker-root"
    t0=$(now)
    RACKER_ROOT="$work/racker-root" DOCKER_CONFIG="$work/dc" "$1" pull -q "127.0.0.1:$port/bench/big:1" >/dev/null
    t1=$(now)
    echo "$t1 - $t0" | bc >> "$2"
  done
}
echo "== racker pull ($runs runs)"
time_racker "$racker" "$work/racker.times"
unpacked=$(du -sb "$work/racker-root/images/layers" | cut -f1)
echo "unpacked: $((unpacked / 1000000)) MB"
if [ -n "${RACKER_BASELINE:-}" ]; then
  echo "== baseline racker pull: $RACKER_BASELINE ($runs runs)"
  time_racker "$(readlink -f "$RACKER_BASELINE")" "$work/baseline.times"
fi

echo "== skopeo copy + umoci unpack ($runs runs)"
: > "$work/old.times"
: > "$work/old-copy.times"
for i in $(seq "$runs"); do
  rm -rf "$work/oci" "$work/bundle"
  t0=$(now)
  skopeo --insecure-policy copy -q --src-tls-verify=false "docker://127.0.0.1:$port/bench/big:1" "oci:$work/oci:big" >/dev/null
  t1=$(now)
  umoci unpack --image "$work/oci:big" "$work/bundle" >/dev/null
  t2=$(now)
  echo "$t2 - $t0" | bc >> "$work/old.times"
  echo "$t1 - $t0" | bc >> "$work/old-copy.times"
done

r=$(median < "$work/racker.times")
o=$(median < "$work/old.times")
c=$(median < "$work/old-copy.times")
echo
echo "racker pull:                 ${r}s (median of $runs)"
echo "skopeo copy + umoci unpack:  ${o}s (skopeo ${c}s, umoci $(echo "$o - $c" | bc)s)"
echo "speed-up:                    $(echo "scale=2; $o / $r" | bc)x"
if [ -n "${RACKER_BASELINE:-}" ]; then
  b=$(median < "$work/baseline.times")
  echo "baseline racker pull:        ${b}s (this one / baseline: $(echo "scale=2; $r / $b" | bc)x)"
fi
