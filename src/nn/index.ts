// The `nn` namespace: Module, layers, activations, Sequential, and `functional` (F).
export { Module } from "./module";
export { Linear, Conv2d, MaxPool2d, Flatten, Embedding, LayerNorm, Dropout } from "./layers";
export { ReLU, Tanh, Sigmoid, Softmax, Sequential } from "./activations";
import * as functional from "./functional";
import * as utils from "./utils";
export { functional, utils };
