// Owner-only: who can see this dashboard, adding someone by user name with a role, changing a
// member's role and removing a member (whose open dashboards the server then closes); below,
// the teams with a role here and who has access through what (ShareTeams).

import type { Member, Role } from "@pulseboard/protocol/rest";
import { type FormEvent, useEffect, useState } from "react";
import { api } from "../api/http.ts";
import { useSession } from "../app/session.tsx";
import { RoleOptions } from "./options.tsx";
import { OutcomeText, useOutcome } from "./outcome.tsx";
import { Panel } from "./Panel.tsx";
import { ShareTeams } from "./ShareTeams.tsx";

export function SharePanel({ dashboardId, onClose }: { dashboardId: number; onClose: () => void }) {
  const [members, setMembers] = useState<Member[]>([]);
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const { outcome, run, fail } = useOutcome();
  const me = useSession().user?.id;
  /** Bumped after each member change: the access list below is read again. */
  const [changed, setChanged] = useState(0);

  useEffect(() => {
    api.members(dashboardId).then(setMembers, fail);
  }, [dashboardId, fail]);

  const share = (name: string, as: Role) =>
    run(
      async () => {
        // The answer does not say whether the name exists (only administrators learn that), so
        // the list is read again rather than patched from the answer.
        const answer = await api.putMember(dashboardId, name, as);
        const list = await api.members(dashboardId);
        setMembers(list);
        setChanged((n) => n + 1);
        return { ...answer, listed: list.some((m) => m.username === answer.username) };
      },
      (answer) =>
        answer.listed
          ? `${answer.username} is now ${answer.role}.`
          : `If a user named ${answer.username} exists, they are now ${answer.role}.`,
    );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await share(username.trim(), role)) setUsername("");
  };

  const remove = (member: Member) =>
    run(async () => {
      await api.removeMember(dashboardId, member.user_id);
      setMembers((list) => list.filter((m) => m.user_id !== member.user_id));
      setChanged((n) => n + 1);
    }, `${member.username} no longer has access.`);

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
