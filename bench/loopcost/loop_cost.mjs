// What Node's event loop costs per network round trip, apart from any SDK: the process's CPU
// time and context switches per request/reply with an echo peer in another process (a
// net.Socket and a Promise per reply: the least a Promise API can do). Compare with
// loop_cost.py's blocking row: the difference is what any Promise-based client pays per call on
// top of the same work done blocking.
//
//     node bench/loopcost/loop_cost.mjs [round_trips]
//
// Prints one JSON line. See bench/README.md, "Where the time goes".

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUEST = 600;
const REPLY = 200; // about an append's request and reply on the wire
const here = dirname(fileURLToPath(import.meta.url));

// CPU ns and context switches of this process so far (all threads).
function usage() {
  let cpu = 0;
  let switches = 0;
  for (const task of readdirSync('/proc/self/task')) {
    cpu += Number(readFileSync(`/proc/self/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    for (const line of readFileSync(`/proc/self/task/${task}/status`, 'utf8').split('\n')) {
      if (line.includes('ctxt_switches')) switches += Number(line.split(/\s+/)[1]);
    }
  }
  return [cpu, switches];
}

const n = Number(process.argv[2] ?? 5000);
const server = spawn('python3', [join(here, 'echo_server.py'), String(REQUEST), String(REPLY)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(Number(d))));
const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
await new Promise((resolve) => socket.once('connect', resolve));

let got = 0;
let waiter = null;
socket.on('data', (data) => {
  got += data.length;
  if (got >= REPLY) {
    got = 0;
    waiter();
  }
});
const request = Buffer.alloc(REQUEST, 'q');
const call = () =>
  new Promise((resolve) => {
    waiter = resolve;
    socket.write(request);
  });

for (let i = 0; i < n / 10; i++) await call(); // warm-up
const [cpu0, sw0] = usage();
for (let i = 0; i < n; i++) await call();
const [cpu1, sw1] = usage();
socket.destroy();
server.kill();
console.log(
  JSON.stringify({
    language: 'node',
    mode: 'promise',
    cpu_us_per_round_trip: Math.round((cpu1 - cpu0) / 1e2 / n) / 10,
    switches_per_round_trip: Math.round(((sw1 - sw0) / n) * 100) / 100,
  }),
);
