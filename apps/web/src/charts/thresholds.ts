// Colour steps of stat and gauge panels: a value takes the colour of the highest step at or below
// it (as Grafana's thresholds read). Colours are theme variables, so both themes stay legible.
import type { WidgetThreshold } from "@pulseboard/protocol/rest";

const VARS: Record<WidgetThreshold["color"], string> = {
  green: "var(--ok)",
  yellow: "var(--warn)",
  orange: "var(--series-2)",
  red: "var(--danger)",
  blue: "var(--series-1)",
};

/** The step a value falls in, or undefined (no steps, or below the first). */
export function thresholdFor(
  value: number | undefined,
  steps: WidgetThreshold[] = [],
): WidgetThreshold | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  let found: WidgetThreshold | undefined;
  for (const s of [...steps].sort((a, b) => a.value - b.value)) if (value >= s.value) found = s;
  return found;
}

export function thresholdColor(step: WidgetThreshold | undefined): string {
  return step ? VARS[step.color] : "var(--text)";
}
