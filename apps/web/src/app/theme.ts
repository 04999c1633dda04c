// The theme lives on <html data-theme>; CSS variables do the rest. The user's choice is stored on
// the server (PATCH /me/preferences) and applied from /auth/me on load; localStorage only avoids a
// flash of the wrong theme before /auth/me answers.
import type { Theme } from "@pulseboard/protocol/rest";

const KEY = "pulseboard.theme";

export function applyTheme(theme: Theme) {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // storage can be disabled; the server copy is the real one
  }
}

export function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === "dark" || saved === "light") return saved;
  } catch {
    // ignore
  }
  return matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark";
}
