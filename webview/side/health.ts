// The side panel's gradient health: computed by the host (src/protocol/sideHealth.ts), drawn here.
export * from "../../src/protocol/sideHealth";
