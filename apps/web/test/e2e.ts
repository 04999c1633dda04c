// What the browser tests share: build the UI if stale, run the real server as a child process
// (so a test can stop and restart it on the same port), talk to its REST API as a program would,
// and open Chromium on it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type ChromiumHandle,
  freePort,
  launchChromium,
  type Managed,
  nodeEntry,
  runLocked,
  spawnManaged,
  waitForPort,
} from "@pulseboard/test-support";
import type { Page } from "playwright-core";
import { isBuildStale, WEB_ROOT } from "./build-check.ts";

const REPO = resolve(WEB_ROOT, "../..");
const MAIN = join(REPO, "apps/server/src/main.ts");

/** The demo user of the e2e servers: its first-run password is set by PULSEBOARD_DEMO_PASSWORD. */
export const DEMO = { username: "demo", password: "demo-e2e-password" };

export function ensureWebBuilt() {
  if (!isBuildStale()) return;
  // Several test files may start together: one builds, the others wait and find it fresh.
  runLocked("/tmp/pulseboard-web-build.lock", join(WEB_ROOT, "scripts/build.ts"), REPO);
}

export type ServerProcess = {
  url: string;
  port: number;
  dataDir: string;
  /** SIGTERM by pid and wait for exit. */
  stop(): Promise<void>;
  /** Start again on the same port and data dir. */
  start(): Promise<void>;
  /** stop + delete the data dir */
  destroy(): Promise<void>;
  output(): string;
};

/**
 * The real server (`apps/server/src/main.ts`) with a fresh SQLite data dir and the demo user;
 * `users` are created first with the admin CLI.
 */
export async function startServer(
  env: Record<string, string> = {},
  /** `port`: listen there (chosen in advance when another process must know the URL first). */
  opts: { users?: { username: string; password: string }[]; port?: number } = {},
): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), "pb-web-e2e-"));
  for (const u of opts.users ?? []) {
    execFileSync(
      process.execPath,
      [
        ...nodeEntry(join(REPO, "apps/server/src/cli.ts")),
        "create-user",
        u.username,
        "--password",
        u.password,
      ],
      {
        cwd: REPO,
        env: { ...process.env, PULSEBOARD_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
        stdio: "pipe",
      },
    );
  }
  const port = opts.port ?? (await freePort());
  let proc: Managed | undefined;
  const start = async () => {
    // node on the run's bundle of main.ts (or tsx), not npx: the pid we stop is the server itself.
    const started = spawnManaged(process.execPath, nodeEntry(MAIN), {
      cwd: REPO,
      env: {
        HOST: "127.0.0.1",
        PORT: String(port),
        PULSEBOARD_DATA_DIR: dataDir,
        PULSEBOARD_DEMO: "1",
        PULSEBOARD_DEMO_PASSWORD: DEMO.password,
        PULSEBOARD_SYNTHETIC: "0",
        PULSEBOARD_SYSTEM: "0",
        LOG_LEVEL: "warn",
        ...env,
      },
    });
    proc = started;
    await waitForPort(port, 30_000, "pulseboard server", started.output);
  };
  const stop = async () => {
    const current = proc;
    proc = undefined;
    await current?.stop();
  };
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    start,
    stop,
    destroy: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    output: () => proc?.output() ?? "",
  };
}

/** A REST client logged in with a session (cookie + CSRF), as the UI is. */
export async function restSession(url: string, username = DEMO.username, password = DEMO.password) {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const cookie = /pb_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  const call = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(url + path, {
      method,
      headers: {
        cookie: `pb_session=${cookie}`,
        "x-csrf-token": csrfToken,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path} → ${r.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return { call };
}

type Call = Awaited<ReturnType<typeof restSession>>["call"];

/**
 * Makes `user` a member of the dashboard with `role`: its owner (`ownerCall`) invites the name
 * (an administrator owner adds directly), and the user accepts the invitation over REST.
 */
export async function addMember(
  url: string,
  ownerCall: Call,
  dashboardId: number,
  user: { username: string; password: string },
  role: "viewer" | "editor" | "owner",
): Promise<void> {
  const answer = await ownerCall<{ status: string }>("PUT", `/api/v1/dashboards/${dashboardId}/members`, {
    username: user.username,
    role,
  });
  if (answer.status === "member") return;
  const { call } = await restSession(url, user.username, user.password);
  const invitation = (await call<{ id: number; dashboard_id: number }[]>("GET", "/api/v1/invitations")).find(
    (i) => i.dashboard_id === dashboardId,
  );
  if (!invitation) throw new Error(`${user.username} sees no invitation to dashboard ${dashboardId}`);
  await call("POST", `/api/v1/invitations/${invitation.id}/accept`);
}

export type Fixture = { dashboardId: number; metricIds: number[]; token: string };

/** A dashboard owned by the demo user with `count` gauge metrics, and an API token for ingest. */
export async function createFixture(url: string, name: string, count: number): Promise<Fixture> {
  const { call } = await restSession(url);
  const dashboard = await call<{ id: number }>("POST", "/api/v1/dashboards", { name });
  const metricIds: number[] = [];
  for (let i = 0; i < count; i++) {
    const m = await call<{ id: number }>("POST", `/api/v1/dashboards/${dashboard.id}/metrics`, {
      name: `metric_${String(i).padStart(2, "0")}`,
      type: "gauge",
      unit: "ms",
    });
    metricIds.push(m.id);
  }
  const { token } = await call<{ token: string }>("POST", "/api/v1/tokens", { name: `${name} ingest` });
  return { dashboardId: dashboard.id, metricIds, token };
}

export async function ingest(
  url: string,
  token: string,
  points: { metric_id: number; value: number; timestamp?: string }[],
) {
  const r = await fetch(`${url}/api/v1/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ points }),
  });
  if (r.status !== 200) throw new Error(`ingest → ${r.status} ${await r.text()}`);
}

export async function openBrowser(
  opts: { downloadsPath?: string; viewport?: { width: number; height: number } } = {},
) {
  return launchChromium(opts);
}

export async function login(page: Page, url: string, path = "/", user = DEMO) {
  await page.goto(`${url}${path}`);
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A browser signed in (as the demo user by default; the session cookie stays in its context). */
export async function signedInBrowser(
  url: string,
  opts: Parameters<typeof openBrowser>[0] = {},
  user = DEMO,
) {
  const browser = await openBrowser(opts);
  const page = await browser.context.newPage();
  await login(page, url, "/", user);
  await page.getByRole("heading", { name: "Dashboards" }).waitFor();
  await page.close();
  return browser;
}

/** Waits until the page's connection status says its stream is live. */
export async function untilLive(page: Page, options?: { timeout: number }): Promise<void> {
  await page.getByTestId("connection-status").filter({ hasText: "Live" }).waitFor(options);
}

/** A new page of `browser` on dashboard `id`, once its stream is live. */
export async function openLiveDashboard(browser: ChromiumHandle, url: string, id: number): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${url}/dashboards/${id}`);
  await untilLive(page);
  return page;
}

/** Signs in on the way to dashboard `id` (the login form sends the user on) and waits until it is live. */
export async function loginToDashboard(page: Page, url: string, id: number, user = DEMO): Promise<void> {
  await login(page, url, `/dashboards/${id}`, user);
  await untilLive(page);
}

/** Grid items animate into place: reads `read` until two reads 150 ms apart agree. */
export async function settled<T>(page: Page, read: () => Promise<T>): Promise<T> {
  for (let last = await read(); ; ) {
    await page.waitForTimeout(150);
    const now = await read();
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
}

export type SeriesDump = { timestamps: number[]; values: (number | null)[] } | null;

export function chartSeries(page: Page, metricId: number): Promise<SeriesDump> {
  return page.evaluate((id) => window.__pulseboardSeries(id), metricId);
}
