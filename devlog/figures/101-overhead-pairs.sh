#!/bin/sh
# Per-call overhead, the branch against main, alternating in one run (devlog 101).
# Usage: sh devlog/figures/101-overhead-pairs.sh BASE_TREE ROUNDS
# BASE_TREE holds main's files (git archive main | tar -x -C BASE_TREE); each side has its own
# Numba cache.  Prints each run's table; compare the ratio column (jitla / numpy, same process).
base=$1
rounds=${2:-3}
for i in $(seq "$rounds"); do
  for side in base new; do
    if [ "$side" = base ]; then tree=$base; else tree=$PWD; fi
    echo "== round $i $side $(uptime | sed 's/.*load/load/')"
    for set in "solve inv det cholesky matmul --sizes" "qr svd eigh eig pinv lstsq --sizes 3 10"; do
      # shellcheck disable=SC2086
      env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE NUMBA_CACHE_DIR=/tmp/wrap-cache-$side \
        PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$tree python -m jitla.cli bench overhead --text \
        --no-regression --functions $set 2>/dev/null | grep -E '^[a-z]+ +[0-9]+ '
    done
  done
done
