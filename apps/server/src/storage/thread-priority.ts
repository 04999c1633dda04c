// Owns giving a worker thread a lower CPU priority than the event loop. On Linux a nice value
// belongs to a thread, not the process, so a read worker can step back on its own: when the
// cores are all busy (a full export and twenty month-long queries on two cores), the scheduler
// then runs the event loop first, and live updates and /health do not queue behind reads; when
// a core is free the workers still take all of it. Elsewhere (no /proc/thread-self) it is a no-op.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";

/** Lowers the calling thread's priority by `nice` (1–19); false when the platform cannot. */
export function lowerThreadPriority(nice: number): boolean {
  if (nice <= 0) return false;
  try {
    // "<pid>/task/<tid>": setpriority(PRIO_PROCESS, tid) changes that thread only.
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.min(19, nice));
    return true;
  } catch {
    return false;
  }
}
