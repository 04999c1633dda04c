// Owns reading settings from environment values with Zod: one schema per kind of setting turns the
// raw text (or its absence) into the typed value with its default, so config.ts declares each
// variable once (name, kind, default) and a bad value is refused naming the variable and the text
// it got. Every bad variable is named at once, not only the first.
import { z } from "zod";

const got = (input: unknown) => `got "${String(input)}"`;

/** A non-negative integer (`1e3` and `0x10` are not). */
const integer = z
  .string()
  .trim()
  .regex(/^[0-9]{1,15}$/, { error: (iss) => `must be a non-negative integer, ${got(iss.input)}` })
  .transform(Number);

/** A non-negative integer; unset means `fallback`. */
export const int = (fallback: number) => integer.optional().transform((v) => v ?? fallback);

/** A positive integer; unset or 0 means `fallback` (a pool of 0 threads means "the default"). */
export const positive = (fallback: number) => integer.optional().transform((v) => v || fallback);

const OFF = ["0", "false", "no", "off"];

/** On unless 0/false/no/off; unset means `fallback`. */
export const flag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined ? fallback : !OFF.includes(v.trim().toLowerCase())));

/** A comma-separated list, trimmed, empty items dropped. */
export const csv = (fallback = "") =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v ?? fallback)
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    );

/** Free text; unset is undefined, or `fallback` when one is given. */
export const text = () => z.string().optional();
export const textOr = (fallback: string) => z.string().default(fallback);

/** `15d`, `90d`, `2y`, `12h`: the text of a duration, in the environment and the file alike. */
export const DURATION_PATTERN = /^[1-9][0-9]{0,6}[smhdwy]$/;
/** The start of an http(s) URL with a host. */
export const HTTP_URL_PATTERN = /^https?:\/\/[^/]+/;

const DURATION_UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** `15d`, `90d`, `2y`, `12h`: a positive duration, in ms. */
export const duration = (fallback: string) =>
  z
    .string()
    .trim()
    .regex(DURATION_PATTERN, {
      error: (iss) => `must be a duration such as 15d, 90d, 2y or 12h, ${got(iss.input)}`,
    })
    .default(fallback)
    .transform((v) => Number(v.slice(0, -1)) * DURATION_UNITS[v.slice(-1)]!);

/** An http(s) URL, or unset. */
export const httpUrl = () =>
  z
    .string()
    .trim()
    .regex(HTTP_URL_PATTERN, { error: (iss) => `must be an http(s) URL, ${got(iss.input)}` })
    .optional();

/**
 * Parses the environment against `schema`. Empty values count as unset (`PORT=` in a unit file
 * means "the default"), and one Error names every bad variable: `PORT must be …; LOG_LEVEL …`.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const given: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== "") given[key] = value;
  const parsed = schema.safeParse(given);
  if (parsed.success) return parsed.data;
  throw new Error(parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; "));
}
