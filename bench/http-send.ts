import { type Agent, request as httpRequest } from 'node:http';

/** What one request of the abuse benchmark got back. */
export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One HTTP request over a keep-alive agent; the status and body, or status 0 when it failed. */
export function send(
  agent: Agent,
  url: URL,
  method: string,
  path: string,
  options: { token?: string; body?: string; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        headers: {
          'content-type': 'application/json',
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ status: 0, body }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(options.body);
  });
}
