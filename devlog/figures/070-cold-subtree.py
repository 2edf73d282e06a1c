# usage: python devlog/figures/070-cold-subtree.py record; then ... 070-cold-subtree.py bidiagonal_qr (comma-separated entry names)
# CPU of a cold svd(A) after precompiling one out-of-line entry (and its callees): that subtree's share
import os, sys, tempfile, time, pickle
os.environ["NUMBA_CACHE_DIR"]=tempfile.mkdtemp()
import numpy as np, jitla.linalg, jitla._jit as J
rng=np.random.default_rng(0); A=rng.standard_normal((200,200))
if sys.argv[1]=="record":
    jitla.linalg.svd(A)
    pickle.dump([s.spec for s in J._slots.values()], open(os.path.join(tempfile.gettempdir(), "jitla-070-specs.pkl"),"wb"))
    for s in J._slots.values(): print(s.spec[0], s.spec[1])
    sys.exit()
specs=[s for s in pickle.load(open(os.path.join(tempfile.gettempdir(), "jitla-070-specs.pkl"),"rb")) if s[1] in sys.argv[1].split(",")]
t0=time.process_time()
for spec in specs: J._restore_slot(spec)
t1=time.process_time(); jitla.linalg.svd(A); t2=time.process_time()
print(f"{sys.argv[1]:40s} pre {t1-t0:.2f} svd-after {t2-t1:.2f}")
