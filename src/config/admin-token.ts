import { RouterError } from '../kernel/errors.js';

/**
 * The shortest admin token accepted, in characters. The admin token opens everything and is tried
 * over the network; 32 characters of `openssl rand -hex 32` (which gives 64) are 128 bits, beyond any
 * guessing, where a word like `admin-secret` falls to a dictionary.
 */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

/** What `Authorization: Bearer <token>` can carry, as the service reads it: no spaces, printable ASCII. */
const BEARER_CHARACTERS = /^[\x21-\x7e]+$/;

/**
 * Why `token` will not do as the admin token, or undefined when it will. Never quotes the token: the
 * message ends up in logs and terminals.
 */
export function adminTokenProblem(token: string): string | undefined {
  if (!BEARER_CHARACTERS.test(token)) {
    return 'has a space or a character outside printable ASCII, which an Authorization header cannot carry';
  }
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
    return `is ${token.length} characters long; it must be at least ${MIN_ADMIN_TOKEN_LENGTH}, so that it cannot be guessed`;
  }
  return undefined;
}

/** Throws `weak_admin_token`, saying why and how to make a good one, unless `token` will do. */
export function requireStrongAdminToken(token: string): void {
  const problem = adminTokenProblem(token);
  if (problem === undefined) return;
  throw new RouterError(
    'weak_admin_token',
    `the admin token (SWARM_ROUTER_ADMIN_TOKEN) ${problem}. Make one with: openssl rand -hex 32`,
  );
}
