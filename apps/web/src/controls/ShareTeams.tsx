// Owner-only, in the Share panel: the teams that have a role on this dashboard (give one a role,
// change it, take it off) and who reaches the dashboard through what — directly or through a team.
// `changed` counts the panel's member changes, so the access list is read again after each.
import type { AccessEntry, DashboardTeam, Role, Team } from "@pulseboard/protocol/rest";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { api } from "../api/http.ts";
import { RoleOptions } from "./options.tsx";
import { OutcomeText, useOutcome } from "./outcome.tsx";

export function ShareTeams({ dashboardId, changed }: { dashboardId: number; changed: number }) {
  const [teams, setTeams] = useState<DashboardTeam[]>([]);
  const [all, setAll] = useState<Team[]>([]);
  const [access, setAccess] = useState<AccessEntry[]>([]);
  const [teamId, setTeamId] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const { outcome, run, fail } = useOutcome();

  const loadAccess = useCallback(() => {
    api.dashboardAccess(dashboardId).then(setAccess, fail);
  }, [dashboardId, fail]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `changed` (a member changed) reads the access list again
  useEffect(loadAccess, [loadAccess, changed]);
  useEffect(() => {
    api.dashboardTeams(dashboardId).then(setTeams, fail);
    api.teams().then(setAll, fail);
  }, [dashboardId, fail]);

  // The answer is the dashboard's teams as they now are; only the access list is read again.
  const give = (id: number, as: Role, name: string) =>
    run(async () => {
      setTeams(await api.putDashboardTeam(dashboardId, id, as));
      loadAccess();
    }, `Team ${name} is now ${as}.`);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const team = all.find((t) => String(t.id) === teamId);
    if (team && (await give(team.id, role, team.name))) setTeamId("");
  };

  const remove = (team: DashboardTeam) =>
    run(async () => {
      await api.removeDashboardTeam(dashboardId, team.team_id);
      setTeams((list) => list.filter((t) => t.team_id !== team.team_id));
      loadAccess();
    }, `Team ${team.name} no longer has access.`);

  const others = all.filter((t) => !teams.some((d) => d.team_id === t.id));
  return (
    <>
      <h3 className="share-heading">Teams</h3>
      {teams.length === 0 && <p className="muted">No team has a role here.</p>}
      <ul className="members" data-testid="dashboard-teams">
        {teams.map((t) => (
          <li key={t.team_id}>
            <span>{t.name}</span>{" "}
            <select
              aria-label={`Role of team ${t.name}`}
              value={t.role}
              onChange={(e) => void give(t.team_id, e.target.value as Role, t.name)}
            >
              <RoleOptions />
            </select>{" "}
            <button
              type="button"
              className="ghost danger"
              aria-label={`Remove team ${t.name}`}
              onClick={() => void remove(t)}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      {others.length > 0 && (
        <form className="inline-form" onSubmit={submit}>
          <label>
            Team{" "}
            <select name="share-team" required value={teamId} onChange={(e) => setTeamId(e.target.value)}>
              <option value="">Choose…</option>
              {others.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Team role
            <select name="share-team-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <RoleOptions />
            </select>
          </label>
          <button type="submit">Give access</button>
        </form>
      )}
      <OutcomeText outcome={outcome} />
      <h3 className="share-heading">Who has access</h3>
      <ul className="members" data-testid="dashboard-access">
        {access.map((a) => (
          <li key={`${a.user_id}-${a.via}`}>
            <span>{a.username}</span> <span className={`role role-${a.role}`}>{a.role}</span>{" "}
            <span className="muted">
              {a.via === "direct" ? "directly" : `through team ${a.via.slice(5)}`}
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}
