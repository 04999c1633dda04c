// History playback for a custom range: a scrubber and a play button that reveal the loaded points
// up to a cursor time, as if the range were happening again.

import type { LiveStore } from "@pulseboard/client/live";
import type { StoredPoint } from "@pulseboard/protocol/rest";
import { useEffect, useRef, useState } from "react";
import { dateTime } from "../charts/clock.ts";

const PLAY_MS = 15_000;

type Props = { store: LiveStore; history: Map<number, StoredPoint[]>; from: number; to: number };

export function Playback({ store, history, from, to }: Props) {
  const [cursor, setCursor] = useState(to);
  const [playing, setPlaying] = useState(false);
  const raf = useRef(0);

  useEffect(() => {
    for (const [id, points] of history) store.replaceSeries(id, upTo(points, cursor));
  }, [cursor, history, store]);

  const cursorRef = useRef(cursor);
  cursorRef.current = cursor;
  useEffect(() => {
    if (!playing) return;
    // Play from where the cursor is, or from the start when it sits at the end.
    const base = cursorRef.current >= to ? from : cursorRef.current;
    const start = performance.now();
    const step = (now: number) => {
      const t = base + ((now - start) / PLAY_MS) * (to - from);
      if (t >= to) {
        setCursor(to);
        setPlaying(false);
        return;
      }
      setCursor(t);
      raf.current = requestAnimationFrame(step);
    };
    raf.current = requestAnimationFrame(step);
    return () => cancelAnimationFrame(raf.current);
  }, [playing, from, to]);

  return (
    <div className="playback">
      <button type="button" onClick={() => setPlaying((p) => !p)} aria-pressed={playing}>
        {playing ? "❚❚ Stop" : "▶ Play"}
      </button>
      <input
        type="range"
        aria-label="Playback position"
        min={from}
        max={to}
        step={Math.max(1, Math.round((to - from) / 1000))}
        value={cursor}
        onChange={(e) => {
          setPlaying(false);
          setCursor(Number(e.target.value));
        }}
      />
      <time className="muted">{dateTime(cursor)}</time>
    </div>
  );
}

function upTo(points: StoredPoint[], cursor: number): StoredPoint[] {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Date.parse((points[mid] as StoredPoint).timestamp) <= cursor) lo = mid + 1;
    else hi = mid;
  }
  return points.slice(0, lo);
}
