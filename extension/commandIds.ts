// The ids of the commands this part of the extension contributes, in one table (package.json must match).

export const Commands = {
  trace: "backstep.trace",
  debug: "backstep.debug",
  newExample: "backstep.newExample",
  newExercise: "backstep.newExercise",
  setupTypes: "backstep.setupTypes",
  clearHints: "backstep.clearHints",
  showLog: "backstep.showLog",
  compareWithPrevious: "backstep.compareWithPrevious",
  exportReport: "backstep.exportReport",
  exportGraphSvg: "backstep.exportGraphSvg",
  exportGraphPng: "backstep.exportGraphPng",
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

/** Context keys this extension sets for menus' `when` clauses. */
export const ContextKeys = {
  /** The active editor's file imports "backstep". */
  isModel: "backstep.isModel",
  /** Some editor shows inline hints or Problems from a trace. */
  hasHints: "backstep.hasHints",
} as const;
