// WebSocket client peer for the C example server, using the `ws` package.
//
// Usage: node client.mjs PORT [CONNECTIONS]
//
// `ws` validates Sec-WebSocket-Accept itself (it fails the handshake with
// "Invalid Sec-WebSocket-Accept header" otherwise), so a completed handshake is an
// independent check of the server. Prints "node client: OK ..." and exits 0 only if
// every check passed; a global timer bounds the whole run.
import WebSocket from 'ws';

const port = Number(process.argv[2]);
const count = Number(process.argv[3] ?? 5);
const url = `ws://127.0.0.1:${port}/echo`;

const deadline = setTimeout(() => {
  console.error('node client: timed out');
  process.exit(1);
}, 20000);

function once(ws, event) {
  return new Promise((resolve, reject) => {
    ws.once(event, (...args) => resolve(args));
    ws.once('error', reject);
  });
}

async function one(i) {
  const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 5000 });
  await once(ws, 'open');

  const text = `hello ${i} \u00e9\u20ac`;
  ws.send(text);
  let [data, isBinary] = await once(ws, 'message');
  if (isBinary || data.toString('utf8') !== text) throw new Error(`text echo mismatch: ${data}`);

  const blob = Buffer.alloc(70000, i & 0xff); // 64-bit length form, several reads
  ws.send(blob);
  [data, isBinary] = await once(ws, 'message');
  if (!isBinary || !blob.equals(data)) throw new Error('binary echo mismatch');

  ws.ping(Buffer.from('ping?'));
  const [pong] = await once(ws, 'pong');
  if (pong.toString() !== 'ping?') throw new Error(`pong payload mismatch: ${pong}`);

  ws.close(1000, 'bye');
  const [code] = await once(ws, 'close');
  if (code !== 1000) throw new Error(`close code ${code}`);
}

try {
  for (let i = 0; i < count; i++) await one(i);
  clearTimeout(deadline);
  console.log(`node client: OK ${count} connections`);
} catch (err) {
  console.error(`node client: FAILED: ${err.message}`);
  process.exit(1);
}
