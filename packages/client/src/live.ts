// `@pulseboard/client/live`: the framework-agnostic live-data stack a dashboard UI is built on —
// the store (batched per animation frame, typed-array series), the connection that feeds it, the
// ring buffer and the alert states. The React binding is `@pulseboard/client/react`.

export {
  AlertStates,
  type AlertStatesOptions,
  type AlertStatesSnapshot,
  type RuleLine,
} from "./alert-states.ts";
export { dashboardUrl, LiveConnection, type LiveConnectionOptions } from "./live-connection.ts";
export {
  type ActivityItem,
  type AlertItem,
  type ConnectionState,
  type FrameScheduler,
  type LiveSnapshot,
  LiveStore,
  type SavedView,
  type SeriesState,
} from "./live-store.ts";
export { SeriesRing } from "./ring.ts";
