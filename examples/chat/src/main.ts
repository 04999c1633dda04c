// `npm start -w @pulseboard/example-chat`: runs the chat on PORT (default 8000).
import { startChat } from "./app.ts";

const app = await startChat({
  port: Number(process.env.PORT ?? 8000),
  host: process.env.HOST ?? "127.0.0.1",
});
console.log(`chat: open http://127.0.0.1:${app.port}/chat/lobby/`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
