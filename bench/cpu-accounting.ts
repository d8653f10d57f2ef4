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

/** CPU per task in ms between two samples, and context switches per task. */
export interface CpuPerTask {
  readonly total: number;
  readonly serve: number;
  /** Of serve, the time in the kernel. */
  readonly serveSys: number;
  /** The rest of the machine's busy time: PostgreSQL, on the benchmark machine. */
  readonly rest: number;
  /**
   * The load generator. Its work a task is nearly the same in every configuration (the same seven
   * requests), so what it costs a task is a rough yardstick of how fast the machine ran that
   * configuration's code.
   */
  readonly loadGenerator: number;
  readonly switches: number;
}

export function cpuPerTask(before: CpuSample, after: CpuSample, tasks: number): CpuPerTask | undefined {
  if (tasks === 0) return undefined;
  const serve = after.serveMs - before.serveMs;
  const self = after.selfMs - before.selfMs;
  const rest = after.machineMs - before.machineMs - serve - self;
  return {
    total: (serve + self + rest) / tasks,
    serve: serve / tasks,
    serveSys: (after.serveSysMs - before.serveSysMs) / tasks,
    rest: rest / tasks,
    loadGenerator: self / tasks,
    switches: (after.switches - before.switches) / tasks,
  };
}

export function formatCpu(cpu: CpuPerTask | undefined): string {
  if (cpu === undefined) return 'no tasks';
  const ms = (v: number) => v.toFixed(2);
  return (
    `CPU per task ${ms(cpu.total)} ms (serve ${ms(cpu.serve)} of which kernel ${ms(cpu.serveSys)}, ` +
    `PostgreSQL and the rest ${ms(cpu.rest)}, load generator ${ms(cpu.loadGenerator)}), ` +
    `${cpu.switches.toFixed(0)} context switches per task`
  );
}
