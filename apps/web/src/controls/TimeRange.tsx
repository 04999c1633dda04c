// Time range picker: quick relative ranges (live), an absolute span typed in 24-hour ISO form
// ("2026-12-01 14:05", local time), the auto-refresh interval, and a way back after a zoom.
import { useEffect, useState } from "react";
import {
  formatDuration,
  parseLocalIso,
  QUICK_RANGES,
  type RangeChoice,
  REFRESH_CHOICES,
  rangeBounds,
  toLocalIso,
} from "../charts/range.ts";

type Props = {
  value: RangeChoice;
  onChange: (r: RangeChoice) => void;
  refresh: number;
  onRefresh: (seconds: number) => void;
  /** set while a zoom can be undone */
  onBack?: () => void;
};

export function TimeRange({ value, onChange, refresh, onRefresh, onBack }: Props) {
  const [customOpen, setCustomOpen] = useState(false);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [error, setError] = useState<string | null>(null);

  // The form starts from the range on screen (after a zoom: the zoomed span).
  useEffect(() => {
    const [f, t] = rangeBounds(value);
    setFrom(toLocalIso(f));
    setTo(toLocalIso(t));
  }, [value]);

  return (
    <fieldset className="range">
      <legend className="sr-only">Time range</legend>
      {QUICK_RANGES.map(({ label, seconds }) => (
        <button
          key={label}
          type="button"
          className="seg"
          aria-pressed={value.kind === "relative" && value.seconds === seconds}
          title={`Last ${label}`}
          onClick={() => {
            setCustomOpen(false);
            onChange({ kind: "relative", seconds });
          }}
        >
          {label}
        </button>
      ))}
      <button
        type="button"
        className="seg"
        aria-pressed={value.kind === "absolute" || customOpen}
        aria-expanded={customOpen}
        onClick={() => setCustomOpen(!customOpen)}
      >
        {value.kind === "absolute" && !customOpen
          ? `${toLocalIso(value.from).slice(5, 16)} → ${toLocalIso(value.to).slice(5, 16)}`
          : "Custom"}
      </button>
      {value.kind === "relative" && !QUICK_RANGES.some((r) => r.seconds === value.seconds) && (
        <span className="seg current">{formatDuration(value.seconds)}</span>
      )}
      {onBack && (
        <button
          type="button"
          className="seg"
          onClick={onBack}
          data-testid="zoom-back"
          title="Back to the range before the zoom (or double-click a chart)"
        >
          ⟲ Back
        </button>
      )}
      <label className="refresh">
        <span className="sr-only">Auto-refresh</span>
        <select
          name="refresh"
          value={refresh}
          aria-label="Auto-refresh"
          onChange={(e) => onRefresh(Number(e.target.value))}
        >
          {REFRESH_CHOICES.map((s) => (
            <option key={s} value={s}>
              {s === 0 ? "↻ Off" : `↻ ${formatDuration(s)}`}
            </option>
          ))}
        </select>
      </label>
      {customOpen && (
        <form
          className="custom-range"
          aria-label="Absolute time range"
          onSubmit={(e) => {
            e.preventDefault();
            const f = parseLocalIso(from);
            const t = parseLocalIso(to);
            if (!Number.isFinite(f) || !Number.isFinite(t)) {
              setError("Write times as 2026-12-01 14:05 (24-hour, local time).");
              return;
            }
            if (f >= t) {
              setError("“From” must be before “to”.");
              return;
            }
            setError(null);
            setCustomOpen(false);
            onChange({ kind: "absolute", from: f, to: t });
          }}
        >
          <label>
            From{" "}
            <input
              name="from"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              placeholder="YYYY-MM-DD HH:MM:SS"
              inputMode="numeric"
              spellCheck={false}
              size={19}
              required
            />
          </label>
          <label>
            To{" "}
            <input
              name="to"
              value={to}
              onChange={(e) => setTo(e.target.value)}
              placeholder="YYYY-MM-DD HH:MM:SS"
              inputMode="numeric"
              spellCheck={false}
              size={19}
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
