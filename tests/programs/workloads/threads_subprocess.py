# Python threads that each run a subprocess and hash its output, joined by
# the main thread; prints the results in thread order.
import hashlib
import subprocess
import threading

results = [None] * 4


def work(i):
    out = subprocess.run(["echo", f"child {i}"], capture_output=True, check=True).stdout
    results[i] = (out.decode().strip(), hashlib.sha256(out * 1000).hexdigest()[:16])


threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for r in results:
    print(*r)
