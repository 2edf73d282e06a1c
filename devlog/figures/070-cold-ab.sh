# alternating cold-process CPU (user+sys) of two trees: TREES="/path/a /path/b" devlog/figures/070-cold-ab.sh 3 svd
# alternating base/branch process CPU (user+sys) of a cold statement; $1 = N pairs, rest = statement
N=$1; shift
for i in $(seq $N); do
 for tree in $TREES; do
  c=$( { cd $tree && NUMBA_CACHE_DIR=$(mktemp -d) PYTHONPATH=$tree /usr/bin/time -f "%U %S" python -c "
import numpy as np, jitla.linalg, jitla.regression
from jitla.profiling.coldstart import CALLS
rng=np.random.default_rng(0); n=200; m=1000; p=10
for name in '$*'.split():
    s,c=CALLS[name]; exec(s); exec(c)
" ; } 2>&1 | tail -1 | awk '{print $1+$2}')
  echo "$(basename $tree) $c"
 done
done
