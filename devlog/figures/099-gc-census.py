# the cyclic garbage a cold svd leaves (GC off during it): SAVE=1 for the census and a collection that frees nothing
import collections
import gc
import os
import tempfile
import time

os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp()
import numpy as np

import jitla.linalg  # noqa: F401  (the calls are exec'd)
import jitla.regression  # noqa: F401
from jitla.profiling.coldstart import CALLS

rng = np.random.default_rng(0)
n = 200
m = 1000
p = 10
gc.collect()
gc.disable()
setup, call = CALLS["svd"]
exec(setup)
exec(call)
print("gen counts", gc.get_count(), "tracked", len(gc.get_objects(0)))
if os.environ.get("SAVE"):
    gc.set_debug(gc.DEBUG_SAVEALL)
    t = time.process_time()
    n0 = gc.collect(0)
    print("collect0 SAVEALL (no freeing)", time.process_time() - t)
    gc.set_debug(0)
    c = collections.Counter(type(o).__module__ + "." + type(o).__qualname__ for o in gc.garbage)
    print("garbage", len(gc.garbage), n0)
    for k, v in c.most_common(40):
        print(v, k)
else:
    t = time.process_time()
    k = gc.collect(0)
    print("collect0", k, time.process_time() - t)
if os.environ.get("SAVE"):
    import random

    lists = [o for o in gc.garbage if type(o) is list]
    random.seed(1)
    smp = random.sample(lists, 300)
    gset = {id(o) for o in gc.garbage}
    rc = collections.Counter()
    for l in smp:
        refs = [r for r in gc.get_referrers(l) if id(r) in gset]
        if not refs:
            rc["<none>"] += 1
            continue
        r = refs[0]
        if type(r) is dict:
            owners = [o for o in gc.get_referrers(r) if id(o) in gset and getattr(o, "__dict__", None) is r]
            rc[
                "dict of " + (type(owners[0]).__qualname__ if owners else "?") + " len%d" % min(len(l), 3)
            ] += 1
        else:
            rc[type(r).__qualname__ + " len%d" % min(len(l), 3)] += 1
    for k, v in rc.most_common(25):
        print(v, k)
