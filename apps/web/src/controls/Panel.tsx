// The frame of the panels opened from the toolbar or a card (share, dashboard settings, metric
// settings): a modal drawer on the right (a native <dialog>), so it never pushes the grid down or
// stacks above it. The browser makes the rest of the page inert while it is open; Tab and
// Shift+Tab wrap around inside it (a modal dialog alone lets focus leave for the browser's own
// controls), Esc closes it, and focus returns to what opened it.
import { type ReactNode, useEffect, useId, useRef } from "react";

const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])";

export function Panel(props: {
  title: ReactNode;
  closeLabel: string;
  onClose: () => void;
  testId: string;
  className?: string;
  children: ReactNode;
}) {
  const titleId = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  useEffect(() => {
    const d = dialog.current;
    const opener = document.activeElement as HTMLElement | null;
    if (d && !d.open) d.showModal();
    heading.current?.focus();
    return () => {
      d?.close();
      opener?.focus?.();
    };
  }, []);
  return (
    <dialog
      ref={dialog}
      className={props.className ? `drawer card panel ${props.className}` : "drawer card panel"}
      aria-labelledby={titleId}
      data-testid={props.testId}
      onKeyDown={(e) => {
        if (e.key !== "Tab" || !dialog.current) return;
        const focusable = [...dialog.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
          (el) => !el.hasAttribute("disabled") && el.getClientRects().length > 0,
        );
        const first = focusable[0];
        const last = focusable.at(-1);
        if (!first || !last) return;
        if (e.shiftKey && (document.activeElement === first || document.activeElement === heading.current)) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first.focus();
        }
      }}
      onCancel={(e) => {
        // Esc: the page decides (it unmounts the panel), so its state says closed too.
        e.preventDefault();
        onClose.current();
      }}
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
    </dialog>
  );
}
