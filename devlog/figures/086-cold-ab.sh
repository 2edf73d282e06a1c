# as 070-cold-ab.sh, printing also the call's own wall / CPU seconds: TREES="/path/a /path/b" bash devlog/figures/086-cold-ab.sh 3 eig
N=$1; shift
for i in $(seq $N); do
 for tree in $TREES; do
  out=$( { cd $tree && NUMBA_CACHE_DIR=$(mktemp -d /tmp/jitla-086.XXXX) PYTHONPATH=$tree /usr/bin/time -f "PROC %U %S" python -c "
import time, numpy as np, jitla.linalg, jitla.regression
from jitla.profiling.coldstart import CALLS
rng=np.random.default_rng(0); n=200; m=1000; p=10
for name in '$*'.split():
    s,c=CALLS[name]; exec(s)
    t=time.perf_counter(); c0=time.process_time(); exec(c); print('CALL %.2f %.2f' % (time.perf_counter()-t, time.process_time()-c0))
" ; } 2>&1 )
  call=$(echo "$out" | grep CALL | awk '{printf "%s/%s ", $2, $3}')
  proc=$(echo "$out" | grep PROC | awk '{printf "%.2f", $2+$3}')
  echo "$(basename $tree) call(wall/cpu) $call proc $proc load $(cut -d' ' -f1 /proc/loadavg)"
 done
done
rm -rf /tmp/jitla-086.*
