import type { RouteRequest } from '../router/route-request.js';
import type { Router } from '../router/router.js';
import { toRouteRequest, validateRouteRequestDto } from '../wire/route-dto.js';
import { withLocation } from './cli-error.js';
import { parseJson, readInput } from './input-files.js';

/**
 * Reads a batch workload (JSONL, one task a line) and checks every line against the schema and the
 * router's rules (registered bidders, one bid per agent) before anything is routed, so a bad line
 * anywhere leaves the audit log untouched. Blank lines are skipped; errors name file and line.
 */
export async function readWorkload(path: string, router: Router): Promise<RouteRequest[]> {
  const content = await readInput(path);
  const requests: RouteRequest[] = [];
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
    const request = toRouteRequest(validateRouteRequestDto(parseJson(line, where), where));
    try {
      router.checkRequest(request);
    } catch (error) {
      throw withLocation(where, error);
    }
    requests.push(request);
  }
  return requests;
}
