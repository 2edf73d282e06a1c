#!/bin/bash
# pairs: base and new started together
export -n NUMBA_CACHE_DIR
for i in 1 2; do
  for what in "lstsq" ""; do
    (cd /tmp/ls/base && PYTHONPATH=/tmp/ls/base python /work/wt/tools/twelve.py $what > /tmp/ls/cold_base_${i}_${what:-all}.txt 2>/dev/null) &
    (cd /tmp/ls/new && PYTHONPATH=/tmp/ls/new python /work/wt/tools/twelve.py $what > /tmp/ls/cold_new_${i}_${what:-all}.txt 2>/dev/null) &
    wait
    echo "pair $i ${what:-all} load $(cut -d' ' -f1 /proc/loadavg)"; echo " base: $(cat /tmp/ls/cold_base_${i}_${what:-all}.txt)"; echo " new:  $(cat /tmp/ls/cold_new_${i}_${what:-all}.txt)"
  done
done
