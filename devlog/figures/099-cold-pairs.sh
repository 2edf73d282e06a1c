# usage: bash devlog/figures/099-cold-pairs.sh N /tmp/base /tmp/new [calls...]: A and B started together, twelve.py (fresh cache), calls CPU, process CPU, peak RSS
N=$1; A=$2; B=$3; shift 3
for i in $(seq $N); do
  l0=$(cut -d' ' -f1 /proc/loadavg)
  (cd $A && PYTHONPATH=$A /usr/bin/time -f "RSS %M PROC %U %S" python /work/wt/tools/twelve.py "$@" > /tmp/ir/ma.$i 2>&1) &
  (cd $B && PYTHONPATH=$B /usr/bin/time -f "RSS %M PROC %U %S" python /work/wt/tools/twelve.py "$@" > /tmp/ir/mb.$i 2>&1) &
  wait
  a=$(grep calls_cpu /tmp/ir/ma.$i | awk '{print $2}'); b=$(grep calls_cpu /tmp/ir/mb.$i | awk '{print $2}')
  ra=$(grep RSS /tmp/ir/ma.$i | awk '{print $2/1024}'); rb=$(grep RSS /tmp/ir/mb.$i | awk '{print $2/1024}')
  pa=$(grep RSS /tmp/ir/ma.$i | awk '{print $4+$5}'); pb=$(grep RSS /tmp/ir/mb.$i | awk '{print $4+$5}')
  echo "pair $i calls A $a B $b d $(python -c "print(f'{$b-$a:+.2f}')") | proc A $pa B $pb | rssMB A $ra B $rb | load $l0->$(cut -d' ' -f1 /proc/loadavg)"
  grep calls_cpu /tmp/ir/ma.$i | cut -d'|' -f2 | sed 's/^/   A/'; grep calls_cpu /tmp/ir/mb.$i | cut -d'|' -f2 | sed 's/^/   B/'
done
