#!/usr/bin/env bash
# Quiet figures of the twelfth session (Zen 5 host): devlog 100's run (quiet-11.sh: cold start,
# per call, factorisations, GEMM, the misses, warmup, small matmul and small lstsq), then the
# table of devlog 103 (lstsq with a matrix of right-hand sides).  One job at a time.
bash "$(dirname "$0")/quiet-11.sh"
cd /work/main || exit 1
echo; echo "######## bench_lstsq.py --rhs  ($(date +%T), load $(cut -d' ' -f1 /proc/loadavg))"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=$PWD python benchmarks/bench_lstsq.py --rhs 2>&1
