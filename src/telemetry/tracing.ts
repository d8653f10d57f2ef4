import { context, DiagConsoleLogger, DiagLogLevel, diag, propagation, trace } from '@opentelemetry/api';
import { RouterError } from '../kernel/errors.js';
import { packageVersion } from '../kernel/package-version.js';
import { TRACER_NAME } from './attributes.js';

/** Tracing as `serve` runs it: where spans go, and how to stop (sending what is still buffered). */
export interface Tracing {
  /** The OTLP/HTTP traces URL spans are sent to; undefined when tracing is off. */
  readonly endpoint: string | undefined;
  shutdown(): Promise<void>;
}

const OFF: Tracing = { endpoint: undefined, shutdown: async () => {} };

/**
 * Starts sending spans over OTLP/HTTP when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the URL itself) or
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (its base, to which `/v1/traces` is added) is set and
 * `OTEL_SDK_DISABLED` is not `true`: a Node tracer provider is registered with a batch span processor,
 * as service `OTEL_SERVICE_NAME` (default `swarm-router`). Otherwise nothing is loaded or registered,
 * and every span is the API's no-op. The SDK's other variables apply as it reads them
 * (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`, `OTEL_RESOURCE_ATTRIBUTES`, …).
 * An endpoint that is not an http(s) URL is refused by name.
 */
export async function startTracing(env: NodeJS.ProcessEnv): Promise<Tracing> {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return OFF;
  const endpoint = tracesEndpoint(env);
  if (endpoint === undefined) return OFF;
  // Loaded only when traces are sent: the SDK and the exporter are no cost to a service without them.
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, resources, conventions] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/semantic-conventions'),
    ]);
  const resource = resources
    .defaultResource()
    .merge(resources.detectResources({ detectors: [resources.envDetector] }))
    .merge(
      resources.resourceFromAttributes({
        [conventions.ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME?.trim() || TRACER_NAME,
        [conventions.ATTR_SERVICE_VERSION]: packageVersion(),
      }),
    );
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }))],
  });
  // The SDK reports what it cannot send (a collector down) through its diagnostics: errors to stderr.
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.ERROR);
  provider.register();
  return {
    endpoint,
    async shutdown() {
      await provider.shutdown(); // sends the spans still buffered
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    },
  };
}

/** The OTLP/HTTP traces URL the environment names, checked; undefined when it names none. */
export function tracesEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return checkedUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces);
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base) return `${checkedUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base).replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

function checkedUrl(variable: string, text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new RouterError('invalid_request', `${variable}: expected an http(s) URL, got '${text}'`, {
      details: { option: variable, value: text },
    });
  }
  return text;
}
