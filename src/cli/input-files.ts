import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { RouterError } from '../kernel/errors.js';

/**
 * Reads a whole input file (`-` is standard input), turning I/O failures into `file_unreadable`. A
 * UTF-8 byte order mark (as some editors and shells write) is dropped, as fetch drops it from a card
 * the service reads over HTTP.
 */
export async function readInput(path: string): Promise<string> {
  try {
    const content = path === '-' ? await text(process.stdin) : await readFile(path, 'utf8');
    return content.startsWith('\uFEFF') ? content.slice(1) : content;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new RouterError('file_unreadable', `${path}: cannot read the file (${reason})`, {
      cause: error,
      details: { path },
    });
  }
}

/** JSON.parse whose failure names the input and says it is malformed JSON. */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RouterError('invalid_request', `${where}: malformed JSON (${(error as Error).message})`, {
      cause: error,
      details: { where },
    });
  }
}
