// Specifications of the admin CLI (`npm run cli -w @pulseboard/server -- <cmd>`), run as a real
// process against the same storage a server then uses.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { nodeEntry } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DB_KINDS, startTestApp, type TestDatabase } from "./harness.ts";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../../..");

describe.each(DB_KINDS)("cli on %s", (kind) => {
  let db: TestDatabase;
  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        [...nodeEntry("apps/server/src/cli.ts"), ...args],
        {
          cwd: repo,
          env: { ...process.env, ...db.env, LOG_LEVEL: "warn" },
        },
      );
      return { code: 0, stdout: stdout.trim(), stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout.trim(), stderr: e.stderr };
    }
  };
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(() => db?.destroy());

  it("creates a user with a given password, who can then log in", async () => {
    const res = await cli("create-user", "carol", "--password", "s3cret pass");
    expect(res).toMatchObject({ code: 0, stdout: expect.stringContaining("carol") });
    const t = await startTestApp(kind, { database: db });
    try {
      await expect(t.login("carol", "s3cret pass")).resolves.toMatchObject({ userId: expect.any(Number) });
    } finally {
      await t.close();
    }
  });

  it("generates and prints a password when none is given", async () => {
    const res = await cli("create-user", "dave");
    const password = /password: (\S+)/.exec(res.stdout)?.[1];
    expect(password).toBeTruthy();
    const t = await startTestApp(kind, { database: db });
    try {
      await t.login("dave", password!);
    } finally {
      await t.close();
    }
  });

  it("refuses a duplicate username with a non-zero exit", async () => {
    const res = await cli("create-user", "carol", "--password", "another long pass");
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/already exists/);
  });

  it("refuses a password that breaks the policy (short, empty, common, the user name) and creates no user", {
    timeout: 120_000,
  }, async () => {
    // Each case is its own process; they are independent (none creates a user), so they run at once.
    const cases = [
      ["x", /at least 10 characters/],
      ["", /at least 10 characters/],
      ["password123", /most common passwords/],
      ["erin-the-user", /not be the user name/],
    ] as const;
    const results = await Promise.all(
      cases.map(([password]) =>
        cli("create-user", password === "erin-the-user" ? "erin-the-user" : "erin", "--password", password),
      ),
    );
    for (const [i, [, why]] of cases.entries()) {
      expect(results[i]!.code).toBe(1);
      expect(results[i]!.stderr).toMatch(why);
    }
    const t = await startTestApp(kind, { database: db });
    try {
      const users = await t.pb.db.selectFrom("users").select("username").execute();
      expect(users.map((u) => u.username)).not.toContain("erin");
    } finally {
      await t.close();
    }
  });

  it("creates a token printed once that authenticates the user", async () => {
    const res = await cli("create-token", "carol", "deploy");
    expect(res.code).toBe(0);
    const token = res.stdout;
    const t = await startTestApp(kind, { database: db });
    try {
      const me = await t.api("GET", "/api/v1/auth/me", { token });
      expect(me.body.user.username).toBe("carol");
    } finally {
      await t.close();
    }
  });

  it("creates a dashboard with an owner and slug, and adds a member by slug", async () => {
    const made = await cli("create-dashboard", 'Fleet, "west"', "--owner", "carol", "--slug", "fleet-west");
    expect(made.stdout).toMatch(/slug fleet-west/);
    const added = await cli("add-member", "fleet-west", "dave", "viewer");
    expect(added).toMatchObject({ code: 0, stdout: expect.stringContaining("viewer") });
    const t = await startTestApp(kind, { database: db });
    try {
      const token = await t.createToken("carol");
      const list = await t.api("GET", "/api/v1/dashboards", { token });
      const d = list.body.find((x: { slug: string }) => x.slug === "fleet-west");
      expect(d).toMatchObject({ name: 'Fleet, "west"', role: "owner" });
      const members = await t.api("GET", `/api/v1/dashboards/${d.id}/members`, { token });
      expect(members.body.map((m: { username: string; role: string }) => `${m.username}:${m.role}`)).toEqual([
        "carol:owner",
        "dave:viewer",
      ]);
    } finally {
      await t.close();
    }
  });

  it("refuses an unknown role, dashboard or command with usage and exit code 2", async () => {
    const results = await Promise.all(
      [
        ["add-member", "fleet-west", "dave", "admin"],
        ["add-member", "nope", "dave", "viewer"],
        ["frobnicate"],
      ].map((args) => cli(...args)),
    );
    for (const res of results) {
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/Usage/);
    }
  });
});
