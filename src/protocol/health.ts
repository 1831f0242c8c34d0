// The health rules and thresholds, for the webviews and the extension (which read them through the protocol): defined
// once in src/trace/healthRules.ts.
export {
  activationFlagged,
  alwaysStructural,
  DEFAULT_THRESHOLDS,
  normVerdict,
  parameterGradients,
  STRUCTURAL_RELATIVE,
  thresholds,
} from "../trace/healthRules";
export type {
  GradVerdict,
  HealthTensor,
  HealthThresholds,
  HealthTrace,
  NormVerdict,
  StepGradient,
} from "../trace/healthRules";
