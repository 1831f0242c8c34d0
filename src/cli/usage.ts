// The error a command line the CLI cannot read raises: main prints its message and the usage, and exits 2.
export class UsageError extends Error {}
