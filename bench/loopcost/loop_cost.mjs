// What Node's runtime costs per call on the bench's own appends, apart from any SDK: the floor's
// sequential appends, signed in advance (`raw presign`), sent in order on one keep-alive
// net.Socket to the real server, a Promise per reply. The socket reads into one buffer of its own
// (`onread`): no Buffer per chunk and no stream 'data' events, the least JavaScript can ask of
// Node's sockets (the 'data' events cost about 50 µs more per request here). The client's CPU
// time and context switches per request; the first request warms the connection up. Compare
// with the floor's replay (`raw replay`): see loop_cost.py.
//
//     node bench/loopcost/loop_cost.mjs <setup.json> <requests.jsonl>
//
// Prints one JSON line. See bench/README.md, "Where the time goes".

import { readFileSync } from 'node:fs';
import net from 'node:net';

import { processUsage } from '../node/usage.mjs';

// The length of the whole HTTP reply at the start of `data`, once its head is in (Buffer
// operations only: the least JavaScript can do).
function replyLength(data) {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  if (data.indexOf('HTTP/1.1 200') !== 0) throw new Error(`reply: ${data.subarray(0, data.indexOf('\r\n'))}`);
  const at = data.indexOf('\r\nContent-Length:'); // as Go's net/http writes it
  if (at < 0 || at > end) throw new Error('reply without Content-Length');
  return end + 4 + Number(data.subarray(at + 17, data.indexOf('\r\n', at + 17)).toString('latin1'));
}

if (process.argv.length !== 4) {
  console.error('usage: node bench/loopcost/loop_cost.mjs <setup.json> <requests.jsonl>');
  process.exit(2);
}
const setup = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const requests = readFileSync(process.argv[3], 'utf8')
  .split('\n')
  .filter((line) => line)
  .map((line) => Buffer.from(JSON.parse(line), 'latin1'));
// Node reads every chunk into the start of `buffer`: a reply's first part is copied out until
// the rest is in.
const buffer = Buffer.alloc(65536);
let partial = null;
let waiter = null;
const onread = {
  buffer,
  callback(count) {
    const data = partial ? Buffer.concat([partial, buffer.subarray(0, count)]) : buffer.subarray(0, count);
    const length = replyLength(data);
    if (length !== null && data.length >= length) {
      partial = null;
      waiter.resolve();
    } else {
      partial = Buffer.from(data);
    }
  },
};
const socket = net.connect({ port: setup.port, host: setup.host, noDelay: true, onread });
await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
socket.on('close', () => waiter?.reject(new Error('the server closed the connection')));
const call = (request) =>
  new Promise((resolve, reject) => {
    waiter = { resolve, reject };
    socket.write(request);
  });

await call(requests[0]);
const [cpu0, sw0] = processUsage();
for (const request of requests.slice(1)) await call(request);
const [cpu1, sw1] = processUsage();
socket.destroy();
const n = requests.length - 1;
console.log(
  JSON.stringify({
    runtime: 'node',
    cpu_per_request_us: Math.round((cpu1 - cpu0) / 1e2 / n) / 10,
    switches_per_request: Math.round(((sw1 - sw0) / n) * 100) / 100,
  }),
);
