// Time range picker: live windows of 5 min / 1 h / 24 h, or a custom span for history playback.
import { useState } from "react";

export type RangeChoice = { kind: "5m" | "1h" | "24h" } | { kind: "custom"; from: number; to: number };

export const LIVE_SECONDS = { "5m": 300, "1h": 3600, "24h": 86400 } as const;

/** `datetime-local` speaks local time without a zone. */
function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function TimeRange({ value, onChange }: { value: RangeChoice; onChange: (r: RangeChoice) => void }) {
  const [customOpen, setCustomOpen] = useState(value.kind === "custom");
  const [from, setFrom] = useState(() => toLocalInput(Date.now() - 3600_000));
  const [to, setTo] = useState(() => toLocalInput(Date.now()));
  const [error, setError] = useState<string | null>(null);

  return (
    <fieldset className="range">
      <legend className="sr-only">Time range</legend>
      {(["5m", "1h", "24h"] as const).map((kind) => (
        <button
          key={kind}
          type="button"
          className="seg"
          aria-pressed={value.kind === kind}
          onClick={() => {
            setCustomOpen(false);
            onChange({ kind });
          }}
        >
          {kind}
        </button>
      ))}
      <button
        type="button"
        className="seg"
        aria-pressed={value.kind === "custom" || customOpen}
        onClick={() => setCustomOpen(true)}
      >
        Custom
      </button>
      {customOpen && (
        <form
          className="custom-range"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new Date(from).getTime();
            const t = new Date(to).getTime();
            if (!Number.isFinite(f) || !Number.isFinite(t) || f >= t) {
              setError("“From” must be before “to”.");
              return;
            }
            setError(null);
            onChange({ kind: "custom", from: f, to: t });
          }}
        >
          <label>
            From{" "}
            <input
              type="datetime-local"
              name="from"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              required
            />
          </label>
          <label>
            To{" "}
            <input
              type="datetime-local"
              name="to"
              value={to}
              onChange={(e) => setTo(e.target.value)}
              required
            />
          </label>
          <button type="submit">Show</button>
          {error && (
            <span className="error" role="alert">
              {error}
            </span>
          )}
        </form>
      )}
    </fieldset>
  );
}
