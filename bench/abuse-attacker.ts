/**
 * The attacker of bench:abuse, in a process of its own (bench/abuse.ts starts it): from ABUSE_FROM
 * (another loopback address) against ABUSE_URL, holding one agent's token (ABUSE_TOKEN) and using it
 * and no token at once, until SIGTERM; then it prints, as JSON, how each kind of request was answered.
 *
 * Each loop waits for its answer before the next request, as a client does; a connection the service
 * closes is opened again after 50 ms (without that pause the loop is a connection flood, which is
 * for a firewall to stop, not for the service).
 */
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { send } from './http-send.js';

const url = new URL(process.env.ABUSE_URL as string);
const token = process.env.ABUSE_TOKEN as string;
const from = process.env.ABUSE_FROM ?? '127.0.0.2';

/** Examples at the limits a manifest may carry (100 of 2,000 characters), each one long word. */
const EXAMPLES = 100;
const EXAMPLE_LENGTH = 2_000;
const SLOW_BODIES = 200;
const STALLED_REPLAYS = 100;
const READING_REPLAYS = 5;
const TOKEN_GUESSERS = 4;

let stopping = false;
const stopped = new Promise<void>((resolve) =>
  process.once('SIGTERM', () => {
    stopping = true;
    resolve();
  }),
);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const counts: Record<string, Record<string, number>> = {};
function count(kind: string, status: number): void {
  const byStatus = counts[kind] ?? {};
  byStatus[status] = (byStatus[status] ?? 0) + 1;
  counts[kind] = byStatus;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** One request from the attacker's address; its status (0: no answer). */
async function sendFromHere(
  method: string,
  path: string,
  options: { token?: string; body?: string } = {},
): Promise<number> {
  return (await send(agent, url, method, path, { ...options, localAddress: from })).status;
}

async function loop(kind: string, once: () => Promise<number>): Promise<void> {
  while (!stopping) {
    const status = await once();
    count(kind, status);
    if (status === 0) await pause(50);
  }
}

/** A raw connection from the attacker's address; resolves when the service closes it, or on stop. */
async function rawConnection(kind: string, request: string, onOpen: (socket: Socket) => void): Promise<void> {
  while (!stopping) {
    const socket = connect({ host: url.hostname, port: Number(url.port), localAddress: from });
    socket.on('error', () => undefined);
    let head = '';
    socket.once('data', (chunk) => {
      head = chunk.toString('latin1', 0, 20);
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(request);
    onOpen(socket);
    await Promise.race([closed, stopped]);
    socket.destroy();
    count(kind, Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0));
    if (!stopping) await pause(50);
  }
}

const longWords = JSON.stringify({
  examples: Array.from(
    { length: EXAMPLES },
    (_, i) => `${'x'.repeat(EXAMPLE_LENGTH - 4)}${String(i).padStart(4, '0')}`,
  ),
});
const oddTexts = [
  'evil\ud800',
  'nul\u0000',
  '\u202eevil\u202c',
  '\udfff'.repeat(1000),
  '👩‍👩‍👧‍👦'.repeat(2000),
];
let odd = 0;
const replay = `GET /v1/events?last_event_id=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`;

const work = [
  // The agent's own token: the longest words its manifest may carry, accepted, again and again.
  loop('long words (PATCH 100 examples of 2,000 letters)', () =>
    sendFromHere('PATCH', '/v1/agents/attacker', { token, body: longWords }),
  ),
  // Odd Unicode in a body, with the agent's token and without.
  loop('odd Unicode', () => {
    const text = oddTexts[odd++ % oddTexts.length] as string;
    return sendFromHere('PATCH', '/v1/agents/attacker', {
      ...(odd % 2 === 0 ? { token } : {}),
      body: JSON.stringify({ description: text, keywords: [text] }),
    });
  }),
  // Guessing tokens.
  ...Array.from({ length: TOKEN_GUESSERS }, () =>
    loop('wrong tokens', () =>
      sendFromHere('GET', '/v1/agents', { token: randomBytes(32).toString('base64url') }),
    ),
  ),
  // Bodies that trickle in a byte a second.
  ...Array.from({ length: SLOW_BODIES }, () =>
    rawConnection(
      'slow bodies',
      `PATCH /v1/agents/attacker HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nContent-Length: 100000\r\n\r\n{"description":"`,
      (socket) => {
        const drip = setInterval(() => socket.write('a'), 1000);
        socket.once('close', () => clearInterval(drip));
      },
    ),
  ),
  // SSE replays from event 0 that never read: the socket is paused, the service's writes back up.
  ...Array.from({ length: STALLED_REPLAYS }, () =>
    rawConnection('SSE replay, not reading', replay, (socket) => socket.once('data', () => socket.pause())),
  ),
  // SSE replays from event 0 that read everything.
  ...Array.from({ length: READING_REPLAYS }, () =>
    rawConnection('SSE replay, reading', replay, () => undefined),
  ),
];

await stopped;
await Promise.race([Promise.all(work), pause(2000)]);
agent.destroy();
process.stdout.write(`${JSON.stringify(counts)}\n`);
process.exit(0);
