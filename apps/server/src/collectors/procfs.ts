// Readers and parsers for the Linux /proc files the system collector samples. Parsers are
// pure (text in, numbers out) so odd kernels' formats can be tested from strings; readers
// wrap failures in CollectorReadError naming the file.
import { readFile } from "node:fs/promises";
import { CollectorReadError } from "./errors.ts";

/** Aggregate CPU jiffies since boot: `busy` excludes idle and iowait. */
export type CpuTimes = { busy: number; total: number };

export type NetCounters = Map<string, { rx: number; tx: number }>;

/** First line of /proc/stat: `cpu user nice system idle iowait irq softirq steal guest guest_nice`. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) throw new Error("no aggregate 'cpu' line");
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new Error(`unexpected cpu line ${JSON.stringify(line)}`);
  }
  // guest and guest_nice (fields 9, 10) are already included in user and nice.
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total };
}

/** Percentage of memory in use, from MemTotal and MemAvailable (kB). */
export function parseMemInfo(text: string): number {
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text);
    return match ? Number(match[1]) : undefined;
  };
  const total = field("MemTotal");
  let available = field("MemAvailable");
  // Kernels before 3.14 lack MemAvailable; free + reclaimable page cache approximates it.
  if (available === undefined) {
    const parts = [field("MemFree"), field("Buffers"), field("Cached")];
    if (parts.every((p) => p !== undefined)) available = parts.reduce((a = 0, b = 0) => a + b, 0);
  }
  if (!total || available === undefined) throw new Error("MemTotal or MemAvailable missing");
  return clampPercent((100 * (total - available)) / total);
}

/** Receive/transmit byte counters per interface from /proc/net/dev. */
export function parseNetDev(text: string): NetCounters {
  const counters: NetCounters = new Map();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0 || line.includes("|")) continue; // the two header lines
    const name = line.slice(0, colon).trim();
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    const rx = fields[0];
    const tx = fields[8];
    if (!name || rx === undefined || tx === undefined || !Number.isFinite(rx) || !Number.isFinite(tx))
      continue;
    counters.set(name, { rx, tx });
  }
  return counters;
}

/**
 * Bytes moved between two samples, summed over interfaces except loopback. An interface that
 * appeared, vanished or whose counter went backwards (reset, 32-bit wrap) is left out of this
 * delta rather than producing a negative or enormous rate.
 */
export function netDelta(before: NetCounters, after: NetCounters): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const [name, now] of after) {
    if (name === "lo") continue;
    const then = before.get(name);
    if (!then) continue;
    if (now.rx >= then.rx) rx += now.rx - then.rx;
    if (now.tx >= then.tx) tx += now.tx - then.tx;
  }
  return { rx, tx };
}

export function clampPercent(value: number): number {
  return Math.min(100, Math.max(0, value));
}

export async function readProc<T>(path: string, parse: (text: string) => T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new CollectorReadError(path, e);
  }
  try {
    return parse(text);
  } catch (e) {
    throw new CollectorReadError(path, e);
  }
}
