// The line `servers` and `doctor` print under their tables when PUSHBENCH_WITHOUT hides parts, so
// a reader of either sees at once why installed parts show as unavailable.
import { hiddenParts, PART_CONTENTS, WITHOUT_ENV } from '../../harness/optional-parts.ts';

export function hiddenNote(): string | null {
  const hidden = [...hiddenParts()];
  if (hidden.length === 0) return null;
  return `${WITHOUT_ENV}=${process.env[WITHOUT_ENV]?.trim() ?? ''} hides, as if not installed: ${hidden.map((p) => `${p}: ${PART_CONTENTS[p]}`).join('; ')}. Unset it to use what is installed.`;
}
