// `npm run test:e2e -- --grep X` runs whole scenarios: the tests of one `describe` are the steps of one user's session
// in one workbench (trace, then look at the graph, then click in it), so a step run alone would find nothing done.
import type Mocha from "mocha";

/** A regex source matching each test of every suite (`describe`) that has a test whose full title matches `grep`. */
export function scenarioGrep(root: Mocha.Suite, grep: RegExp): { source: string; scenarios: string[] } | undefined {
  const scenarios: string[] = [];
  const visit = (suite: Mocha.Suite): void => {
    if (suite.tests.some((t) => grep.test(t.fullTitle()))) scenarios.push(suite.fullTitle());
    suite.suites.forEach(visit);
  };
  visit(root);
  if (scenarios.length === 0) return undefined;
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return { source: scenarios.map((s) => `^${escape(s)} `).join("|"), scenarios };
}
