// The layout half of a dashboard page: every change to the widgets (arrange, add, duplicate, move,
// retype, patch, remove) is kept at once and saved over REST, with what the save answered.
import type { ChartKind, Widget } from "@pulseboard/protocol/rest";
import { type Dispatch, type SetStateAction, useCallback, useRef, useState } from "react";
import { describeError } from "../../api/errors.ts";
import { api } from "../../api/http.ts";
import { firstFreeSlot, newWidgetId } from "../../widgets/catalog.ts";

export function useLayout(
  id: number,
  widgets: Widget[] | null,
  setWidgets: Dispatch<SetStateAction<Widget[] | null>>,
) {
  const [saveState, setSaveState] = useState<string>("");
  const widgetsRef = useRef(widgets);
  widgetsRef.current = widgets;
  const save = useCallback(
    (next: Widget[]) => {
      setWidgets(next);
      setSaveState("Saving…");
      api.putLayout(id, next).then(
        () => setSaveState("Layout saved"),
        (e) => setSaveState(`Not saved: ${describeError(e)}`),
      );
    },
    [id, setWidgets],
  );
  const onArrange = useCallback((next: Widget[]) => save(next), [save]);
  const onRemove = useCallback(
    (wid: string) => save((widgetsRef.current ?? []).filter((w) => w.id !== wid)),
    [save],
  );
  const onChart = useCallback(
    (wid: string, chart: ChartKind) =>
      save((widgetsRef.current ?? []).map((w) => (w.id === wid ? { ...w, chart } : w))),
    [save],
  );
  const onMove = useCallback(
    (wid: string, delta: -1 | 1) => save(moveWidget(widgetsRef.current ?? [], wid, delta)),
    [save],
  );
  // A new panel takes the first free slot (top-left first), not the bottom of the page.
  const onAdd = useCallback(
    (w: Widget) => {
      const list = widgetsRef.current ?? [];
      save([...list, { ...w, ...firstFreeSlot(list, w.w, w.h) }]);
    },
    [save],
  );
  const onDuplicate = useCallback(
    (wid: string) => {
      const w = (widgetsRef.current ?? []).find((x) => x.id === wid);
      if (w) onAdd({ ...w, id: newWidgetId() });
    },
    [onAdd],
  );
  const onPatch = useCallback(
    (wid: string, patch: Partial<Widget>) =>
      save((widgetsRef.current ?? []).map((w) => (w.id === wid ? { ...w, ...patch } : w))),
    [save],
  );
  return { saveState, onArrange, onRemove, onChart, onMove, onAdd, onDuplicate, onPatch };
}

/** Swaps a widget's place with its neighbour in reading order (top-to-bottom, left-to-right). */
export function moveWidget(widgets: Widget[], id: string, delta: -1 | 1): Widget[] {
  const order = [...widgets].sort((a, b) => a.y - b.y || a.x - b.x);
  const i = order.findIndex((w) => w.id === id);
  const j = i + delta;
  const a = order[i];
  const b = order[j];
  if (!a || !b) return widgets;
  return widgets.map((w) => {
    if (w.id === a.id) return { ...w, x: b.x, y: b.y };
    if (w.id === b.id) return { ...w, x: a.x, y: a.y };
    return w;
  });
}
