import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { RouterError } from '../kernel/errors.js';

/** Reads a whole input file (`-` is standard input), turning I/O failures into `file_unreadable`. */
export async function readInput(path: string): Promise<string> {
  try {
    return path === '-' ? await text(process.stdin) : await readFile(path, 'utf8');
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
