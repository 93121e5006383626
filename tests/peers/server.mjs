// WebSocket echo server peer for the C loadgen, using the `ws` package.
//
// Usage: node server.mjs [PORT]     (default 0: any free port)
//
// Binds 127.0.0.1 only and prints "listening on 127.0.0.1:PORT" once ready, so the
// test can start it on port 0 and read the chosen port. Runs until killed.
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
const wss = new WebSocketServer({ host: '127.0.0.1', port, backlog: 1024, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {}); // a peer that vanishes must not crash the server
});
wss.on('listening', () => {
  console.log(`listening on 127.0.0.1:${wss.address().port}`);
});
