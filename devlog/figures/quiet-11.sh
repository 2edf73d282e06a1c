#!/usr/bin/env bash
# Quiet figures of the eleventh session (Zen 5 host): devlog 096's run (quiet-10.sh: cold start,
# per call, factorisations, GEMM, the misses, warmup), then the per-call scripts of devlogs 097
# (small lstsq) and 098 (small matmul).  The session's own run had these two before the AVX2
# misses and the warmup; the order does not matter, one job runs at a time.
bash "$(dirname "$0")/quiet-10.sh"
cd /work/main || exit 1
U="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE"
for script in "098-matmul-small-bench.py 3 10 100" "097-small-square-lstsq-bench.py all"; do
    echo; echo "######## $script  ($(date +%T), load $(cut -d' ' -f1 /proc/loadavg))"
    # shellcheck disable=SC2086
    $U python devlog/figures/$script 2>&1
done
