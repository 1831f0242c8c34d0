// Messages between the extension and the webviews as JSON-safe data: non-finite numbers tagged by src/trace/wire.ts,
// and a message marked "$nonFinite": true when something was tagged, so the receiver skips the walk otherwise.
import { fromWire, toWire } from "../trace/wire";

/** toWire for a whole message: marks it when something was tagged, so the receiver can skip the walk otherwise. */
export function messageToWire(message: object): unknown {
  const w = toWire(message);
  return w === message ? message : { ...(w as object), $nonFinite: true };
}

/** fromWire for a whole message: walks only messages marked by messageToWire. */
export function messageFromWire(message: unknown): unknown {
  if (message === null || typeof message !== "object" || !(message as { $nonFinite?: unknown }).$nonFinite)
    return message;
  delete (message as { $nonFinite?: unknown }).$nonFinite;
  return fromWire(message);
}
