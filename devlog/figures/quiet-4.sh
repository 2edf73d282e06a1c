#!/usr/bin/env bash
# Quiet figures of the fourth session: one job at a time, priority order, each time-boxed.
cd /work/main
U="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE"
H="env -u OPENBLAS_L2_SIZE NUMBA_CPU_NAME=haswell NUMBA_CPU_FEATURES=+avx2,+fma OPENBLAS_CORETYPE=Haswell"
run() { echo; echo "######## $*  ($(date +%T), load $(cut -d' ' -f1 /proc/loadavg))"; timeout 900 "$@" 2>&1 | grep -v "Warning\|warn(" ; }
run $U python benchmarks/bench_coldstart.py --kernels --text
run $U jitla bench overhead --stacks --repeat 7 --text
run $U python benchmarks/bench_svd_family.py --sizes 100 200 --repeat 7
run $U python benchmarks/bench_glm.py --n 1000000 --threads 1 --repeat 2
run $U python benchmarks/bench_lasso.py --repeat 3 --threads 1
run $U python benchmarks/bench_rlm.py --threads 1 --repeat 2
run $U python benchmarks/bench_nls.py --repeat 7
run $U python benchmarks/bench_dask.py --n 10000000 --chunk 500000 --repeat 2
run $U jitla bench factor --repeat 5
run $H jitla bench factor --repeat 5
run $U jitla bench gemm --sizes 256 1024 2048 --variants packed parallel --threads 1 2 --repeat 5
run $U python benchmarks/bench_lu_mid.py --sizes 100 200 300 --repeat 51
run $U python benchmarks/bench_extras.py
echo; echo "######## done $(date +%T), load $(cut -d' ' -f1 /proc/loadavg)"
