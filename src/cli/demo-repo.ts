/**
 * The demo repository `weft up` seeds in Gitea and `weft demo` works on: a tiny Node.js project with a
 * Spec-Kit feature (spec, plan, tasks.md with two parallel tasks and one that waits for them) and a
 * dependency pin the security scan reports.
 */
import type { LocalGitea } from '../forge/local/gitea.js';

/** The Spec-Kit feature directory (under `specs/`). */
export const DEMO_FEATURE = '001-greetings';

const SPEC = `# Feature Specification: Greetings

**Feature Branch**: \`${DEMO_FEATURE}\`
**Status**: Draft

## User Scenarios & Testing

### User Story 1 - Greet and say goodbye (Priority: P1)

A user runs the tool and is greeted by name, and is wished goodbye when it ends.

**Acceptance Scenarios**:

1. **Given** the name "Ada", **When** the tool starts, **Then** it prints "Hello, Ada!"
2. **Given** the name "Ada", **When** the tool ends, **Then** it prints "Goodbye, Ada!"

## Requirements

- **FR-001**: The tool MUST greet the user by name.
- **FR-002**: The tool MUST say goodbye by name.
`;

const PLAN = `# Implementation Plan: Greetings

**Branch**: \`${DEMO_FEATURE}\` | **Spec**: [spec.md](spec.md)

## Technical Context

**Language/Version**: JavaScript (Node.js 24, ES modules)
**Testing**: \`node --test\`
**Project Type**: single project, sources in \`src/\`, one note per change in \`docs/changes/\`
`;

const TASKS = `# Tasks: Greetings

**Input**: Design documents from \`/specs/${DEMO_FEATURE}/\`

## Format: \`[ID] [P?] [Story] Description\`

## Phase 1: Core

- [ ] T001 [P] [US1] Add the greeting in src/greet.mjs
- [ ] T002 [P] [US1] Add the farewell in src/farewell.mjs

## Phase 2: Polish

- [ ] T003 Document greetings and farewells in README.md
`;

/** The files of the demo repository besides Gitea's README. */
export const DEMO_FILES: Record<string, string> = {
  'package.json': `${JSON.stringify({ name: 'weft-demo', version: '0.1.0', type: 'module', scripts: { test: 'node --test' } }, null, 2)}\n`,
  'src/hello.mjs': "export const hello = (name) => `Hello, ${name}!`;\n",
  'src/hello.test.mjs': "import test from 'node:test';\nimport assert from 'node:assert';\nimport { hello } from './hello.mjs';\n\ntest('greets by name', () => assert.equal(hello('Ada'), 'Hello, Ada!'));\n",
  // A helper script's pin that the security scan's offline OSV database knows (GHSA-462w-v97r-4m45).
  'tools/requirements.txt': 'jinja2==2.10\n',
  [`specs/${DEMO_FEATURE}/spec.md`]: SPEC,
  [`specs/${DEMO_FEATURE}/plan.md`]: PLAN,
  [`specs/${DEMO_FEATURE}/tasks.md`]: TASKS,
};

/** Commits {@link DEMO_FILES} to `main` of `repo` (`owner/name`) in one commit. */
export async function seedDemoRepo(gitea: LocalGitea, repo: string): Promise<void> {
  const files = Object.entries(DEMO_FILES).map(([path, content]) => ({ operation: 'create', path, content: Buffer.from(content).toString('base64') }));
  await gitea.api('POST', `/repos/${repo}/contents`, gitea.admin.token, { branch: 'main', message: `Add the ${DEMO_FEATURE} Spec-Kit feature and a small project`, files });
}
