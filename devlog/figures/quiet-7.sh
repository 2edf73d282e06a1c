#!/usr/bin/env bash
# Quiet figures of the seventh session: one job at a time, priority order, each time-boxed.
cd /work/main
U="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE"
run() { echo; echo "######## $*  ($(date +%T), load $(cut -d' ' -f1 /proc/loadavg))"; timeout 600 "$@" 2>&1 | grep -v "Warning\|warn(\|Consider loading\|See also https\|This may cause" ; }
run $U python benchmarks/bench_coldstart.py --kernels --text
run $U jitla bench overhead --stacks --repeat 7 --text
run $U python benchmarks/bench_svd_family.py --sizes 50 100 200 --repeat 9 --matrix gaussian
run $U python benchmarks/bench_complex_factor.py --sizes 256 1024 --ops lu qr svd svdvals --repeat 5
run $U python benchmarks/bench_complex.py --matmul --repeat 7
run $U python benchmarks/bench_complex.py --sizes 512 1024 --repeat 7
run $U python benchmarks/bench_complex_structured.py --eigh 128 256 512
run $U python benchmarks/bench_complex_structured.py 256 5
echo; echo "######## done $(date +%T), load $(cut -d' ' -f1 /proc/loadavg)"
