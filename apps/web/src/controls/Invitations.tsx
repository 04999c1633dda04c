// The signed-in user's pending invitations to dashboards, each with Accept (they become a member
// with the invited role; the dashboard joins the list) and Decline. Shown on the dashboard list,
// and only while there are some.

import type { DashboardSummary, Invitation } from "@pulseboard/protocol/rest";
import { useEffect, useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/http.ts";

export function Invitations({ onAccepted }: { onAccepted: (dashboard: DashboardSummary) => void }) {
  const [invitations, setInvitations] = useState<Invitation[]>([]);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

  useEffect(() => {
    api.invitations().then(setInvitations, (e) => setMessage({ text: describeError(e), error: true }));
  }, []);

  const answer = async (invitation: Invitation, accept: boolean) => {
    try {
      if (accept) onAccepted(await api.acceptInvitation(invitation.id));
      else await api.declineInvitation(invitation.id);
      setInvitations((list) => list.filter((i) => i.id !== invitation.id));
      setMessage({
        text: accept
          ? `You are now ${invitation.role} of ${invitation.dashboard_name}.`
          : `Declined the invitation to ${invitation.dashboard_name}.`,
        error: false,
      });
    } catch (e) {
      setMessage({ text: describeError(e), error: true });
    }
  };

  if (invitations.length === 0 && !message) return null;
  return (
    <section className="invitations" data-testid="invitations" aria-label="Invitations">
      {invitations.length > 0 && <h2>Invitations</h2>}
      <ul className="invitation-list">
        {invitations.map((i) => (
          <li key={i.id} className="card invitation">
            <span className="dashboard-name">{i.dashboard_name}</span>
            <span className={`role role-${i.role}`}>{i.role}</span>
            <span className="muted">{i.invited_by ? `invited by ${i.invited_by}` : "invited"}</span>
            <span className="invitation-actions">
              <button
                type="button"
                className="primary"
                aria-label={`Accept the invitation to ${i.dashboard_name}`}
                onClick={() => void answer(i, true)}
              >
                Accept
              </button>
              <button
                type="button"
                className="ghost"
                aria-label={`Decline the invitation to ${i.dashboard_name}`}
                onClick={() => void answer(i, false)}
              >
                Decline
              </button>
            </span>
          </li>
        ))}
      </ul>
      {message && (
        <p className={message.error ? "error" : "muted"} role={message.error ? "alert" : "status"}>
          {message.text}
        </p>
      )}
    </section>
  );
}
