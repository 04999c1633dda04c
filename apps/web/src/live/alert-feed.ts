// The web UI's wiring of the SDK's AlertStates: read over this page's REST client, refreshed at
// once when this page's rule editor changes a rule (a window event, so the editor needs no handle).
import { AlertStates, type LiveStore } from "@pulseboard/client/live";
import { api } from "../api/http.ts";

/** Fired by the rule editor after a change, so lines and states follow at once. */
export const RULES_CHANGED_EVENT = "pb:alert-rules-changed";

export function createAlertStates(store: LiveStore, dashboardId: number): AlertStates {
  return new AlertStates(store, {
    load: () => Promise.all([api.alertStates(dashboardId), api.alertRules(dashboardId)]),
    changes: (changed) => {
      window.addEventListener(RULES_CHANGED_EVENT, changed);
      return () => window.removeEventListener(RULES_CHANGED_EVENT, changed);
    },
  });
}
