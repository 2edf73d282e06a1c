#!/usr/bin/env bash
# Quiet figures of the ninth session (Zen 5 host): one job at a time, priority order, each time-boxed.
# AVX2 runs set NUMBA_CPU_FEATURES too: NUMBA_CPU_NAME=haswell alone keeps the host's AVX-512 features.
cd /work/main
U="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE"
H="env -u OPENBLAS_L2_SIZE NUMBA_CPU_NAME=haswell NUMBA_CPU_FEATURES=+avx2,+fma OPENBLAS_CORETYPE=Haswell"
run() { echo; echo "######## $*  ($(date +%T), load $(cut -d' ' -f1 /proc/loadavg))"; timeout 600 "$@" 2>&1 | grep -v "Warning\|warn(\|Consider loading\|See also https\|This may cause\|^\[ *[0-9]*/" ; }
run $U jitla info --text
run $U jitla bench gemm --sizes 1024 2048 --variants packed parallel --text
run $H jitla bench gemm --sizes 1024 2048 --variants packed parallel --text
run $U jitla bench gemm --sizes 184 256 512 --variants packed --text
run $H jitla bench gemm --sizes 184 256 512 --variants packed --text
run $U jitla bench factor --sizes 2048 --repeat 3 --text
run $H jitla bench factor --sizes 2048 --repeat 3 --text
run $U python benchmarks/bench_misses.py
run $H python benchmarks/bench_misses.py
run $U python devlog/figures/082-matmul-api.py
run $U python devlog/figures/089-matmul-100.py 100 64 128
run $U jitla bench overhead --stacks --repeat 7 --text
run $H jitla bench overhead --repeat 7 --text --no-regression
run $U python benchmarks/bench_coldstart.py --kernels --text
run $U python benchmarks/bench_svd_family.py --sizes 50 100 200 --repeat 9 --matrix gaussian
run $U python benchmarks/bench_complex_factor.py --sizes 256 1024 --ops lu qr svd svdvals --repeat 5
run $U python benchmarks/bench_complex.py --matmul --repeat 7
run $U python benchmarks/bench_complex_structured.py --eigh 128 256 512
W=$(mktemp -d /tmp/jitla-warmup-XXXX)
run env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE NUMBA_CACHE_DIR=$W /usr/bin/time -f "warmup: %e s wall, %U+%S s CPU" jitla warmup --text
rm -rf "$W"
echo; echo "######## done $(date +%T), load $(cut -d' ' -f1 /proc/loadavg)"
