import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';
import type { CliIo } from './io.js';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; silent otherwise (pipes, CI, tests). */
export function startProgress(io: CliIo, total: number, label: string): Progress {
  if (io.stderr.isTTY !== true || total < 2000) return { update: () => {}, stop: () => {} };
  // Required only for a terminal: the library is start-up time that pipes and scripts never use.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr as NodeJS.WriteStream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta}s`,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}
