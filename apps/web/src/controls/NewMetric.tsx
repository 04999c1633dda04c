// Editor-only: define a new metric on this dashboard (name, type, unit). The server announces
// the new config to every open dashboard; the page adds a widget for it right away.
import { type MetricType, metricType } from "@pulseboard/protocol";
import type { Metric } from "@pulseboard/protocol/rest";
import { type FormEvent, useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/http.ts";
import { NameField } from "./NameForm.tsx";

export function NewMetric({
  dashboardId,
  onCreated,
}: {
  dashboardId: number;
  onCreated: (m: Metric) => void;
}) {
  const [name, setName] = useState("");
  const [type, setType] = useState<MetricType>("gauge");
  const [unit, setUnit] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      onCreated(await api.createMetric(dashboardId, { name, type, unit }));
      setName("");
      setUnit("");
    } catch (e) {
      setError(describeError(e));
    }
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="New metric">
      <NameField label="New metric" name="metric-name" value={name} onChange={setName} />
      <label>
        Type
        <select name="metric-type" value={type} onChange={(e) => setType(e.target.value as MetricType)}>
          {metricType.options.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label>
        Unit{" "}
        <input name="metric-unit" maxLength={50} value={unit} onChange={(e) => setUnit(e.target.value)} />
      </label>
      <button type="submit">Create metric</button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
