// The `optim` namespace.
export { Optimizer } from "./optimizer";
export type { ParamsInput } from "./optimizer";
export { SGD } from "./sgd";
export type { SGDOptions } from "./sgd";
export { Adam } from "./adam";
export type { AdamOptions } from "./adam";
