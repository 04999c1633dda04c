// The answer to the user's last action in a panel, shown beside its control as text: what was
// done, or the server's error (never as HTML). One hook for every form that talks to the API.
import { useCallback, useState } from "react";
import { describeError } from "../api/errors.ts";

export type Outcome = { error: boolean; text: string };

export function useOutcome() {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  /**
   * Runs `action`; then shows `done` (a text, or made from the action's result) or the error.
   * Resolves to whether the action worked.
   */
  const run = useCallback(async <T,>(action: () => Promise<T>, done?: string | ((value: T) => string)) => {
    setOutcome(null);
    try {
      const value = await action();
      if (done !== undefined)
        setOutcome({ error: false, text: typeof done === "string" ? done : done(value) });
      return true;
    } catch (e) {
      setOutcome({ error: true, text: describeError(e) });
      return false;
    }
  }, []);
  const fail = useCallback((e: unknown) => setOutcome({ error: true, text: describeError(e) }), []);
  return { outcome, run, fail };
}

export function OutcomeText({ outcome, inline = false }: { outcome: Outcome | null; inline?: boolean }) {
  if (!outcome) return null;
  const Tag = inline ? "span" : "p";
  return (
    <Tag className={outcome.error ? "error" : "ok"} role={outcome.error ? "alert" : "status"}>
      {outcome.text}
    </Tag>
  );
}
