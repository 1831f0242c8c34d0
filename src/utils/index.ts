// utils: as PyTorch's torch.utils, what ported training code imports from it (utils.data's DataLoader).
export * as data from "./data";
