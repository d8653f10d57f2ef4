import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { startTracing, tracesEndpoint } from '../../src/telemetry/tracing.js';
import { finished, listeningAddress, spawnCli } from '../helpers/spawn-cli.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * `serve` sends spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, to a collector that is
 * here a plain HTTP server reading what the SDK's exporter posts (OTLP JSON), and flushes them as it
 * shuts down; without the variable it starts no SDK at all.
 */
const dir = tempDir();

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function collector(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string };
}
interface OtlpExport {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: { scope: { name: string }; spans: { name: string; attributes: OtlpAttribute[] }[] }[];
  }[];
}

const attributeOf = (attributes: readonly OtlpAttribute[], key: string) => {
  const value = attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.intValue;
};

describe('serve with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('sends a span for each decision to the collector, as its service, and flushes on SIGTERM', async () => {
    const otel = await collector();
    const child = spawnCli(['serve', '--port', '0', '--db', tempDbPath(dir)], {
      OTEL_EXPORTER_OTLP_ENDPOINT: `${otel.url}/otel/`,
      OTEL_SERVICE_NAME: 'router-under-test',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=k1', // one of the SDK's own variables
    });
    const done = finished(child);
    const address = await listeningAddress(child);
    const routed = await fetch(`${address}/v1/route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'audit the firewall', bids: [{ agent_id: 'mace', bid_sats: 20 }] }),
    });
    expect(routed.status).toBe(200);
    child.kill('SIGTERM');
    const run = await done;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`traces go to ${otel.url}/otel/v1/traces (OTLP/HTTP)`);

    expect(otel.received.map((r) => r.path)).toContain('/otel/v1/traces');
    const post = otel.received.find((r) => r.path === '/otel/v1/traces') as Received;
    expect(post.headers['x-collector-key']).toBe('k1');
    const exported = JSON.parse(post.body) as OtlpExport;
    const resource = exported.resourceSpans[0]?.resource.attributes ?? [];
    expect(attributeOf(resource, 'service.name')).toBe('router-under-test');
    const spans = exported.resourceSpans.flatMap((r) =>
      r.scopeSpans.filter((s) => s.scope.name === 'swarm-router').flatMap((s) => s.spans),
    );
    const decide = spans.find((s) => s.name === 'swarm_router.decide');
    expect(decide).toBeDefined();
    expect(attributeOf(decide?.attributes ?? [], 'swarm_router.winner')).toBe('mace');
    expect(attributeOf(decide?.attributes ?? [], 'swarm_router.decision.kind')).toBe('route');
    expect(post.body).not.toContain('firewall'); // no task text
  });

  it('refuses an endpoint that is not an http(s) URL, naming the variable, before opening anything', async () => {
    const db = tempDbPath(dir);
    const run = await finished(
      spawnCli(['serve', '--port', '0', '--db', db], { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "OTEL_EXPORTER_OTLP_ENDPOINT: expected an http(s) URL, got 'collector:4318'",
    );
    expect(existsSync(db)).toBe(false);
  });
});

describe('tracesEndpoint and startTracing', () => {
  it('takes the traces URL as it is, or the base URL with /v1/traces', () => {
    expect(tracesEndpoint({})).toBeUndefined();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBeUndefined();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe('http://c:4318/v1/traces');
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c/otlp//' })).toBe(
      'https://c/otlp/v1/traces',
    );
    expect(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4318/traces',
      }),
    ).toBe('http://t:4318/traces');
    expect(() => tracesEndpoint({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://t/x' })).toThrow(
      expect.objectContaining({
        code: 'invalid_request',
        message: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: expected an http(s) URL, got 'ftp://t/x'",
      }),
    );
  });

  it('registers nothing without an endpoint, or with OTEL_SDK_DISABLED=true', async () => {
    for (const env of [{}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }]) {
      const tracing = await startTracing(env);
      expect(tracing.endpoint).toBeUndefined();
      expect(trace.getTracer('swarm-router').startSpan('probe').isRecording()).toBe(false);
      await tracing.shutdown();
    }
  });
});
