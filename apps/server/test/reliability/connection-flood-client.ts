/**
 * A hostile client, run as its own process by the connection-flood test: from one address (a
 * loopback alias, so the test's own checks come from another), it opens raw engine.io WebSocket
 * handshakes without a token, as many at a time as it may, and holds every one the server keeps.
 * Usage: node --import tsx connection-flood-client.ts PORT FROM_ADDRESS ATTEMPTS
 * Prints {attempts, upgraded, refused, closed, errors, heldAtEnd} as JSON.
 */
import { connect, type Socket } from 'node:net';

const [port, from, attempts] = process.argv.slice(2) as [string, string, string];
const total = Number(attempts);
const IN_FLIGHT = 400;
const tally = { attempts: 0, upgraded: 0, refused: 0, closed: 0, errors: 0, heldAtEnd: 0 };
const held = new Set<Socket>();
let inFlight = 0;

function attempt(): void {
  tally.attempts++;
  inFlight++;
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    inFlight--;
    pump();
  };
  const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: from });
  socket.setNoDelay(true);
  socket.once('connect', () => {
    socket.write(
      `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
  });
  socket.once('data', (chunk: Buffer) => {
    if (chunk.toString().startsWith('HTTP/1.1 101')) {
      tally.upgraded++;
      held.add(socket);
    } else tally.refused++;
    settle();
  });
  socket.once('error', () => {
    tally.errors++;
    settle();
  });
  socket.once('close', () => {
    if (held.delete(socket)) tally.closed++;
    else settle();
  });
}

function pump(): void {
  while (inFlight < IN_FLIGHT && tally.attempts < total) attempt();
  if (inFlight === 0 && tally.attempts >= total) finish();
}

function finish(): void {
  tally.heldAtEnd = held.size;
  process.stdout.write(`${JSON.stringify(tally)}\n`);
  for (const s of held) s.destroy();
  process.exit(0);
}

pump();
