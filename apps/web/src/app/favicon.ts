// The tab's favicon with the number of firing alerts on it (a red disc with the count), drawn on
// a canvas; without firing alerts the plain icon comes back.
let plain: string | null | undefined;

function iconLink(): HTMLLinkElement {
  let link = document.querySelector<HTMLLinkElement>("link[rel~='icon']");
  if (!link) {
    link = document.createElement("link");
    link.rel = "icon";
    document.head.appendChild(link);
  }
  return link;
}

export function setFiringFavicon(count: number): void {
  const link = iconLink();
  if (plain === undefined) plain = link.getAttribute("href");
  const canvas = document.createElement("canvas");
  canvas.width = 32;
  canvas.height = 32;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  // the base mark: a chart line on a dark tile
  ctx.fillStyle = "#1f2430";
  ctx.fillRect(0, 0, 32, 32);
  ctx.strokeStyle = "#4cc38a";
  ctx.lineWidth = 3;
  ctx.beginPath();
  ctx.moveTo(3, 24);
  ctx.lineTo(11, 14);
  ctx.lineTo(17, 19);
  ctx.lineTo(29, 6);
  ctx.stroke();
  if (count > 0) {
    ctx.fillStyle = "#e5484d";
    ctx.beginPath();
    ctx.arc(21, 21, 11, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = "#fff";
    ctx.font = "bold 15px sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(count > 9 ? "9+" : String(count), 21, 22);
  }
  link.href = canvas.toDataURL("image/png");
  link.dataset.firing = String(count);
}

export function restoreFavicon(): void {
  const link = iconLink();
  if (plain) link.href = plain;
  else link.removeAttribute("href");
  delete link.dataset.firing;
}
