import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/**
 * A tracer provider registered globally for a test, exporting every span as it ends to memory. Close
 * it after the test: the global provider is then unregistered, and spans are the API's no-op again.
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
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  if (!trace.setGlobalTracerProvider(provider)) throw new Error('a tracer provider is registered already');
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
    },
  };
}
