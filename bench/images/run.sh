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

# Every run writes into a directory of its own, and nothing is deleted until
# the end: ext4 makes file creation several times slower for a while after
# many deletions (its allocator checks the inode table for recently deleted
# inodes), which would time the previous run's `rm -rf`, not the tool. Dirty
# data of the previous run is written back (sync) before each timed run, and
# the tools take turns within each round, so a drift of the disk's state
# over the run weighs on all of them alike.
# pull_with BINARY ROOT: one cold pull into a fresh state root; prints seconds.
pull_with() {
  sync
  local t0 t1
  t0=$(now)
  RACKER_ROOT="$2" DOCKER_CONFIG="$work/dc" "$1" pull -q "127.0.0.1:$port/bench/big:1" >/dev/null
  t1=$(now)
  echo "$t1 - $t0" | bc
}
baseline=""
[ -n "${RACKER_BASELINE:-}" ] && baseline=$(readlink -f "$RACKER_BASELINE")
: > "$work/racker.times"
: > "$work/baseline.times"
: > "$work/old.times"
: > "$work/old-copy.times"
for i in $(seq "$runs"); do
  echo "== round $i of $runs: racker pull${baseline:+, baseline racker pull}, skopeo copy + umoci unpack"
  pull_with "$racker" "$work/racker-root-new-$i" >> "$work/racker.times"
  [ -n "$baseline" ] && pull_with "$baseline" "$work/racker-root-baseline-$i" >> "$work/baseline.times"
  sync
  t0=$(now)
  skopeo --insecure-policy copy -q --src-tls-verify=false "docker://127.0.0.1:$port/bench/big:1" "oci:$work/oci-$i:big" >/dev/null
  t1=$(now)
  umoci unpack --image "$work/oci-$i:big" "$work/bundle-$i" >/dev/null
  t2=$(now)
  echo "$t2 - $t0" | bc >> "$work/old.times"
  echo "$t1 - $t0" | bc >> "$work/old-copy.times"
done
unpacked=$(du -sb "$work/racker-root-new-1/images/layers" | cut -f1)
echo "unpacked: $((unpacked / 1000000)) MB"

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
