// Owner-only: who can see this dashboard, inviting someone by user name with a role (they get
// access once they accept; pending invitations are listed and can be withdrawn), changing a
// member's role and removing a member (whose open dashboards the server then closes); below,
// the teams with a role here and who has access through what (ShareTeams).

import type { Member, MemberListEntry, PendingMember, Role } from "@pulseboard/protocol/rest";
import { type FormEvent, useEffect, useState } from "react";
import { api } from "../api/http.ts";
import { useSession } from "../app/session.tsx";
import { RoleOptions } from "./options.tsx";
import { OutcomeText, useOutcome } from "./outcome.tsx";
import { Panel } from "./Panel.tsx";
import { ShareTeams } from "./ShareTeams.tsx";

export function SharePanel({ dashboardId, onClose }: { dashboardId: number; onClose: () => void }) {
  const [entries, setEntries] = useState<MemberListEntry[]>([]);
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const { outcome, run, fail } = useOutcome();
  const me = useSession().user?.id;
  /** Bumped after each member change: the access list below is read again. */
  const [changed, setChanged] = useState(0);

  useEffect(() => {
    api.members(dashboardId).then(setEntries, fail);
  }, [dashboardId, fail]);

  const share = (name: string, as: Role) =>
    run(
      async () => {
        // A name that is not a member yet is invited; the answer is the same whether or not such
        // an account exists, so the list (with the pending invitation) is read again.
        const answer = await api.putMember(dashboardId, name, as);
        setEntries(await api.members(dashboardId));
        setChanged((n) => n + 1);
        return answer;
      },
      (answer) =>
        answer.status === "member"
          ? `${answer.username} is now ${answer.role}.`
          : `Invited ${answer.username} as ${answer.role}: they get access once they accept.`,
    );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await share(username.trim(), role)) setUsername("");
  };

  const remove = (member: Member) =>
    run(async () => {
      await api.removeMember(dashboardId, member.user_id);
      setEntries((list) => list.filter((m) => !("user_id" in m) || m.user_id !== member.user_id));
      setChanged((n) => n + 1);
    }, `${member.username} no longer has access.`);

  const withdraw = (invitation: PendingMember) =>
    run(async () => {
      await api.withdrawInvitation(dashboardId, invitation.invitation_id);
      setEntries((list) =>
        list.filter((m) => !("invitation_id" in m) || m.invitation_id !== invitation.invitation_id),
      );
    }, `The invitation of ${invitation.username} is withdrawn.`);

  const members = entries.filter((m): m is Member => "user_id" in m);
  const pending = entries.filter((m): m is PendingMember => "invitation_id" in m);

  return (
    <Panel title="Share dashboard" closeLabel="Close sharing" onClose={onClose} testId="share-panel">
      <ul className="members">
        {members.map((m) =>
          m.user_id === me ? (
            <li key={m.user_id}>
              <span>{m.username}</span> <span className={`role role-${m.role}`}>{m.role}</span>{" "}
              <span className="muted">(you)</span>
            </li>
          ) : (
            <li key={m.user_id}>
              <span>{m.username}</span>{" "}
              <select
                aria-label={`Role of ${m.username}`}
                value={m.role}
                onChange={(e) => void share(m.username, e.target.value as Role)}
              >
                <RoleOptions />
              </select>{" "}
              <button
                type="button"
                className="ghost danger"
                aria-label={`Remove ${m.username}`}
                onClick={() => void remove(m)}
              >
                Remove
              </button>
            </li>
          ),
        )}
      </ul>
      {pending.length > 0 && (
        <>
          <h3 className="share-heading">Pending invitations</h3>
          <ul className="members" data-testid="pending-invitations">
            {pending.map((p) => (
              <li key={`invitation-${p.invitation_id}`}>
                <span>{p.username}</span>{" "}
                <select
                  aria-label={`Invited role of ${p.username}`}
                  value={p.role}
                  onChange={(e) => void share(p.username, e.target.value as Role)}
                >
                  <RoleOptions />
                </select>{" "}
                <span className="pending">pending</span>{" "}
                <button
                  type="button"
                  className="ghost danger"
                  aria-label={`Withdraw the invitation of ${p.username}`}
                  onClick={() => void withdraw(p)}
                >
                  Withdraw
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <form className="inline-form" onSubmit={submit}>
        <label>
          User name{" "}
          <input
            name="share-username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label>
          Role
          <select name="share-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <RoleOptions />
          </select>
        </label>
        <button type="submit" className="primary">
          Share
        </button>
      </form>
      <OutcomeText outcome={outcome} />
      <ShareTeams dashboardId={dashboardId} changed={changed} />
    </Panel>
  );
}
