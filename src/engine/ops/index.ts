// The engine's ops, ready to run: registers every gradient rule and gives Tensor its methods (import the engine here).
import "../rules/all";
import * as functions from "./functions";
import { backward } from "../backward";
import { installTensorOps } from "../tensorMethods";

installTensorOps({ ...functions, backward });

export * from "./functions";
