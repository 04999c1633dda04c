// Owns what survives a reload: each dashboard's drawn series and the stream position they are
// complete up to, kept in IndexedDB (through `idb`, a small promise wrapper over the browser's
// API). On opening a dashboard the page draws them at once and the SDK resumes from the position,
// so a reload or a dashboard switch neither blanks the charts nor loses the points committed
// meanwhile (what users of Grafana Live ask for: grafana/grafana#41323, #84036).
import type { SavedView } from "@pulseboard/client/live";
import { type IDBPDatabase, openDB } from "idb";

/** What the SDK's live store hands over to keep (`toSave`) and takes back (`seedSaved`). */
export type SavedDashboard = SavedView;

const DB = "pulseboard";
const STORE = "dashboards";
/** Saved views older than this are not drawn (the REST history is the truth then). */
export const MAX_AGE_MS = 7 * 86_400_000;

let db: Promise<IDBPDatabase> | null = null;
function open(): Promise<IDBPDatabase> {
  db ??= openDB(DB, 1, {
    upgrade(d) {
      d.createObjectStore(STORE, { keyPath: "dashboardId" });
    },
  });
  return db;
}

/** How long the page waits for IndexedDB before it connects without the saved view. */
export const LOAD_WAIT_MS = 1000;

/**
 * The saved view of a dashboard, or null (none, too old, IndexedDB unavailable, or slower than
 * LOAD_WAIT_MS: a browser whose storage is busy or blocked must not hold the live stream back).
 */
export function loadDashboard(dashboardId: number): Promise<SavedDashboard | null> {
  return Promise.race([
    read(dashboardId),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), LOAD_WAIT_MS)),
  ]);
}

async function read(dashboardId: number): Promise<SavedDashboard | null> {
  try {
    const saved = (await (await open()).get(STORE, dashboardId)) as SavedDashboard | undefined;
    if (!saved || Date.now() - saved.savedAt > MAX_AGE_MS) return null;
    return saved;
  } catch {
    return null; // private mode, quota, blocked: the page works as before, from the network
  }
}

export async function saveDashboard(view: SavedDashboard): Promise<void> {
  try {
    await (await open()).put(STORE, view);
  } catch {
    // nothing to do: the next save tries again
  }
}
