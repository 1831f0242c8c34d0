// noGrad(fn): run code without recording gradient work (evaluation, manual updates).
export { noGrad, isGradEnabled } from "../engine/mode";
