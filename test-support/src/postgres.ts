// Starts Debian's PostgreSQL (initdb into a fresh temp dir, trust auth on 127.0.0.1, random port).
// PostgreSQL refuses to run as root, so as root the cluster is owned by and run as `postgres`.
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type Managed, requireBinary, spawnManaged, waitForPort } from "./process.ts";

export type PostgresHandle = {
  url: string;
  port: number;
  pid: () => number;
  /** Creates a fresh empty database and returns its URL. */
  createDatabase: (name?: string) => Promise<string>;
  stop: () => Promise<void>;
  /** Starts it again on the same port and data dir: for tests of reconnection. */
  start: () => Promise<void>;
  restart: () => Promise<void>;
  /** Stops and deletes the data dir. */
  destroy: () => Promise<void>;
};

const HINT = "postgresql";
let counter = 0;

function postgresBin(name: string): string {
  const versions = ["17", "16", "15", "14"];
  return requireBinary(
    versions.map((v) => `/usr/lib/postgresql/${v}/bin/${name}`),
    HINT,
  );
}

function runAsOwner(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  return { uid, gid };
}

export async function startPostgres(): Promise<PostgresHandle> {
  const initdb = postgresBin("initdb");
  const postgres = postgresBin("postgres");
  const owner = runAsOwner();
  const dir = mkdtempSync(join(tmpdir(), "pb-pg-"));
  if (owner.uid !== undefined && owner.gid !== undefined) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, "data");
  initialize(initdb, data, owner);
  const port = await freePort();
  let proc: Managed | undefined;
  const start = async () => {
    proc = spawnPostgres(postgres, data, port, dir, owner);
    await waitForPort(port, 20_000, "postgres", () => proc?.output() ?? "");
    await waitForReady(port);
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    await proc?.stop();
  };
  return {
    url,
    port,
    pid: () => proc?.pid ?? -1,
    createDatabase: async (name) => {
      const db = name ?? `pb_test_${process.pid}_${++counter}_${Date.now() % 100000}`;
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${db.replace(/"/g, "")}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${db}`;
    },
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Where a vitest run's global setup put its initialized data dir (see makeTemplate). */
const TEMPLATE_ENV = "PB_PG_TEMPLATE";

function initdbInto(initdb: string, data: string, owner: { uid?: number; gid?: number }): void {
  execFileSync(initdb, ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], {
    ...owner,
    stdio: "pipe",
  });
}

/** A fresh data dir at `data`: a copy of the run's template (cp -a keeps its owner), else initdb. */
function initialize(initdb: string, data: string, owner: { uid?: number; gid?: number }): void {
  const template = process.env[TEMPLATE_ENV];
  if (template && existsSync(template)) execFileSync("cp", ["-a", template, data]);
  else initdbInto(initdb, data, owner);
}

/**
 * For a vitest run's global setup: one data dir initdb makes, never started, that every cluster
 * of the run starts from a copy of (~0.04 s where initdb takes ~0.6 s, far more under load; the
 * specs start dozens of clusters). Returns the teardown that deletes it; without PostgreSQL
 * installed it does nothing, and the specs that need it fail with the install hint as before.
 */
export function makeTemplate(): () => void {
  let initdb: string;
  try {
    initdb = postgresBin("initdb");
  } catch {
    return () => {};
  }
  const owner = runAsOwner();
  const dir = mkdtempSync(join(tmpdir(), "pb-pg-template-"));
  if (owner.uid !== undefined && owner.gid !== undefined) chownSync(dir, owner.uid, owner.gid);
  initdbInto(initdb, join(dir, "data"), owner);
  process.env[TEMPLATE_ENV] = join(dir, "data");
  return () => rmSync(dir, { recursive: true, force: true });
}

function spawnPostgres(
  postgres: string,
  data: string,
  port: number,
  dir: string,
  owner: { uid?: number; gid?: number },
): Managed {
  const args = ["-D", data, "-p", String(port), "-h", "127.0.0.1", "-k", dir];
  args.push("-c", "max_connections=200", "-c", "shared_buffers=32MB");
  // SIGINT is PostgreSQL's "fast" shutdown: it disconnects live clients (a test's connection
  // pools) and exits, where SIGTERM ("smart") would wait for them and block a restart on the
  // same data directory. As root, postgres runs as its own account (spawn uid/gid, not runuser,
  // which does not pass the signal on), so the pid we signal is the postmaster itself.
  return spawnManaged(postgres, args, { env: { HOME: dir }, ...owner, stopSignal: "SIGINT" });
}

async function waitForReady(port: number) {
  const { default: pg } = await import("pg");
  const deadline = Date.now() + 20_000;
  let last: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    try {
      await client.connect();
      await client.query("select 1");
      await client.end();
      return;
    } catch (error) {
      last = error;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`postgres on port ${port} never accepted connections: ${String(last)}`);
}
