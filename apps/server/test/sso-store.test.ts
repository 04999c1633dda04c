// Single sign-on's storage on SQLite and PostgreSQL (migration 009): an identity (issuer +
// subject) is linked to the user its first login created, never to an existing account of the
// same name; the groups mapping adds and removes the user in mapped teams only. The browser flow
// against a real provider is apps/web/test/sso.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncMappedTeams, userForIdentity } from "../src/sso/store.ts";
import { DB_KINDS, startTestApp, type TestApp } from "./harness.ts";

describe.each(DB_KINDS)("single sign-on storage on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  }, 120_000);
  afterAll(() => t?.close());

  it("creates the user on the first login and finds the same user on the next", async () => {
    const first = await userForIdentity(t.pb.db, "https://id.example", "sub-1", "olga");
    expect(first).toMatchObject({ username: "olga", created: true, disabled: false });
    const again = await userForIdentity(t.pb.db, "https://id.example", "sub-1", "olga-renamed");
    expect(again).toEqual({ ...first, created: false });
  });

  it("gives a first login whose name is taken a free one, and keeps issuers apart", async () => {
    await t.createUser("pat");
    const other = await userForIdentity(t.pb.db, "https://id.example", "sub-2", "pat");
    expect(other.username).toBe("pat-2");
    const elsewhere = await userForIdentity(t.pb.db, "https://other.example", "sub-2", "pat");
    expect(elsewhere.username).toBe("pat-3");
    expect(elsewhere.id).not.toBe(other.id);
  });

  it("keeps mapped teams in step with the groups and leaves unmapped teams alone", async () => {
    const db = t.pb.db;
    const user = await userForIdentity(db, "https://id.example", "sub-3", "quinn");
    await db.insertInto("teams").values({ name: "manual", created_at: Date.now() }).execute();
    const manual = await db
      .selectFrom("teams")
      .select("id")
      .where("name", "=", "manual")
      .executeTakeFirstOrThrow();
    await db.insertInto("team_members").values({ team_id: manual.id, user_id: user.id }).execute();
    const mapping = { ops: ["sre", "oncall"], dev: ["web"] };
    expect(await syncMappedTeams(db, user.id, ["ops", "other"], mapping)).toEqual({
      joined: ["sre", "oncall"],
      left: [],
      maybeLost: [],
    });
    expect(await teamsOf(user.id)).toEqual(["manual", "oncall", "sre"]);
    const left = await syncMappedTeams(db, user.id, ["dev"], mapping);
    expect(left).toMatchObject({ joined: ["web"], left: ["sre", "oncall"] });
    expect(await teamsOf(user.id)).toEqual(["manual", "web"]);
  });

  async function teamsOf(userId: number) {
    const rows = await t.pb.db
      .selectFrom("team_members")
      .innerJoin("teams", "teams.id", "team_members.team_id")
      .select("teams.name")
      .where("team_members.user_id", "=", userId)
      .orderBy("teams.name")
      .execute();
    return rows.map((r) => r.name);
  }
});
