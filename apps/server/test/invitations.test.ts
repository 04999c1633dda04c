// Invitations to dashboards (issue 15), over the real REST API and WebSockets on SQLite and
// PostgreSQL: an owner who is not an administrator adds a name and learns nothing about whether
// such an account exists (the answer and the owner's member list are the same either way); the
// user of that name sees the invitation, and has no access until accepting it; declining,
// withdrawing, someone else's or a deleted dashboard's invitation, and the per-dashboard cap.
import { Communicator } from "@pulseboard/channels/testing";
import * as rest from "@pulseboard/protocol/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, startTestApp, type TestApp } from "./harness.ts";

const CAP = 3;

describe.each(DB_KINDS)("invitations on %s", (kind) => {
  let t: TestApp;
  let alice: string; // an owner, not an administrator
  let bob: string;
  let mallory: string;
  const sockets: Communicator[] = [];

  beforeAll(async () => {
    t = await startTestApp(kind, { config: { maxPendingInvitations: CAP } });
    await t.createUser("root"); // the first user: the administrator
    for (const name of ["alice", "bob", "mallory"]) await t.createUser(name);
    alice = await t.createToken("alice");
    bob = await t.createToken("bob");
    mallory = await t.createToken("mallory");
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await t?.close();
  });

  const newDashboard = async (name: string) =>
    (await t.api("POST", "/api/v1/dashboards", { token: alice, body: { name } })).body.id as number;
  const invite = (dash: number, username: string, role = "viewer", token = alice) =>
    t.api("PUT", `/api/v1/dashboards/${dash}/members`, { token, body: { username, role } });
  const membersOf = async (dash: number, token = alice) =>
    (await t.api("GET", `/api/v1/dashboards/${dash}/members`, { token })).body as Array<
      Record<string, unknown>
    >;
  const invitationsOf = async (token: string) =>
    (await t.api("GET", "/api/v1/invitations", { token })).body as Array<{
      id: number;
      dashboard_id: number;
      dashboard_name: string;
      role: string;
      invited_by: string | null;
    }>;
  const invitationTo = async (token: string, dash: number) => {
    const found = (await invitationsOf(token)).find((i) => i.dashboard_id === dash);
    if (!found) throw new Error(`no invitation to dashboard ${dash}`);
    return found;
  };
  /** The handshake's answer: authentication status and close code (or 200 and no close). */
  const handshake = async (token: string, dash: number) => {
    const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dash}/`, { token });
    sockets.push(c);
    const auth = (await c.receive("authentication")).payload as { status_code: number };
    if (auth.status_code === 200) return { status: 200, socket: c };
    return { status: auth.status_code, code: (await c.closed).code };
  };

  it("answers an existing and a missing user name byte for byte the same, and lists both alike", async () => {
    const dash = await newDashboard("Same answer");
    // Two names of one length, so that the answers can be compared as bytes.
    const existing = await invite(dash, "bob");
    const missing = await invite(dash, "zed");
    expect(existing.status).toBe(200);
    expect(missing.status).toBe(existing.status);
    expect(existing.body).toEqual({ username: "bob", role: "viewer", status: "invited" });
    expect(missing.text).toBe(existing.text.replace('"bob"', '"zed"'));
    expect(missing.headers.get("content-type")).toBe(existing.headers.get("content-type"));

    const list = await membersOf(dash);
    expect(list.map((m) => m.username)).toEqual(["alice", "bob", "zed"]);
    const [, bobEntry, zedEntry] = list;
    const anonymous = (m: Record<string, unknown> | undefined) => ({ ...m, invitation_id: 0, username: "" });
    expect(bobEntry).toEqual({
      invitation_id: expect.any(Number),
      username: "bob",
      role: "viewer",
      status: "pending",
    });
    expect(anonymous(zedEntry)).toEqual(anonymous(bobEntry));
    // Viewers see members only; the pending names are the owners' business.
    await t.addMember(dash, "mallory", "viewer", { token: alice });
    expect((await membersOf(dash, mallory)).map((m) => m.username)).toEqual(["alice", "mallory"]);
  });

  it("gives an invited user no access until they accept, then the invited role over REST and the WebSocket", async () => {
    const dash = await newDashboard("Ops");
    await invite(dash, "bob", "editor");
    const stranger = await handshake(mallory, dash);
    expect(stranger.status).not.toBe(200);

    expect((await t.api("GET", `/api/v1/dashboards/${dash}`, { token: bob })).status).toBe(404);
    expect(await handshake(bob, dash)).toEqual(stranger);

    const invitation = await invitationTo(bob, dash);
    expect(invitation).toMatchObject({ dashboard_name: "Ops", role: "editor", invited_by: "alice" });
    rest.invitation.strict().parse(invitation);
    const accepted = await t.api("POST", `/api/v1/invitations/${invitation.id}/accept`, { token: bob });
    expect(accepted.status).toBe(200);
    rest.dashboardSummary.strict().parse(accepted.body);
    expect(accepted.body).toMatchObject({ id: dash, name: "Ops", role: "editor" });

    expect((await t.api("GET", `/api/v1/dashboards/${dash}`, { token: bob })).body.role).toBe("editor");
    const live = await handshake(bob, dash);
    expect(live.status).toBe(200);
    expect((await live.socket?.receive("dashboard_config"))?.payload).toMatchObject({
      id: dash,
      name: "Ops",
    });
    expect((await invitationsOf(bob)).map((i) => i.dashboard_id)).not.toContain(dash);
    expect(await membersOf(dash)).toEqual([
      { user_id: expect.any(Number), username: "alice", role: "owner" },
      { user_id: expect.any(Number), username: "bob", role: "editor" },
    ]);
    // A member's role changes directly: they are a visible member already.
    const demoted = await invite(dash, "bob", "viewer");
    expect(demoted.body).toMatchObject({ username: "bob", role: "viewer", status: "member" });
    expect((await t.api("GET", `/api/v1/dashboards/${dash}`, { token: bob })).body.role).toBe("viewer");
  });

  it("re-inviting changes the invited role; accepting gives the newest one", async () => {
    const dash = await newDashboard("Re-invited");
    await invite(dash, "bob", "viewer");
    await invite(dash, "bob", "owner");
    expect((await membersOf(dash)).filter((m) => m.status === "pending")).toEqual([
      { invitation_id: expect.any(Number), username: "bob", role: "owner", status: "pending" },
    ]);
    const invitation = await invitationTo(bob, dash);
    expect(invitation.role).toBe("owner");
    await t.api("POST", `/api/v1/invitations/${invitation.id}/accept`, { token: bob });
    expect((await t.api("GET", `/api/v1/dashboards/${dash}`, { token: bob })).body.role).toBe("owner");
  });

  it("declining or withdrawing an invitation leaves no access and no invitation", async () => {
    const declined = await newDashboard("Declined");
    await invite(declined, "bob");
    const first = await invitationTo(bob, declined);
    expect((await t.api("POST", `/api/v1/invitations/${first.id}/decline`, { token: bob })).status).toBe(204);
    expect((await invitationsOf(bob)).map((i) => i.id)).not.toContain(first.id);
    expect((await membersOf(declined)).map((m) => m.username)).toEqual(["alice"]);
    expect((await t.api("POST", `/api/v1/invitations/${first.id}/accept`, { token: bob })).status).toBe(404);

    const withdrawn = await newDashboard("Withdrawn");
    await invite(withdrawn, "bob");
    const second = await invitationTo(bob, withdrawn);
    const pending = (await membersOf(withdrawn)).find((m) => m.status === "pending");
    expect(pending?.invitation_id).toBe(second.id);
    const withdraw = `/api/v1/dashboards/${withdrawn}/invitations/${second.id}`;
    expect((await t.api("DELETE", withdraw, { token: alice })).status).toBe(204);
    expect((await invitationsOf(bob)).map((i) => i.id)).not.toContain(second.id);
    expect((await t.api("POST", `/api/v1/invitations/${second.id}/accept`, { token: bob })).status).toBe(404);
    expect((await t.api("GET", `/api/v1/dashboards/${withdrawn}`, { token: bob })).status).toBe(404);
    expect((await t.api("DELETE", withdraw, { token: alice })).status).toBe(404);
  });

  it("answers someone else's, an unknown and a deleted dashboard's invitation 404 like a missing one", async () => {
    const dash = await newDashboard("Not yours");
    await invite(dash, "bob");
    const bobs = await invitationTo(bob, dash);
    const unknown = await t.api("POST", "/api/v1/invitations/999999/accept", { token: mallory });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe("Invitation not found");
    for (const step of ["accept", "decline"]) {
      const theirs = await t.api("POST", `/api/v1/invitations/${bobs.id}/${step}`, { token: mallory });
      expect({ status: theirs.status, body: theirs.body }).toEqual({
        status: unknown.status,
        body: unknown.body,
      });
    }
    expect((await t.api("GET", `/api/v1/dashboards/${dash}`, { token: mallory })).status).toBe(404);
    // Only the dashboard's owners withdraw it: another dashboard's owner gets 404 too.
    const other = await newDashboard("Elsewhere");
    expect(
      (await t.api("DELETE", `/api/v1/dashboards/${other}/invitations/${bobs.id}`, { token: alice })).status,
    ).toBe(404);
    // Anything but a positive id names no invitation either (the project's rule for ids).
    const bogus = await t.api("POST", "/api/v1/invitations/abc/accept", { token: bob });
    expect({ status: bogus.status, body: bogus.body }).toEqual({
      status: unknown.status,
      body: unknown.body,
    });
    // Bob's invitation is still there after all that.
    expect((await invitationTo(bob, dash)).id).toBe(bobs.id);

    expect((await t.api("DELETE", `/api/v1/dashboards/${dash}`, { token: alice })).status).toBe(204);
    expect((await invitationsOf(bob)).map((i) => i.id)).not.toContain(bobs.id);
    const gone = await t.api("POST", `/api/v1/invitations/${bobs.id}/accept`, { token: bob });
    expect({ status: gone.status, body: gone.body }).toEqual({ status: unknown.status, body: unknown.body });
  });

  it("shows an invitation to an account created later under the invited name", async () => {
    const dash = await newDashboard("Early");
    const name = `newcomer-${kind}`;
    expect((await invite(dash, name, "editor")).body).toEqual({
      username: name,
      role: "editor",
      status: "invited",
    });
    await t.createUser(name);
    const token = await t.createToken(name);
    const invitation = await invitationTo(token, dash);
    expect(invitation).toMatchObject({ dashboard_name: "Early", role: "editor" });
    await t.api("POST", `/api/v1/invitations/${invitation.id}/accept`, { token });
    expect((await t.api("GET", `/api/v1/dashboards/${dash}`, { token })).body.role).toBe("editor");
  });

  it(`refuses a dashboard's invitation past ${CAP} pending ones with 400, until one is answered`, async () => {
    const dash = await newDashboard("Capped");
    for (let i = 0; i < CAP; i++) expect((await invite(dash, `flood-${i}`)).status).toBe(200);
    const over = await invite(dash, "flood-over");
    expect(over.status).toBe(400);
    expect(over.body.error.message).toContain("pending invitations");
    // Re-inviting a pending name is no new invitation; other dashboards have their own count.
    expect((await invite(dash, "flood-0", "editor")).status).toBe(200);
    expect((await invite(await newDashboard("Not capped"), "flood-over")).status).toBe(200);
    expect((await membersOf(dash)).filter((m) => m.status === "pending")).toHaveLength(CAP);
    const first = (await membersOf(dash)).find((m) => m.username === "flood-0");
    await t.api("DELETE", `/api/v1/dashboards/${dash}/invitations/${first?.invitation_id}`, { token: alice });
    expect((await invite(dash, "flood-over")).status).toBe(200);
  });

  it("lets an administrator add an existing user directly", async () => {
    const root = await t.createToken("root");
    const dash = (await t.api("POST", "/api/v1/dashboards", { token: root, body: { name: "Admin's" } })).body
      .id;
    const added = await invite(dash, "bob", "viewer", root);
    expect(added.body).toMatchObject({ user_id: expect.any(Number), username: "bob", status: "member" });
    expect((await t.api("GET", `/api/v1/dashboards/${dash}`, { token: bob })).status).toBe(200);
  });
});
