/**
 * Reading an error that came back through a port, the same way everywhere: the HTTP status it
 * carries (Graph, Azure Storage and the Bot Connector all set `statusCode`), and a short reason
 * for a log line. A reason is the status and the service's error code where the error has them,
 * else the first line of its message, at most 80 characters: never a request or response body.
 */

/** The HTTP status an error carries, if any. */
export function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === "number" ? s : undefined;
}

/** The service's error code ("itemNotFound", "ErrorItemNotFound"), if the error carries one. */
export function codeOf(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === "string" && c ? c : undefined;
}

const MAX_REASON = 80;

/** A short reason for a log line (see above). */
export function shortReason(e: unknown): string {
  const status = statusOf(e);
  const code = codeOf(e);
  const message = e instanceof Error ? e.message : typeof e === "string" ? e : "";
  const firstLine = message.split("\n", 1)[0]!.trim();
  const head = [status, code].filter((x) => x !== undefined).join(" ");
  const text = head ? (firstLine && !firstLine.startsWith(head) ? `${head}: ${firstLine}` : head) : firstLine || (e instanceof Error ? e.name : "error");
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}
