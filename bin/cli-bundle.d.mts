// Types of cli-bundle.mjs (plain JavaScript: the CLI's entry runs it before any TypeScript loader).
/** The path of the CLI bundle's entry for this source tree, built first when missing. */
export function cliBundle(): Promise<string>;
