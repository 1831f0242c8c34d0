// The `optim` namespace: optimizers and learning-rate schedulers (also as optim.lrScheduler, PyTorch's lr_scheduler).
export { Optimizer } from "./optimizer";
export type { ParamsInput, OptimizerStateDict, ParamState } from "./optimizer";
export { SGD } from "./sgd";
export type { SGDOptions } from "./sgd";
export { Adam, AdamW } from "./adam";
export type { AdamOptions } from "./adam";
export { RMSprop } from "./rmsprop";
export type { RMSpropOptions } from "./rmsprop";
export { Adagrad } from "./adagrad";
export type { AdagradOptions } from "./adagrad";
export * from "./lrScheduler";
export * as lrScheduler from "./lrScheduler";
