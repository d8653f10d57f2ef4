import { RouterError } from '../kernel/errors.js';

/**
 * Pagination cursors are opaque to callers; inside they are the last sequence number returned, so a
 * page is `seq < cursor` and stays correct while new decisions are appended.
 */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = /^s([1-9][0-9]{0,15})$/.exec(text)?.[1];
  if (seq === undefined) {
    throw new RouterError('invalid_cursor', `cursor '${cursor}' is not one this store issued`, {
      details: { cursor },
    });
  }
  return Number(seq);
}
