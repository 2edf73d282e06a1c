#!/usr/bin/env bash
# Quiet figures of the eleventh session (Zen 5 host), one job at a time, each time-boxed: cold start
# first (the session's subject), then per-call, factorisations, GEMM, the misses, warmup.
cd /work/main
U="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE"
H="env -u OPENBLAS_L2_SIZE NUMBA_CPU_NAME=haswell NUMBA_CPU_FEATURES=+avx2,+fma OPENBLAS_CORETYPE=Haswell"
run() { echo; echo "######## $*  ($(date +%T), load $(cut -d' ' -f1 /proc/loadavg))"; timeout 600 "$@" 2>&1 | grep -v "Warning\|warn(\|Consider loading\|See also https\|This may cause\|^\[ *[0-9]*/" ; }
run $U jitla info --text
run $U python benchmarks/bench_coldstart.py --text
for i in 1 2 3; do run $U /usr/bin/time -f "twelve: %e s wall, %U+%S s CPU, peak RSS %M KB" python devlog/figures/096-twelve.py; done
run $U jitla bench overhead --stacks --repeat 7 --text
run $H jitla bench overhead --repeat 7 --text --no-regression
run $U jitla bench factor --sizes 2048 --repeat 3 --text
run $H jitla bench factor --sizes 2048 --repeat 3 --text
run $U jitla bench gemm --sizes 1024 2048 --variants packed parallel --text
run $H jitla bench gemm --sizes 1024 2048 --variants packed parallel --text
run $U python benchmarks/bench_misses.py
run $U python devlog/figures/098-matmul-small-bench.py 3 10 100
run $U python devlog/figures/097-small-square-lstsq-bench.py all
run $H python benchmarks/bench_misses.py
W=$(mktemp -d /tmp/jitla-warmup-XXXX)
run $U NUMBA_CACHE_DIR=$W /usr/bin/time -f "warmup: %e s wall, %U+%S s CPU, peak RSS %M KB" jitla warmup --text
rm -rf "$W"
echo; echo "######## done $(date +%T), load $(cut -d' ' -f1 /proc/loadavg)"
