/** A `### User Story N - Title (Priority: Pn)` section of spec.md. */
export interface UserStory {
  readonly number: number;
  readonly title: string;
  readonly priority: string | undefined;
  readonly line: number;
}

/** A `- **FR-001**: System MUST …` requirement of spec.md. */
export interface Requirement {
  readonly id: string;
  readonly text: string;
  /** the requirement carries a `[NEEDS CLARIFICATION: …]` marker */
  readonly needsClarification: boolean;
  readonly line: number;
}

/** What Weft reads from a Spec-Kit spec.md (`templates/spec-template.md`). */
export interface FeatureSpec {
  readonly title: string | undefined;
  readonly status: string | undefined;
  readonly branch: string | undefined;
  readonly stories: readonly UserStory[];
  readonly requirements: readonly Requirement[];
  readonly successCriteria: readonly Requirement[];
}

const STORY = /^###\s+User Story\s+(\d+)\s*[-–—:]\s*(.*?)(?:\s*\(Priority:\s*(P\d+)\))?\s*(?:🎯.*)?$/i;
const ITEM = /^\s*[-*]\s+\*\*((?:FR|SC)-\d+)\*\*:?\s*(.*)$/;
const FIELD = /^\*\*(Status|Feature Branch|Branch)\*\*:\s*`?([^`|]*?)`?\s*(?:\||$)/;

/**
 * Parses the parts of spec.md an agent needs: title, status, user stories with priorities,
 * functional requirements (FR-…) and success criteria (SC-…). Unknown sections are ignored.
 */
export function parseSpec(text: string): FeatureSpec {
  let title: string | undefined;
  const fields = new Map<string, string>();
  const stories: UserStory[] = [];
  const requirements: Requirement[] = [];
  const successCriteria: Requirement[] = [];
  text.split(/\r?\n/).forEach((t, i) => {
    const line = i + 1;
    if (title === undefined && t.startsWith('# ')) title = t.slice(2).replace(/^Feature Specification:\s*/, '').trim();
    const f = FIELD.exec(t);
    if (f?.[1] && f[2] !== undefined && !fields.has(f[1])) fields.set(f[1], f[2].trim());
    const s = STORY.exec(t);
    if (s) stories.push({ number: Number(s[1]), title: (s[2] ?? '').trim(), priority: s[3], line });
    const r = ITEM.exec(t);
    if (r?.[1]) {
      const req = { id: r[1], text: (r[2] ?? '').trim(), needsClarification: /\[NEEDS CLARIFICATION/i.test(t), line };
      (r[1].startsWith('FR') ? requirements : successCriteria).push(req);
    }
  });
  return { title, status: fields.get('Status'), branch: fields.get('Feature Branch') ?? fields.get('Branch'), stories, requirements, successCriteria };
}
