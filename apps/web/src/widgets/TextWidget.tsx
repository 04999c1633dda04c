// A note on the dashboard in Markdown. markdown-to-jsx builds React elements (no innerHTML) and
// raw HTML in the text is not parsed, so a note can never inject markup or script.
import Markdown from "markdown-to-jsx/react";
import type { WidgetProps } from "./types.ts";

export function TextWidget({ widget }: WidgetProps) {
  if (!widget.text) return <p className="muted">Empty note. Edit the layout to write one in Markdown.</p>;
  return (
    <div className="text-widget">
      <Markdown options={{ disableParsingRawHTML: true, forceBlock: true }}>{widget.text}</Markdown>
    </div>
  );
}
