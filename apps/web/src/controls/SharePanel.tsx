// Owner-only: who can see this dashboard, and adding someone by user name with a role.

import type { Member, Role } from "@pulseboard/client/rest";
import { type FormEvent, useEffect, useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/http.ts";
import { RoleOptions } from "./options.tsx";

export function SharePanel({ dashboardId, onClose }: { dashboardId: number; onClose: () => void }) {
  const [members, setMembers] = useState<Member[]>([]);
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  useEffect(() => {
    api.members(dashboardId).then(setMembers, (e) => setMessage({ error: true, text: describeError(e) }));
  }, [dashboardId]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const member = await api.putMember(dashboardId, username.trim(), role);
      setMembers((list) => [...list.filter((m) => m.user_id !== member.user_id), member]);
      setMessage({ error: false, text: `${member.username} is now ${member.role}.` });
      setUsername("");
    } catch (e) {
      setMessage({ error: true, text: describeError(e) });
    }
  };

  return (
    <section className="card panel" aria-labelledby="share-title" data-testid="share-panel">
      <div className="panel-head">
        <h2 id="share-title">Share dashboard</h2>
        <button type="button" className="ghost" onClick={onClose} aria-label="Close sharing">
          ✕
        </button>
      </div>
      <ul className="members">
        {members.map((m) => (
          <li key={m.user_id}>
            <span>{m.username}</span> <span className={`role role-${m.role}`}>{m.role}</span>
          </li>
        ))}
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
      {message && (
        <p className={message.error ? "error" : "ok"} role={message.error ? "alert" : "status"}>
          {message.text}
        </p>
      )}
    </section>
  );
}
