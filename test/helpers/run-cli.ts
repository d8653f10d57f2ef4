import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

class Collector extends Writable {
  text = '';
  isTTY = false;
  constructor() {
    super({ highWaterMark: 1 << 24 });
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

/** Runs the CLI in-process, as `swarm-router ...args`, and returns what it printed and its exit code. */
export async function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const stdout = new Collector();
  const stderr = new Collector();
  const code = await runCli(args, { stdout, stderr, env, cwd: process.cwd() });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
