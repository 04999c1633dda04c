// A destructive action in two steps: "Delete …" opens a confirm group that says what goes with it;
// Delete runs `onDelete`, Cancel (or a failed delete, whose error the caller shows) closes it.
import { type ReactNode, useState } from "react";

export function DeleteButton(props: {
  label: string;
  /** What will be lost, shown in the confirm group. */
  question: ReactNode;
  /** Resolves whether it worked. */
  onDelete: () => Promise<boolean>;
}) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <fieldset className="confirm" aria-label="Confirm deletion">
      <span>{props.question}</span>
      <button
        type="button"
        className="danger-solid"
        onClick={() => void props.onDelete().then((ok) => ok || setConfirming(false))}
      >
        Delete
      </button>
      <button type="button" onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </fieldset>
  );
}
