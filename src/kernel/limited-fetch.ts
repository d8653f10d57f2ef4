/**
 * A fetch whose answers may not exceed `maxBytes`: a declared length over it is refused before the
 * body is read, and a body that grows past it (chunked, or a stream that never ends) errors as it
 * is read. The SDK clients (A2A, MCP) read whole answers into memory and parse them; the server is
 * someone else's, so what it sends is bounded here rather than by its good will.
 */

export class AnswerTooLargeError extends Error {
  override readonly name = 'AnswerTooLargeError';
}

export function limitedFetch(maxBytes: number, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw new AnswerTooLargeError(`the server answered ${declared} bytes, over the limit of ${maxBytes}`);
    }
    if (response.body === null) return response;
    let seen = 0;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) {
            controller.error(
              new AnswerTooLargeError(`the server's answer went over the limit of ${maxBytes} bytes`),
            );
            return;
          }
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
