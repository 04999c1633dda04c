// Owner-only: the dashboard's name and description, and deleting it after a confirmation. Other
// open pages follow a save through the re-announced dashboard_config; a deletion closes their
// streams with 4004, which they show as a notice.
import type { DashboardSummary } from "@pulseboard/protocol/rest";
import { type FormEvent, useState } from "react";
import { api } from "../api/http.ts";
import { DeleteButton } from "./DeleteButton.tsx";
import { DescriptionField, NameField } from "./NameForm.tsx";
import { OutcomeText, useOutcome } from "./outcome.tsx";
import { Panel } from "./Panel.tsx";

type Shown = Pick<DashboardSummary, "id" | "name" | "description" | "tags">;

/** "prod, edge" → ["prod", "edge"] (empty pieces dropped). */
function readTags(text: string): string[] {
  return text
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
}

export function DashboardSettings({
  dashboard,
  onClose,
  onSaved,
  onDeleted,
}: {
  dashboard: Shown;
  onClose: () => void;
  onSaved: (dashboard: DashboardSummary) => void;
  onDeleted: () => void;
}) {
  const [name, setName] = useState(dashboard.name);
  const [description, setDescription] = useState(dashboard.description);
  const [tags, setTags] = useState((dashboard.tags ?? []).join(", "));
  const { outcome, run } = useOutcome();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      const saved = await api.patchDashboard(dashboard.id, { name, description, tags: readTags(tags) });
      onSaved(saved);
      setName(saved.name);
      setDescription(saved.description);
      setTags((saved.tags ?? []).join(", "));
    }, "Saved.");
  };
  const remove = async () => {
    const ok = await run(() => api.deleteDashboard(dashboard.id));
    if (ok) onDeleted();
    return ok;
  };

  return (
    <Panel
      title="Dashboard settings"
      closeLabel="Close dashboard settings"
      onClose={onClose}
      testId="dashboard-settings"
      className="dashboard-settings"
    >
      {/* noValidate: the server's schema is the one judge of a name (trimmed, 1–200 characters),
          and its answer is shown below as text rather than as a browser bubble. */}
      <form className="inline-form" aria-label="Dashboard" noValidate onSubmit={save}>
        <NameField label="Name" name="dashboard-settings-name" value={name} onChange={setName} />
        <DescriptionField
          name="dashboard-settings-description"
          value={description}
          onChange={setDescription}
        />
        <label className="grow">
          Tags
          <input
            name="dashboard-settings-tags"
            value={tags}
            placeholder="prod, edge"
            onChange={(e) => setTags(e.target.value)}
          />
        </label>
        <button type="submit" className="primary">
          Save
        </button>
        <DeleteButton
          label="Delete dashboard…"
          onDelete={remove}
          question={
            <>
              Delete <strong>{dashboard.name}</strong> with all its metrics, stored values, alert rules and
              alerts, for every member? This cannot be undone.
            </>
          }
        />
      </form>
      <OutcomeText outcome={outcome} />
    </Panel>
  );
}
