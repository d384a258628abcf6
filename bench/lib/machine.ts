/** What the figures were measured on: they mean little without it. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  /** Logical CPUs this process may use. */
  cores: number;
  node: string;
  platform: string;
  memoryGiB: number;
  /** 1-minute load average when the run started: > cores means other work competed for the CPU. */
  loadAverage1m: number;
  date: string;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux: fall through to os.cpus()
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function machineInfo(now: Date = new Date()): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cores: os.availableParallelism(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
    date: now.toISOString(),
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cores} cores · ${m.cpuModel} · Node ${m.node} · ${m.platform} · load ${m.loadAverage1m} at start · ${m.date}`;
}
