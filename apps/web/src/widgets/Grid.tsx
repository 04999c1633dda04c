// The widget grid (react-grid-layout). Dragging/resizing is on only in edit mode, by the title bar;
// positions are reported up after each drag/resize so the page saves them. Widgets can also be
// moved with buttons, for keyboard users.
import { memo } from "react";
import ReactGridLayout, { type Layout, useContainerWidth } from "react-grid-layout";
import "react-grid-layout/css/styles.css";
import type { ChartKind, Widget } from "@pulseboard/protocol/rest";
import { useState } from "react";
import { selectorUnit } from "../charts/series-lines.ts";
import { ChartKindOptions } from "../controls/options.tsx";
import { SeriesSettingsButton } from "../controls/SeriesSettings.tsx";
import { type LayoutContext, useDashboardView, useLayoutActions } from "../pages/dashboard/context.ts";
import { WIDGETS, widgetTitle } from "./catalog.ts";
import { defaultChart } from "./MetricWidget.tsx";

type Props = { widgets: Widget[] };

/** Below this width (a phone) the cards stack in one column, in reading order. */
export const STACK_BELOW_PX = 720;

/** The saved 12-column layout as one column: reading order (top-to-bottom, left-to-right), full width. */
export function stacked(widgets: Widget[]): Layout {
  let y = 0;
  return [...widgets]
    .sort((a, b) => a.y - b.y || a.x - b.x)
    .map((w) => {
      const item = { i: w.id, x: 0, y, w: 1, h: w.h, static: true };
      y += item.h;
      return item;
    });
}

export function Grid({ widgets }: Props) {
  const { editing, onArrange } = useLayoutActions();
  const { width, containerRef, mounted } = useContainerWidth();
  // Narrow: stacked and fixed (dragging there would rewrite the wide layout); the ↑/↓ buttons of
  // edit mode still reorder.
  const narrow = width < STACK_BELOW_PX;
  const layout: Layout = narrow
    ? stacked(widgets)
    : widgets.map((w) => ({ i: w.id, x: w.x, y: w.y, w: w.w, h: w.h, minW: 2, minH: 2 }));
  const arranged = (next: Layout) => {
    const byId = new Map(next.map((l) => [l.i, l]));
    onArrange(
      widgets.map((w) => {
        const l = byId.get(w.id);
        return l ? { ...w, x: l.x, y: l.y, w: l.w, h: l.h } : w;
      }),
    );
  };
  return (
    <div
      ref={containerRef}
      className={`grid${editing ? " editing" : ""}${narrow ? " stacked" : ""}`}
      data-testid="grid"
    >
      {mounted && (
        <ReactGridLayout
          width={width}
          layout={layout}
          gridConfig={{ cols: narrow ? 1 : 12, rowHeight: 64, margin: [12, 12] }}
          dragConfig={{ enabled: editing && !narrow, handle: ".widget-title", cancel: "button,select,input" }}
          resizeConfig={{ enabled: editing && !narrow }}
          onDragStop={(l) => arranged(l)}
          onResizeStop={(l) => arranged(l)}
        >
          {widgets.map((w) => (
            <div key={w.id} data-widget-id={w.id}>
              <WidgetFrame widget={w} />
            </div>
          ))}
        </ReactGridLayout>
      )}
    </div>
  );
}

/** A widget's card: title bar, its tools in edit mode, and the widget itself (which takes `{widget}`). */
const WidgetFrame = memo(function WidgetFrame({ widget }: { widget: Widget }) {
  const { editing, canEdit, onSettings, onRemove, onChart, onMove, onDuplicate, onPatch, onFullscreen } =
    useLayoutActions();
  const { metrics } = useDashboardView();
  const Component = WIDGETS[widget.type].component;
  const title = widgetTitle(widget, metrics);
  const metric = widget.type === "metric" ? metrics.find((m) => m.id === widget.metric_id) : undefined;
  const isSeries = widget.type === "metric" && widget.series !== undefined;
  const unit = isSeries ? selectorUnit(widget.series ?? "", metrics) : metric?.unit;
  return (
    <section className="card widget" aria-label={title}>
      <header className="widget-head">
        <h2 className="widget-title" title={metric?.description || title}>
          {title}
          {unit ? <span className="muted"> ({unit})</span> : null}
        </h2>
        {metric && (
          <button
            type="button"
            className="icon ghost settings-button"
            aria-label={`${canEdit ? "Settings" : "Alert rules"} for ${title}`}
            title={canEdit ? "Metric settings and alert rules" : "Alert rules"}
            onClick={() => onSettings(metric.id)}
          >
            ⚙
          </button>
        )}
        <button
          type="button"
          className="icon ghost"
          aria-label={`View ${title} alone`}
          title="View this panel alone (Esc to go back)"
          onClick={() => onFullscreen(widget.id)}
        >
          ⤢
        </button>
        {editing && (
          <div className="widget-tools">
            <TitleInput widget={widget} title={title} onPatch={onPatch} />
            {isSeries && <SeriesSettingsButton widget={widget} title={title} onPatch={onPatch} />}
            {widget.type === "metric" && (
              <select
                aria-label={`Chart type for ${title}`}
                value={widget.chart ?? defaultChart(metric)}
                onChange={(e) => onChart(widget.id, e.target.value as ChartKind)}
              >
                <ChartKindOptions histogram={metric?.type === "histogram"} lines={isSeries} />
              </select>
            )}
            {isSeries && (
              <select
                aria-label={`Legend order for ${title}`}
                value={widget.legend_sort ?? "name"}
                onChange={(e) =>
                  onPatch(widget.id, { legend_sort: e.target.value === "value" ? "value" : undefined })
                }
              >
                <option value="name">legend by name</option>
                <option value="value">legend by value</option>
              </select>
            )}
            {metric?.type === "counter" && (
              <select
                aria-label={`Counter display for ${title}`}
                value={widget.counter ?? "rate"}
                onChange={(e) => onPatch(widget.id, { counter: e.target.value as "rate" | "total" })}
              >
                <option value="rate">rate /s</option>
                <option value="total">raw total</option>
              </select>
            )}
            <button
              type="button"
              className="icon"
              aria-label={`Duplicate ${title}`}
              title="Duplicate"
              onClick={() => onDuplicate(widget.id)}
            >
              ⧉
            </button>
            <button
              type="button"
              className="icon"
              aria-label={`Move ${title} earlier`}
              onClick={() => onMove(widget.id, -1)}
            >
              ↑
            </button>
            <button
              type="button"
              className="icon"
              aria-label={`Move ${title} later`}
              onClick={() => onMove(widget.id, 1)}
            >
              ↓
            </button>
            <button
              type="button"
              className="icon danger"
              aria-label={`Remove ${title}`}
              onClick={() => onRemove(widget.id)}
            >
              ✕
            </button>
          </div>
        )}
      </header>
      <div className="widget-body">
        <Component widget={widget} />
      </div>
    </section>
  );
});

/** The panel's own title (empty: the metric's name); saved on Enter or when leaving the field. */
function TitleInput({
  widget,
  title,
  onPatch,
}: {
  widget: Widget;
  title: string;
  onPatch: LayoutContext["onPatch"];
}) {
  const [text, setText] = useState(widget.title ?? "");
  const commit = () => {
    const next = text.trim();
    if (next !== (widget.title ?? "")) onPatch(widget.id, next ? { title: next } : { title: undefined });
  };
  return (
    <input
      className="title-input"
      aria-label={`Title for ${title}`}
      placeholder="Title"
      value={text}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === "Enter") commit();
      }}
    />
  );
}
