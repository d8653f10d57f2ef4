import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new agent token: 32 random bytes, base64url. Shown once; only its hash is stored. */
export function newAgentToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What every token newAgentToken makes looks like: 43 base64url characters. */
const AGENT_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Whether `token` could be one newAgentToken made. One that could not is nobody's, so the store need
 * not be asked about it: a burst of malformed tokens costs no database reads.
 */
export function couldBeAgentToken(token: string): boolean {
  return AGENT_TOKEN_SHAPE.test(token);
}

/** SHA-256 of a token, hex: what the store keeps. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Whether `token` hashes to `expectedHash`, in constant time: both sides are 32-byte digests, so
 * neither the comparison nor the lengths say how much of a guess was right.
 */
export function tokenMatches(token: string, expectedHash: string): boolean {
  return digestMatches(createHash('sha256').update(token, 'utf8').digest(), expectedHash);
}

/** As tokenMatches, for a token already hashed (one hash checked against many). */
export function digestMatches(digest: Buffer, expectedHash: string): boolean {
  return timingSafeEqual(digest, Buffer.from(expectedHash, 'hex'));
}
