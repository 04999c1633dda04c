// A tiny harness for tests that need a real Pulseboard server: start the app on a random port
// over SQLite (fresh temp dir) or PostgreSQL (a fresh database in its own server), create
// users and tokens, log in, and call the REST API. Reused by the web e2e, alerts and bench.
//
//   const t = await startTestApp("sqlite");            // or "postgres"
//   const alice = await t.createUser("alice");         // { id, username, password }
//   const s = await t.login("alice", alice.password);  // { cookie, csrfToken, userId }
//   const res = await t.api("POST", "/api/v1/dashboards", { session: s, body: { name: "Ops" } });
//   const token = await t.createToken("alice");        // bearer token for programs / ingest
//   await t.api("POST", "/api/v1/ingest", { token, body: { points: [...] } });
//   const ws = `${t.wsUrl}/ws/dashboard/1/`;           // for the Communicator or `ws`
//   await t.addMember(dash, "bob", "viewer", { session: s }); // invite + bob accepts: a member
//   await t.close();                                  // stops the app (and its PostgreSQL)
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Communicator } from "@pulseboard/channels/testing";
import { nodeEntry, startPostgres } from "@pulseboard/test-support";
import { type BuildOptions, buildApp, type PulseboardApp } from "../src/app.ts";
import { createApiToken, deleteToken } from "../src/auth/tokens.ts";
import { createUser } from "../src/auth/users.ts";
import { type Config, loadConfig } from "../src/config/config.ts";
import type { Role } from "../src/db/schema.ts";
import { decodeRaw } from "../src/storage/codec.ts";
import type { Columns } from "../src/storage/tasks.ts";

const repoRoot = resolve(import.meta.dirname, "../../..");

/**
 * Specs store points at fixed dates (e.g. 2026-01-01): retention must not delete them while a
 * spec runs. Retention itself is specified with its own settings (storage.test.ts).
 */
export const KEEP_EVERYTHING = {
  PULSEBOARD_RETENTION_RAW: "50y",
  PULSEBOARD_RETENTION_1M: "50y",
  PULSEBOARD_RETENTION_1H: "50y",
};

export type DbKind = "sqlite" | "postgres";
export const DB_KINDS: DbKind[] = ["sqlite", "postgres"];

/** Storage for one app (or several sharing it): pass `config` to buildApp / env to a child. */
export type TestDatabase = {
  kind: DbKind;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Environment for a server child process (`npx tsx apps/server/src/main.ts`). */
  env: Record<string, string>;
  destroy(): Promise<void>;
};

export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), "pb-server-test-"));
  if (kind === "sqlite")
    return {
      kind,
      databaseUrl: undefined,
      dataDir,
      env: { PULSEBOARD_DATA_DIR: dataDir },
      destroy: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  const pg = await startPostgres();
  const databaseUrl = await pg.createDatabase();
  return {
    kind,
    databaseUrl,
    dataDir,
    env: { DATABASE_URL: databaseUrl, PULSEBOARD_DATA_DIR: dataDir },
    destroy: async () => {
      await pg.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type Session = { cookie: string; csrfToken: string; userId: number };
export type ApiOptions = {
  body?: unknown;
  /** Raw body text (e.g. malformed JSON); sent as application/json. */
  raw?: string;
  session?: Session;
  /** Send the session's CSRF header (default true when `session` is given). */
  csrf?: boolean;
  token?: string;
  headers?: Record<string, string>;
};
// biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely by default
export type ApiResponse<T = any> = { status: number; body: T; text: string; headers: Headers };

export type TestApp = {
  kind: DbKind;
  url: string;
  wsUrl: string;
  port: number;
  pb: PulseboardApp;
  config: Config;
  database: TestDatabase;
  createUser(
    username: string,
    password?: string,
  ): Promise<{ id: number; username: string; password: string }>;
  createToken(username: string, name?: string): Promise<string>;
  login(username: string, password: string): Promise<Session>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  api<T = any>(method: string, path: string, options?: ApiOptions): Promise<ApiResponse<T>>;
  /**
   * Makes `username` a member of the dashboard with `role`, as the owner `as` does it over REST:
   * PUT members invites the name (or, for an administrator or an existing member, sets the role
   * directly), then the user accepts the invitation over REST with a token made for that and
   * deleted after. Throws unless the user ends a member; answers the membership.
   */
  addMember(
    dashboardId: number,
    username: string,
    role: Role,
    as: Pick<ApiOptions, "session" | "token">,
  ): Promise<{ user_id: number; username: string; role: Role }>;
  close(): Promise<void>;
};

export async function startTestApp(
  kind: DbKind,
  options: { database?: TestDatabase; config?: Partial<Config>; build?: BuildOptions } = {},
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase(kind));
  const config = loadConfig(KEEP_EVERYTHING, {
    port: 0,
    host: "127.0.0.1",
    dataDir: database.dataDir,
    databaseUrl: database.databaseUrl,
    logLevel: "warn",
    webDist: join(database.dataDir, "no-web-dist"),
    ...options.config,
  });
  const pb = await buildApp(config, options.build);
  await pb.app.listen({ port: 0, host: "127.0.0.1", backlog: config.listenBacklog });
  const address = pb.app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;

  const api: TestApp["api"] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.body !== undefined || o.raw !== undefined) headers["content-type"] ??= "application/json";
    if (o.session) {
      headers.cookie = `pb_session=${o.session.cookie}`;
      if (o.csrf !== false) headers["x-csrf-token"] = o.session.csrfToken;
    }
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const res = await fetch(url + path, {
      method,
      headers,
      body: o.raw ?? (o.body !== undefined ? JSON.stringify(o.body) : undefined),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, body: body as ApiResponse["body"], text, headers: res.headers };
  };

  return {
    kind,
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    pb,
    config,
    database,
    api,
    async createUser(username, password = `pw-${username}-secret`) {
      const user = await createUser(pb.db, username, password);
      return { ...user, password };
    },
    async createToken(username, name = "test") {
      const user = await pb.db
        .selectFrom("users")
        .select("id")
        .where("username", "=", username)
        .executeTakeFirstOrThrow();
      return (await createApiToken(pb.db, user.id, name)).token;
    },
    async login(username, password) {
      const res = await fetch(`${url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password }),
      });
      if (res.status !== 200)
        throw new Error(`login of ${username} failed: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { user: { id: number }; csrfToken: string };
      const cookie = /pb_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
      if (!cookie) throw new Error("login set no pb_session cookie");
      return { cookie, csrfToken: body.csrfToken, userId: body.user.id };
    },
    async addMember(dashboardId, username, role, as) {
      const put = await api("PUT", `/api/v1/dashboards/${dashboardId}/members`, {
        ...as,
        body: { username, role },
      });
      if (put.status !== 200) throw new Error(`adding ${username}: ${put.status} ${put.text}`);
      if (put.body.status === "member") return { user_id: put.body.user_id, username, role };
      const user = await pb.db
        .selectFrom("users")
        .select(["id", "username"])
        .where("username", "=", username)
        .executeTakeFirstOrThrow();
      const { id: tokenId, token } = await createApiToken(pb.db, user.id, "accepting an invitation");
      try {
        const mine = await api<Array<{ id: number; dashboard_id: number }>>("GET", "/api/v1/invitations", {
          token,
        });
        const invitation = mine.body.find((i) => i.dashboard_id === dashboardId);
        if (!invitation) throw new Error(`${username} sees no invitation to dashboard ${dashboardId}`);
        const accepted = await api("POST", `/api/v1/invitations/${invitation.id}/accept`, { token });
        if (accepted.status !== 200)
          throw new Error(`${username} accepting: ${accepted.status} ${accepted.text}`);
      } finally {
        await deleteToken(pb.db, user.id, tokenId);
      }
      return { user_id: user.id, username, role };
    },
    async close() {
      await pb.close();
      if (!options.database) await database.destroy();
    },
  };
}

export type MainProcess = {
  child: ChildProcess;
  url: string;
  /** Everything it printed so far (stdout and stderr, last 16 KiB). */
  output: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
};

/**
 * Runs the real server process (`main.ts`, what `npm start` runs) on `port` with the storage of
 * `db`, and resolves once it printed its URL. It runs as node on the run's bundle of main.ts
 * (test-support's nodeEntry), or with `viaTsx` as `node --import tsx` exactly as `npm start`
 * loads it; never through npx, so a signal sent to `child` hits the server itself.
 */
export async function spawnMain(
  db: TestDatabase,
  port: number,
  env: NodeJS.ProcessEnv = {},
  { viaTsx = false } = {},
): Promise<MainProcess> {
  const main = "apps/server/src/main.ts";
  const child = spawn(process.execPath, viaTsx ? ["--import", "tsx", main] : nodeEntry(main), {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...KEEP_EVERYTHING,
      ...db.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (d: Buffer) => {
    out = (out + d).slice(-16_384);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const deadline = Date.now() + 30_000;
  while (!out.includes("Pulseboard is running at")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill("SIGKILL");
      throw new Error(`main.ts did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url: `http://127.0.0.1:${port}`, output: () => out, exited };
}

/** Waits for the `presence` frame that reports `connections` (earlier counts are skipped). */
export async function presenceReaches(c: Communicator, connections: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`presence never reached ${connections} (last: ${JSON.stringify(last)})`);
    const f = await c.receive("presence", left).catch(() => undefined);
    if (!f) continue;
    last = f.payload;
    if ((f.payload as { connections: number }).connections === connections) return;
  }
}

/** An `alert` frame's payload, as far as the specs read it. */
export type AlertFrame = {
  id: number;
  rule_id: number;
  metric_id: number;
  state: string;
  value: number;
  [k: string]: unknown;
};

/** The next `alert` frame of this rule (alerts of other rules are skipped). */
export async function nextAlert(c: Communicator, ruleId: number, timeoutMs = 2000): Promise<AlertFrame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = await c.receive("alert", Math.max(1, deadline - Date.now()));
    if ((frame.payload as AlertFrame).rule_id === ruleId) return frame.payload as AlertFrame;
  }
}

/** The `expected` alerts of this rule as they arrive (each within `timeoutMs`), then any more until `quietMs` of quiet. */
export async function alertsOf(
  c: Communicator,
  ruleId: number,
  expected = 0,
  { timeoutMs = 5000, quietMs = 400 } = {},
): Promise<AlertFrame[]> {
  const alerts: AlertFrame[] = [];
  while (alerts.length < expected) alerts.push(await nextAlert(c, ruleId, timeoutMs));
  const more = (await c.receiveAll(quietMs))
    .filter((f) => f.action === "alert" && (f.payload as AlertFrame).rule_id === ruleId)
    .map((f) => f.payload as AlertFrame);
  return [...alerts, ...more];
}

/** Every stored point of a metric, oldest first, read the way the server reads (a read worker). */
export async function storedPoints(t: { pb: PulseboardApp }, metricId: number): Promise<Columns> {
  const { storage } = t.pb.ctx;
  const seriesId = await storage.series.idFor(metricId);
  return storage.reader.run<Columns>({
    op: "since",
    seriesId,
    since: -1,
    tieOffset: Number.POSITIVE_INFINITY,
    limit: 10_000_000,
  });
}

/** Every stored point of a dashboard with its metric, in commit (stream offset) order. */
export async function dashboardPoints(
  t: { pb: PulseboardApp },
  dashboardId: number,
): Promise<Array<{ name: string; type: string; unit: string; value: number; timestamp: number }>> {
  const metrics = await t.pb.db
    .selectFrom("metrics")
    .selectAll()
    .where("dashboard_id", "=", dashboardId)
    .execute();
  const out: Array<{
    name: string;
    type: string;
    unit: string;
    value: number;
    timestamp: number;
    offset: number;
  }> = [];
  for (const m of metrics) {
    const p = await storedPoints(t, m.id);
    for (let i = 0; i < p.n; i++)
      out.push({
        name: m.name,
        type: m.type,
        unit: m.unit,
        value: p.values[i]!,
        timestamp: p.ts[i]!,
        offset: p.offsets[i]!,
      });
  }
  out.sort((a, b) => a.offset - b.offset);
  return out.map(({ offset: _offset, ...rest }) => rest);
}

/** Every raw point stored on this server, of any metric, as values in ascending order. */
export async function allStoredValues(t: { pb: PulseboardApp }): Promise<number[]> {
  const rows = await t.pb.db.selectFrom("chunks").select("data").where("tier", "=", 0).execute();
  const values: number[] = [];
  for (const r of rows) values.push(...decodeRaw(r.data as Uint8Array).values);
  return values.sort((a, b) => a - b);
}
