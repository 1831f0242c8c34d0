// The `nn` namespace: Module, layers, activations, Sequential, and `functional` (F).
export { Module } from "./module";
export { Linear, MaxPool2d, AvgPool2d, Flatten, Embedding, LayerNorm, Dropout, Dropout2d } from "./layers";
export { BatchNorm1d, BatchNorm2d } from "./norm";
export type { BatchNormOptions } from "./norm";
export { RNN, RNNCell, LSTM, LSTMCell, GRU, GRUCell } from "./recurrent";
export type { RecurrentOptions, RNNOptions } from "./recurrent";
export { ReLU, Tanh, Sigmoid, Softmax, GELU, SiLU, LeakyReLU, Sequential } from "./activations";
export { ModuleList, ModuleDict, Identity } from "./containers";
export { ELU, Softplus, Mish, Softsign, LogSoftmax, Hardtanh, ReLU6, PReLU } from "./activations";
export { Unflatten } from "./layers";
export { Conv1d } from "./conv1d";
export { Conv2d } from "./conv2d";
export type { Conv1dOptions } from "./conv1d";
export { ConvTranspose2d } from "./convTranspose";
export type { ConvTranspose2dOptions } from "./convTranspose";
export { Upsample } from "./interpolate";
export { LogSigmoid, Hardswish, Hardsigmoid, SELU, CELU, GLU, Softmin } from "./moreActivations";
export { MaxPool1d, AvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool2d } from "./pooling";
export type { Pool1dOptions, MaxPool1dOptions, AdaptiveSize } from "./pooling";
export { GroupNorm } from "./groupNorm";
export { MultiheadAttention } from "./attention";
export type { MultiheadAttentionOptions, AttentionCallOptions } from "./attention";
export { TransformerEncoderLayer, TransformerEncoder } from "./transformer";
export type { TransformerEncoderLayerOptions, EncoderCallOptions } from "./transformer";
export { TransformerDecoderLayer, TransformerDecoder, Transformer } from "./transformerDecoder";
export type {
  TransformerDecoderLayerOptions,
  DecoderCallOptions,
  TransformerOptions,
  TransformerCallOptions,
} from "./transformerDecoder";
export {
  MSELoss,
  CrossEntropyLoss,
  NLLLoss,
  BCELoss,
  BCEWithLogitsLoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  KLDivLoss,
} from "./lossModules";
import * as functional from "./functional";
import * as utils from "./utils";
import * as init from "./initFunctions";
export { functional, utils, init };
export type { KaimingOptions, Nonlinearity } from "./initFunctions";
export { Parameter } from "./parameter";
