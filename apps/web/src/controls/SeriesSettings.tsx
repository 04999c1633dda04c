// Edit mode: a series panel's own settings (selector, group by, aggregate) in a drawer, saved
// into the layout as the other panel tools are. The panel keeps its place, size, title and chart.
import type { Widget } from "@pulseboard/protocol/rest";
import { type FormEvent, useState } from "react";
import { useDashboardView } from "../pages/dashboard/context.ts";
import { Panel } from "./Panel.tsx";
import { type SeriesChoice, SeriesFields, selectorError, seriesWidgetFields } from "./SeriesFields.tsx";

export function SeriesSettingsButton({
  widget,
  title,
  onPatch,
}: {
  widget: Widget;
  title: string;
  onPatch: (id: string, patch: Partial<Widget>) => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="icon"
        aria-label={`Series of ${title}`}
        title="Selector, group by, aggregate"
        onClick={() => setOpen(true)}
      >
        ƒ
      </button>
      {open && <SeriesSettings widget={widget} onPatch={onPatch} onClose={() => setOpen(false)} />}
    </>
  );
}

function SeriesSettings({
  widget,
  onPatch,
  onClose,
}: {
  widget: Widget;
  onPatch: (id: string, patch: Partial<Widget>) => void;
  onClose: () => void;
}) {
  const { metrics } = useDashboardView();
  const [choice, setChoice] = useState<SeriesChoice>({
    selector: widget.series ?? "",
    groupBy: widget.group_by ?? [],
    aggregate: widget.aggregate ?? "avg",
  });
  const invalid = selectorError(choice.selector) !== null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (invalid) return;
    // absent keys would keep the old values in a patch: name all three
    onPatch(widget.id, { group_by: undefined, aggregate: undefined, ...seriesWidgetFields(choice) });
    onClose();
  };
  return (
    <Panel title="Series panel" closeLabel="Close series settings" onClose={onClose} testId="series-settings">
      <form className="stack-form" onSubmit={submit} aria-label="Series panel settings">
        <SeriesFields value={choice} onChange={setChoice} metrics={metrics} />
        <button type="submit" className="primary" disabled={invalid}>
          Save
        </button>
      </form>
    </Panel>
  );
}
