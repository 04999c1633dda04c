// The theme the user chose in the dashboard UI (same origin, same storage key), applied before
// the page paints; without a choice the pages follow the system's light/dark preference.
try {
  const theme = localStorage.getItem("pulseboard.theme");
  if (theme === "dark" || theme === "light") document.documentElement.dataset.theme = theme;
} catch {
  // storage disabled: the system preference applies
}
