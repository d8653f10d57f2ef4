import type { RouteRequest } from '../router/route-request.js';
import type { Router } from '../router/router.js';
import { quickRouteRequest } from '../wire/route-line-check.js';
import { withLocation } from './cli-error.js';
import { parseJson, readInput } from './input-files.js';

/**
 * Reads a batch workload (JSONL, one task a line) and checks every line against the schema and the
 * router's rules (registered bidders, one bid per agent) before anything is routed, so a bad line
 * anywhere leaves the audit log untouched. Blank lines are skipped; errors name file and line.
 * Lines of the common shape take the quick check; any other line goes through the full schema
 * validator, loaded only then (it and its libraries are a good part of the CLI's start-up).
 */
export async function readWorkload(path: string, router: Router): Promise<RouteRequest[]> {
  const content = await readInput(path);
  const requests: RouteRequest[] = [];
  let fullCheck: ((value: unknown, where: string) => RouteRequest) | undefined;
  let lineNumber = 0;
  let start = 0;
  while (start <= content.length) {
    let end = content.indexOf('\n', start);
    if (end === -1) end = content.length;
    lineNumber++;
    const line = content.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    const where = `${path}:${lineNumber}`;
    const value = parseJson(line, where);
    let request = quickRouteRequest(value);
    if (request === undefined) {
      fullCheck ??= await loadFullCheck();
      request = fullCheck(value, where);
    }
    try {
      router.checkRequest(request);
    } catch (error) {
      throw withLocation(where, error);
    }
    requests.push(request);
  }
  return requests;
}

async function loadFullCheck(): Promise<(value: unknown, where: string) => RouteRequest> {
  const { toRouteRequest, validateRouteRequestDto } = await import('../wire/route-dto.js');
  return (value, where) => toRouteRequest(validateRouteRequestDto(value, where));
}
