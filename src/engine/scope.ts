// The stack of module paths whose forward is running, so each op knows its module ("model.fc1").
const stack: string[] = [];

export function pushModule(path: string): void {
  stack.push(path);
}

export function popModule(): void {
  stack.pop();
}

/** The innermost running module's path, or undefined at top level. */
export function currentModulePath(): string | undefined {
  return stack.length > 0 ? stack[stack.length - 1] : undefined;
}
