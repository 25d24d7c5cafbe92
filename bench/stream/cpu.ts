/**
 * CPU time for the benchmark. On loopback the kernel charges receive work to the sender, so the
 * issue asks for system-wide CPU from /proc/stat. This machine is shared, though, so a second,
 * attributed figure is kept too: the CPU time of the trial's own processes (device, receiver,
 * every thread). Loopback delivery runs as softirq inside the sending process's system calls and
 * is charged to it, so adding /proc/stat's softirq time would count it twice (measured: attributed
 * then exceeded system-wide on a quiet machine); irq/softirq is reported separately instead. On a
 * veth the receiving end's softirq (GRO, IP, UDP, a packet socket's copy into its ring) runs in
 * the sending process's system calls too, or in ksoftirqd when it falls behind: the watched pids
 * after the device and the receiver are such kernel threads, counted as `kernelSeconds`.
 */
import * as fs from 'node:fs';

const USER_HZ = 100;

export interface CpuSample {
  /** Busy CPU-seconds since boot over all CPUs (user, nice, system, irq, softirq, steal). */
  busySeconds: number;
  /** irq + softirq CPU-seconds since boot over all CPUs. */
  interruptSeconds: number;
  /** utime + stime of the watched processes (all their threads), seconds. */
  processSeconds: number;
  /** The same, per watched process (in the order given). */
  perProcess: number[];
  at: number;
}

function processSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ; // utime, stime
  } catch {
    return 0;
  }
}

export function sampleCpu(pids: number[] = []): CpuSample {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const perProcess = pids.map(processSeconds);
  return {
    busySeconds: (user + nice + system + irq + softirq + (steal || 0)) / USER_HZ,
    interruptSeconds: (irq + softirq) / USER_HZ,
    processSeconds: perProcess.reduce((sum, s) => sum + s, 0),
    perProcess,
    at: performance.now(),
  };
}

export interface CpuUse {
  systemSeconds: number;
  attributedSeconds: number;
  /** [device, receiver, kernel threads…] process CPU and irq/softirq, seconds. */
  deviceSeconds: number;
  receiverSeconds: number;
  kernelSeconds: number;
  interruptSeconds: number;
}

export function cpuBetween(a: CpuSample, b: CpuSample): CpuUse {
  return {
    systemSeconds: b.busySeconds - a.busySeconds,
    attributedSeconds: b.processSeconds - a.processSeconds,
    deviceSeconds: (b.perProcess[0] ?? 0) - (a.perProcess[0] ?? 0),
    receiverSeconds: (b.perProcess[1] ?? 0) - (a.perProcess[1] ?? 0),
    kernelSeconds: b.perProcess.slice(2).reduce((sum, s, i) => sum + s - (a.perProcess[i + 2] ?? 0), 0),
    interruptSeconds: b.interruptSeconds - a.interruptSeconds,
  };
}

/** The pids of the kernel threads that run deferred softirq work (ksoftirqd/N) and `interface`'s threaded NAPI. */
export function kernelNetworkThreads(interfaceName: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (/^ksoftirqd\/\d+$/.test(comm) || comm.startsWith(`napi/${interfaceName}-`)) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}
