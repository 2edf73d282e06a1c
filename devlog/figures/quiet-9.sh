#!/usr/bin/env bash
# Quiet figures of the ninth session (Zen 5 host): the eighth session's jobs (quiet-8.sh), then
# matmul around n = 100 (devlog 089) and `jitla warmup` with an empty cache, one job at a time.
cd /work/main
bash devlog/figures/quiet-8.sh | sed '/^######## done/d'
U="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE"
run() { echo; echo "######## $*  ($(date +%T), load $(cut -d' ' -f1 /proc/loadavg))"; timeout 600 "$@" 2>&1 | grep -v "Warning\|warn(\|Consider loading\|See also https\|This may cause\|^\[ *[0-9]*/" ; }
run $U python devlog/figures/089-matmul-100.py 100 64 128
W=$(mktemp -d /tmp/jitla-warmup-XXXX)
run $U NUMBA_CACHE_DIR=$W /usr/bin/time -f "warmup: %e s wall, %U+%S s CPU" jitla warmup --text
rm -rf "$W"
echo; echo "######## done $(date +%T), load $(cut -d' ' -f1 /proc/loadavg)"
