import { readFileSync } from 'node:fs';

/**
 * Where a run's CPU went, from /proc (Linux): the `serve` processes, this process (the load
 * generator), and the rest of the machine's busy time (on the benchmark machine: PostgreSQL). On a
 * shared machine whose speed drifts, CPU per task compares designs better than throughput alone.
 */
export interface CpuSample {
  readonly machineMs: number;
  /** Context switches on the machine so far: a process woken per message costs one or two. */
  readonly switches: number;
  readonly serveMs: number;
  /** Of serveMs, the time in the kernel (system calls: sockets to the clients and the database). */
  readonly serveSysMs: number;
  readonly selfMs: number;
}

// USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK).
const MS_PER_TICK = 10;

function machineStat(): { busyMs: number; switches: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const cpu = lines[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  const busy = cpu.slice(0, 8).reduce((s, v, i) => (i === 3 || i === 4 ? s : s + v), 0);
  const ctxt = lines.find((l) => l.startsWith('ctxt '));
  return { busyMs: busy * MS_PER_TICK, switches: Number(ctxt?.split(' ')[1] ?? 0) };
}

/** User and kernel ms of one process. */
function processMs(pid: number): { user: number; sys: number } {
  try {
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the line.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) * MS_PER_TICK, sys: Number(fields[12]) * MS_PER_TICK };
  } catch {
    return { user: 0, sys: 0 }; // not Linux, or the process is gone
  }
}

export function sampleCpu(servePids: readonly (number | undefined)[]): CpuSample {
  const self = process.cpuUsage();
  const serve = servePids.map((pid) => (pid === undefined ? { user: 0, sys: 0 } : processMs(pid)));
  const machine = machineStat();
  return {
    machineMs: machine.busyMs,
    switches: machine.switches,
    serveMs: serve.reduce((s, p) => s + p.user + p.sys, 0),
    serveSysMs: serve.reduce((s, p) => s + p.sys, 0),
    selfMs: (self.user + self.system) / 1000,
  };
}

/** CPU per task between two samples: serve, load generator, the rest (PostgreSQL), in ms. */
export function cpuPerTask(before: CpuSample, after: CpuSample, tasks: number): string {
  if (tasks === 0) return 'no tasks';
  const serve = after.serveMs - before.serveMs;
  const serveSys = after.serveSysMs - before.serveSysMs;
  const self = after.selfMs - before.selfMs;
  const rest = after.machineMs - before.machineMs - serve - self;
  const per = (ms: number) => (ms / tasks).toFixed(2);
  const switches = (after.switches - before.switches) / tasks;
  return (
    `CPU per task ${per(serve + self + rest)} ms (serve ${per(serve)} of which kernel ${per(serveSys)}, ` +
    `PostgreSQL and the rest ${per(rest)}, load generator ${per(self)}), ${switches.toFixed(0)} context switches per task`
  );
}
