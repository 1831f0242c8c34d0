// The `optim.lrScheduler` namespace (PyTorch's torch.optim.lr_scheduler): every learning-rate scheduler.
export { LRScheduler, StepLR, MultiStepLR, ExponentialLR, LinearLR, CosineAnnealingLR, LambdaLR } from "./scheduler";
export type { LinearLROptions } from "./scheduler";
export { OneCycleLR } from "./oneCycle";
export type { OneCycleLROptions } from "./oneCycle";
export { ReduceLROnPlateau } from "./plateau";
export type { ReduceLROnPlateauOptions } from "./plateau";
