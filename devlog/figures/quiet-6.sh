#!/usr/bin/env bash
# Quiet figures of the sixth session: one job at a time, priority order, each time-boxed.
cd /work/main
U="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE"
H="env -u OPENBLAS_L2_SIZE NUMBA_CPU_NAME=haswell NUMBA_CPU_FEATURES=+avx2,+fma OPENBLAS_CORETYPE=Haswell"
run() { echo; echo "######## $*  ($(date +%T), load $(cut -d' ' -f1 /proc/loadavg))"; timeout 900 "$@" 2>&1 | grep -v "Warning\|warn(\|distributed.nanny\|distributed.worker\|Consider loading\|See also https\|This may cause" ; }
run $U python benchmarks/bench_coldstart.py --kernels --text
run $U jitla bench overhead --stacks --repeat 7 --text
run $U python benchmarks/bench_svd_family.py --sizes 50 100 200 --repeat 9 --matrix gaussian
run $U python benchmarks/bench_glm.py --n 1000000 --threads 1 2 --repeat 2
run $U python benchmarks/bench_dask.py --parquet /tmp/jitla_ooc --parquet-n 30000000
run $U python benchmarks/bench_complex_factor.py --sizes 256 1024 --ops lu cholesky qr --repeat 5
run $U python benchmarks/bench_complex.py --sizes 512 1024 --repeat 7
run $U python benchmarks/bench_complex.py --sweep --repeat 5
run $U python benchmarks/bench_complex_structured.py 256 5
run $U jitla bench factor --repeat 3 --text
run $H jitla bench factor --ops cholesky cholesky_lower --repeat 3 --text
run $U python benchmarks/bench_lasso.py --repeat 1 --threads 1 2 --cases tall
echo; echo "######## done $(date +%T), load $(cut -d' ' -f1 /proc/loadavg)"
