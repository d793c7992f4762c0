// A node program with a worker thread: the worker computes and posts a
// message; the main thread prints it and the worker's exit code.
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
if (isMainThread) {
  const w = new Worker(__filename, { workerData: 30 });
  w.on('message', (m) => console.log('worker says', m));
  w.on('exit', (c) => console.log('worker exited with', c));
} else {
  let a = 0n, b = 1n;
  for (let i = 0; i < workerData; i++) { [a, b] = [b, a + b]; }
  parentPort.postMessage('fib ' + a + ' at ' + process.hrtime.bigint() % 1000n);
}
