// The frame of the panels opened from the toolbar or a card (share, dashboard settings, metric
// settings): a titled card with a close button. On opening it comes into view and takes keyboard
// focus, as it may have been opened from a card far down the page.
import { type ReactNode, useEffect, useId, useRef } from "react";

export function Panel(props: {
  title: ReactNode;
  closeLabel: string;
  onClose: () => void;
  testId: string;
  className?: string;
  children: ReactNode;
}) {
  const titleId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.scrollIntoView({ block: "nearest" });
    heading.current?.focus();
  }, []);
  return (
    <section
      className={props.className ? `card panel ${props.className}` : "card panel"}
      aria-labelledby={titleId}
      data-testid={props.testId}
    >
      <div className="panel-head">
        <h2 id={titleId} ref={heading} tabIndex={-1}>
          {props.title}
        </h2>
        <button type="button" className="ghost" onClick={props.onClose} aria-label={props.closeLabel}>
          ✕
        </button>
      </div>
      {props.children}
    </section>
  );
}
