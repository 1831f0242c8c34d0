// What a webview receives for a host message, as the tests send it.
import type { HostMessage } from "../../../src/protocol/messages";
import { messageFromWire, messageToWire } from "../../../src/protocol/wire";
import { packMessage, unpackMessage } from "../../../src/protocol/tensorTable";
import { deserializeMessage, serializeMessage } from "./vscodeWire";

/**
 * What the webview receives for a host message: packed, tagged, through VS Code's serialisation (JSON text, typed
 * arrays as bytes), untagged, unpacked (not yet checked).
 */
export const received = (x: HostMessage): unknown => unpackMessage(wired(x));

/** What reaches the webview for a host message before its unpack: packed, through VS Code's serialisation, untagged. */
export const wired = (x: HostMessage): unknown =>
  messageFromWire(deserializeMessage(serializeMessage(messageToWire(packMessage(x)))));
