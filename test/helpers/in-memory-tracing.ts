import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/**
 * A tracer provider registered globally for a test as `serve` registers its own (telemetry/tracing.ts:
 * with Node's context manager and the W3C trace-context propagator), exporting every span as it ends
 * to memory. Close it after the test: the globals are then unregistered, and spans are the API's
 * no-op again.
 */
export interface InMemoryTracing {
  /** Every span ended so far. */
  spans(): Promise<ReadableSpan[]>;
  /** Waits (up to 5 s) until the spans ended so far satisfy `ready`, and answers them. */
  spansWhen(ready: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]>;
  close(): Promise<void>;
}

export function startInMemoryTracing(): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  const spans = async () => {
    await provider.forceFlush();
    return exporter.getFinishedSpans();
  };
  return {
    spans,
    async spansWhen(ready) {
      for (let i = 0; i < 200; i++) {
        const ended = await spans();
        if (ready(ended)) return ended;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`the spans expected did not end: ${(await spans()).map((s) => s.name).join(', ')}`);
    },
    async close() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
